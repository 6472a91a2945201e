"""Images in a prompt cost what the vision guide says for the model, at the size their header gives.

An audit (LangChain, LiteLLM) found every image counted 85 tokens, whatever its size, detail or
model (gpt-4o-mini bills thousands), so vision usage and costs were far off and images never
pushed a prompt past a context window."""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from typing import Any

import pytest

from mockai.core.model_capabilities import capabilities
from mockai.generate.image_tokens import image_size, image_tokens
from tests.support.clients import post_chat
from tests.support.reference import shared_or_skip


def png_url(width: int, height: int) -> str:
    """A data URL of a real (blank, 1x1 pixel data) PNG whose header says ``width`` x ``height``."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = b"\x89PNG\r\n\x1a\n" + ihdr
    return "data:image/png;base64," + base64.b64encode(data).decode()


def jpeg_url(width: int, height: int) -> str:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8" + app0 + sof + b"\xff\xd9").decode()


def test_sizes_are_read_from_data_url_headers() -> None:
    assert image_size(png_url(640, 480)) == (640, 480)
    assert image_size(jpeg_url(4000, 3000)) == (4000, 3000)
    gif = "data:image/gif;base64," + base64.b64encode(b"GIF89a" + struct.pack("<HH", 32, 16)).decode()
    assert image_size(gif) == (32, 16)
    assert image_size("https://example.com/cat.png") is None
    assert image_size("data:image/png;base64,not-an-image") is None


@pytest.mark.parametrize(
    ("model", "size", "detail", "tokens"),
    [
        ("gpt-4o", (512, 512), "high", 85 + 170),  # one tile
        ("gpt-4o", (1024, 1024), "auto", 85 + 4 * 170),  # 768 x 768: four tiles
        ("gpt-4o", (2048, 4096), "high", 85 + 6 * 170),  # 1024 x 2048, then 768 x 1536: six
        ("gpt-4o", (4096, 8192), "low", 85),
        ("gpt-4o-mini", (1024, 1024), "low", 2833),
        ("gpt-4o-mini", (512, 512), "high", 2833 + 5667),
        ("o3", (1024, 1024), "high", 75 + 4 * 150),
        ("gpt-5", (1024, 1024), "high", 70 + 4 * 140),
        ("gpt-4.1-mini", (1024, 1024), "high", int(1024 * 1.62)),  # 32 x 32 patches
        ("gpt-4.1-nano", (1800, 2400), "low", int(1452 * 2.46)),  # scaled to 33 x 44 patches
    ],
)
def test_the_vision_guides_prices(model: str, size: tuple[int, int], detail: str, tokens: int) -> None:
    assert image_tokens({"url": png_url(*size), "detail": detail}, capabilities(model)) == tokens


def test_a_recorded_image_prompt_counts_as_recorded(base_url: str) -> None:
    """[T:02]: gpt-4o, one question and a 2560-px wide photograph by URL (not fetched: counted as a
    3:2 photograph), recorded at 1,118 prompt tokens."""
    record: dict[str, Any] = json.loads(
        shared_or_skip("conformance", "real_traffic", "02_plain_nonstream_image_input.json").read_text()
    )
    recorded = json.loads(record["response"]["body_text"])["usage"]["prompt_tokens"]
    answer = post_chat(base_url, record["request"]["body"])
    assert answer.status_code == 200
    assert abs(answer.json()["usage"]["prompt_tokens"] - recorded) <= 0.02 * recorded


def test_what_a_hostile_audit_found() -> None:
    """Patches: 2400 x 1800 counted 1,530 where the guide's min of the two ratios gives 1,452, as
    1800 x 2400 does; MIME-wrapped base64 and an upper-case ``DATA:`` were unseen images; a JPEG
    header of 96 KB of fill bytes took 10 ms an image to read."""
    caps = capabilities("gpt-4.1-mini")
    assert image_tokens({"url": png_url(2400, 1800)}, caps) == image_tokens({"url": png_url(1800, 2400)}, caps)
    url = png_url(640, 480)
    scheme, data = url.split(",")
    wrapped = scheme + "," + "\r\n".join(data[i : i + 76] for i in range(0, len(data), 76))
    assert image_size(wrapped) == image_size("DATA:" + url[5:]) == (640, 480)
    filled = b"\xff\xd8" + b"\xff" * 96_000 + b"\xc0\x00\x11\x08\x01\x00\x02\x00\x03"
    start = time.perf_counter()
    assert image_size("data:image/jpeg;base64," + base64.b64encode(filled).decode()) == (512, 256)
    assert time.perf_counter() - start < 0.005
