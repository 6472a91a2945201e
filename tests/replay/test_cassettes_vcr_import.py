"""``mockai cassette import``: real VCR.py cassettes of OpenAI traffic, replayed through the SDK.

The cassettes are recordings made by other projects: they are read from ../shared (never copied
into this repository) and these tests skip, saying so, when it is absent.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockai.cli.main import main
from mockai.replay.cassette import CassetteError, load_cassette
from mockai.replay.vcr_import import import_vcr
from tests.support.clients import sdk
from tests.support.reference import shared_or_skip
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

VCR_FILES = [
    "ddtrace_chat_completion_error.yaml",
    "openllmetry_test_chat_tools.yaml",
    "otel_chat_completion_raw_response_streaming.yaml",
    "otel_chat_completion_tool_calls_with_content.yaml",
    "pydantic-ai_run_stream_sync_streams_real_model.yaml",
    "simonw-llm_test_tool_use_basic.yaml",
]


def _original(interaction: dict[str, Any]) -> tuple[dict[str, Any], int, bytes]:
    """Request body, status and response bytes as the VCR file holds them (decoded by hand here)."""
    request, response = interaction["request"], interaction["response"]
    body = request.get("parsed_body") or json.loads(request["body"])
    raw = response["body"]["string"] if "body" in response else response["content"]
    data = raw if isinstance(raw, bytes) else raw.encode()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    status = response["status"]["code"] if "status" in response else response["status_code"]
    return body, status, data


@pytest.mark.parametrize("name", VCR_FILES)
def test_imported_vcr_cassettes_replay_byte_for_byte(name: str, tmp_path: Path, server_factory: ServerFactory) -> None:
    source = shared_or_skip("conformance", "vcr", name)
    converted = tmp_path / "converted.yaml"
    assert main(["cassette", "import", str(source), "-o", str(converted)]) == 0

    text = converted.read_text()
    for secret in ("test_openai_api_key", "__cf_bm", "_cfuvid", "aca-labs-1", "datadog"):
        assert secret not in text, secret
    for header in ("authorization", "set-cookie", "openai-organization", "content-encoding"):
        assert f"{header}:" not in text.lower(), header
    cassette = load_cassette(converted)
    original = yaml.safe_load(source.read_text())["interactions"]
    assert len(cassette.interactions) == len(original)

    server = server_factory(cassette=converted)
    client = sdk(server.base_url)
    for number, interaction in enumerate(original):
        body, status, expected = _original(interaction)
        streamed = body.get("stream", False)
        assert (cassette.interactions[number].response.events is not None) == streamed
        try:
            raw = client.chat.completions.with_raw_response.create(**body)
        except openai.APIStatusError as error:
            assert error.status_code == status
            assert error.response.content == expected
            continue
        assert raw.status_code == status
        assert raw.http_response.read() == expected, f"{name} #{number}"
        if streamed:
            chunks = list(raw.parse())
            assert chunks and all(c.object == "chat.completion.chunk" for c in chunks)
        else:
            assert raw.parse().object == "chat.completion"


def test_a_stream_blob_is_split_into_events() -> None:
    source = shared_or_skip("conformance", "vcr", "otel_chat_completion_raw_response_streaming.yaml")
    cassette = import_vcr(yaml.safe_load(source.read_text()), str(source))
    events = cassette.interactions[0].response.events
    assert events is not None
    assert all(e.startswith(b"data: ") and e.endswith(b"\n\n") for _, e in events)
    assert events[-1][1] == b"data: [DONE]\n\n"


def test_import_errors_name_the_file_and_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CassetteError, match="interaction #0: request has no 'uri'"):
        import_vcr({"interactions": [{"request": {"method": "POST"}, "response": {"status_code": 200}}]}, "x.yaml")
    with pytest.raises(CassetteError, match=r"not a VCR\.py cassette"):
        import_vcr({"version": 1}, "x.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: [")
    assert main(["cassette", "import", str(bad)]) == 2
    assert "bad.yaml: not valid YAML/JSON" in capsys.readouterr().err
