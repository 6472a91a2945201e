"""What an image in a prompt costs in tokens, as the vision guide computes it for each model.

* Tiles (gpt-4o, gpt-4.1, o1/o3, gpt-5, ...): ``detail: "low"`` is the model's base; otherwise the
  image is fit in 2048 x 2048, then its short side brought to 768 px, and each 512-px tile costs
  the model's tile price on top of the base.  ``auto`` is counted as ``high``.
* Patches (gpt-4.1-mini/nano, gpt-5-mini/nano, o4-mini): the 32-px patches covering the image (at
  most 1,536, the image scaled down to fit), times the model's rate, whatever the detail.

The prices are the model's :class:`~mockai.core.model_capabilities.Capabilities`.  The size is read
from a ``data:`` URL's header (PNG, GIF, JPEG, WebP), never fetched: an image mockai cannot see (a
web URL, a file id) counts as a 3:2 photograph larger than 2048 px, the shape most cameras give
(gpt-4o: 1,105 tokens, which [T:02]'s 2560-px wide photograph cost).
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Mapping
from typing import Any

from mockai.core.model_capabilities import Capabilities

__all__ = ["image_size", "image_tokens"]

# An image whose size is unknown: a 3:2 photograph (its tiles: 1152 x 768 once scaled, 3 x 2).
UNSEEN_SIZE = (3072, 2048)
# The header bytes read from a data URL: a JPEG's frame header may follow 64 KB of EXIF data.
_HEAD_BYTES = 96 * 1024
_PATCH = 32
_MAX_PATCHES = 1536


def image_tokens(image_url: Any, caps: Capabilities) -> int:
    """The tokens of a chat ``image_url`` part's value (``{"url", "detail"}``, or a URL) for a model
    of ``caps``."""
    url = image_url.get("url") if isinstance(image_url, Mapping) else image_url
    detail = image_url.get("detail") if isinstance(image_url, Mapping) else None
    width, height = (image_size(url) if isinstance(url, str) else None) or UNSEEN_SIZE
    if caps.image_patch_rate:
        return int(_patches(width, height) * caps.image_patch_rate)
    if detail == "low":
        return caps.image_base
    return caps.image_base + caps.image_tile * _tiles(width, height)


def _tiles(width: float, height: float) -> int:
    if max(width, height) > 2048:
        scale = 2048 / max(width, height)
        width, height = width * scale, height * scale
    if min(width, height) > 768:
        scale = 768 / min(width, height)
        width, height = width * scale, height * scale
    return math.ceil(width / 512) * math.ceil(height / 512)


def _patches(width: float, height: float) -> int:
    patches = math.ceil(width / _PATCH) * math.ceil(height / _PATCH)
    if patches <= _MAX_PATCHES:
        return patches
    # Scaled to fit 1,536 patches, then down to whole patches across or down, whichever cuts more
    # (the guide's min of the two ratios: 1800 x 2400 and 2400 x 1800 both give 33 x 44).
    scale = math.sqrt(_PATCH * _PATCH * _MAX_PATCHES / (width * height))
    width, height = width * scale, height * scale
    across, down = width / _PATCH, height / _PATCH
    scale = min(math.floor(across) / across if across >= 1 else 1.0, math.floor(down) / down if down >= 1 else 1.0)
    width, height = width * scale, height * scale
    return min(math.ceil(width / _PATCH) * math.ceil(height / _PATCH), _MAX_PATCHES)


def image_size(url: str) -> tuple[int, int] | None:
    """The width and height in a ``data:`` URL's image header, or ``None`` (not a data URL, or a
    header mockai does not read)."""
    if url[:5].lower() != "data:":
        return None
    _, comma, data = url.partition(",")
    if not comma:
        return None
    # (base64 wrapped in lines, MIME style, read as one; a few more characters for the line breaks)
    head = "".join(data[: _HEAD_BYTES // 3 * 4 * 81 // 76].split())[: _HEAD_BYTES // 3 * 4]
    try:
        raw = base64.b64decode(head[: len(head) // 4 * 4], validate=False)
    except (binascii.Error, ValueError):
        return None
    return _png(raw) or _gif(raw) or _jpeg(raw) or _webp(raw)


def _png(raw: bytes) -> tuple[int, int] | None:
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR" and len(raw) >= 24:
        width, height = struct.unpack(">II", raw[16:24])
        return _positive(width, height)
    return None


def _gif(raw: bytes) -> tuple[int, int] | None:
    if raw[:6] in (b"GIF87a", b"GIF89a") and len(raw) >= 10:
        width, height = struct.unpack("<HH", raw[6:10])
        return _positive(width, height)
    return None


# JPEG markers that start a frame (SOF0-SOF15 but DHT, JPG and DAC), whose header has the size.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(raw: bytes) -> tuple[int, int] | None:
    if raw[:2] != b"\xff\xd8":
        return None
    at = 2
    for _ in range(_MAX_SEGMENTS):
        if at + 9 > len(raw) or raw[at] != 0xFF:
            return None
        marker = raw[at + 1]
        if marker == 0xFF:  # fill bytes, skipped at once (a hostile header had 96 KB of them)
            at += len(raw) - at - 1 - len(raw[at + 1 :].lstrip(b"\xff"))
            continue
        if marker in _SOF:
            height, width = struct.unpack(">HH", raw[at + 5 : at + 9])
            return _positive(width, height)
        if marker == 0xD9 or marker == 0xDA:  # (the end, or the scan: no frame header before it)
            return None
        (length,) = struct.unpack(">H", raw[at + 2 : at + 4])
        at += 2 + length
    return None


_MAX_SEGMENTS = 1024  # JPEG segments read before the frame header, at most


def _webp(raw: bytes) -> tuple[int, int] | None:
    if raw[:4] != b"RIFF" or raw[8:12] != b"WEBP" or len(raw) < 30:
        return None
    chunk = raw[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(raw[24:27], "little")
        height = 1 + int.from_bytes(raw[27:30], "little")
        return _positive(width, height)
    if chunk == b"VP8 " and raw[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", raw[26:30])
        return _positive(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and raw[20] == 0x2F:
        bits = int.from_bytes(raw[21:25], "little")
        return _positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None
