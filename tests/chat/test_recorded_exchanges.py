"""Real recorded exchanges (read from ../shared; the recordings stay out of the repo), sent to mockai:
the same status and error body for the errors mockai can reproduce, and the same JSON layout
(keys, their order, nulls) for the answers."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.reference import shared_params
from tests.support.servers import ServerFactory

# Errors that need the outside world (an image URL that fails to download) or a configuration
# the recording does not carry are not reproduced; the rest must match exactly.
CONFIG_FOR = {
    "26_error_401_invalid_api_key.json": {"api_key": "sk-the-right-key"},
    "27_error_401_invalid_api_key_2024.json": {"api_key": "sk-the-right-key"},
    "28_error_404_model_not_found.json": {"strict_models": True},
}
KEY_FOR = {
    "26_error_401_invalid_api_key.json": "bad-key-for-test",
    "27_error_401_invalid_api_key_2024.json": "<not-a-real-key>",
}
NOT_REPRODUCIBLE = {"33_error_400_invalid_image_url.json": "needs the image URL to fail to download"}


def recordings(kind: str, folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        if record["request"]["path"] != "/v1/chat/completions":
            continue
        status = record["response"]["status"]
        text = record["response"].get("body_text", "")
        if (kind == "error" and status >= 400) or (kind == "json" and status == 200 and text.startswith("{")):
            out.append(path)
    return out


def layout(value: Any) -> Any:
    """Keys in order, and which values are null, all the way down (lists: their first item)."""
    if isinstance(value, dict):
        return [(k, layout(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [layout(value[0])] if value else []
    return None if value is None else type(value).__name__


@pytest.mark.parametrize("path", shared_params(partial(recordings, "error"), "conformance", "real_traffic"))
def test_recorded_error_is_reproduced(server_factory: ServerFactory, path: Path) -> None:
    if path.name in NOT_REPRODUCIBLE:
        pytest.skip(NOT_REPRODUCIBLE[path.name])
    record = json.loads(path.read_text())
    server = server_factory(**CONFIG_FOR.get(path.name, {}))
    key = KEY_FOR.get(path.name, "sk-test")
    response = post_chat(server.base_url, record["request"]["body"], headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == record["response"]["status"]
    want = json.loads(record["response"]["body_text"])["error"]
    got = response.json()["error"]
    assert {k: got[k] for k in ("type", "param", "code")} == {k: want[k] for k in ("type", "param", "code")}
    if path.name != "26_error_401_invalid_api_key.json":  # its key was masked with a fixed-length run
        assert got["message"] == want["message"]
    # Where the recording kept the wire's length, the body is that long: the 404's stored body was
    # re-indented by 2, its content-length (231) is the front end's 4-space layout and newline.
    length = {k.lower(): v for k, v in record["response"]["headers"].items()}.get("content-length")
    if length is not None and path.name not in KEY_FOR:
        assert len(response.content) == int(length)
    # The API's own headers the recording kept (recorders drop some; the Cloudflare front's, the
    # transfer's and the image rate limits aside) are all in the answer: an audit found the 400s
    # without access-control-expose-headers and x-openai-proxy-wasm, and the model 404 without
    # openai-organization.
    ours = {name.lower() for name in response.headers}
    theirs = {name.lower() for name in record["response"]["headers"]} & _API_HEADERS
    assert theirs <= ours


_IMAGE_LIMITS = {f"x-ratelimit-{what}-input-images" for what in ("limit", "remaining", "reset")}
_API_HEADERS = {
    "access-control-expose-headers",
    "openai-organization",
    "openai-processing-ms",
    "openai-project",
    "openai-version",
    "vary",
    "x-openai-proxy-wasm",
    "x-request-id",
    *(f"x-ratelimit-{what}-{of}" for what in ("limit", "remaining", "reset") for of in ("requests", "tokens")),
}


@pytest.mark.parametrize("path", shared_params(partial(recordings, "json"), "conformance", "real_traffic"))
def test_recorded_answer_layout(base_url: str, path: Path) -> None:
    record = json.loads(path.read_text())
    real = json.loads(record["response"]["body_text"])
    if "service_tier" not in real or "annotations" not in real["choices"][0]["message"]:
        pytest.skip("recorded before 2025-03, when service_tier and annotations were added")
    body = dict(record["request"]["body"])
    message = real["choices"][0]["message"]
    if message.get("tool_calls"):
        body["tool_choice"] = "required"
        body["parallel_tool_calls"] = len(message["tool_calls"]) > 1
    if message.get("refusal"):
        pytest.skip("a refusal: seeded answers never refuse (scenarios script them)")
    response = post_chat(base_url, body, headers={"Authorization": "Bearer sk-test"})
    assert response.status_code == 200, response.text
    ours = response.json()
    if real.get("system_fingerprint") is None or ours.get("system_fingerprint") is None:
        real["system_fingerprint"] = ours["system_fingerprint"] = None
    assert layout(ours) == layout(real)
    # and the API's headers the recording kept: the input-image rate limits of [T:02] were missing
    theirs = {name.lower() for name in record["response"]["headers"]} & (_API_HEADERS | _IMAGE_LIMITS)
    assert theirs <= {name.lower() for name in response.headers}


def _tools_and_usage(folder: Path) -> list[Path]:
    """Chat recordings that offer tools and report usage (JSON, or a stream's usage chunk)."""
    out = []
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        body = record["request"]["body"]
        if record["request"]["path"] != "/v1/chat/completions" or not isinstance(body, dict):
            continue
        if body.get("tools") and '"prompt_tokens"' in record["response"].get("body_text", ""):
            out.append(path)
    return out


@pytest.mark.parametrize("path", shared_params(_tools_and_usage, "conformance", "real_traffic"))
def test_prompt_tokens_with_tools_are_near_the_recorded(base_url: str, path: Path) -> None:
    """Offered tools are counted as the model reads them, not as their JSON: within 20 % of the
    recorded prompt tokens (mockai's tokenizer is not OpenAI's; the JSON gave about twice them)."""
    record = json.loads(path.read_text())
    recorded = int(re.findall(r'"prompt_tokens": ?(\d+)', record["response"]["body_text"])[0])
    body = {k: v for k, v in record["request"]["body"].items() if k not in ("stream", "stream_options")}
    got = post_chat(base_url, body).json()["usage"]["prompt_tokens"]
    assert 0.8 * recorded <= got <= 1.2 * recorded, (got, recorded)


def _model_deletes(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.glob("*.json"))
        if json.loads(path.read_text())["request"]["method"] == "DELETE"
        and json.loads(path.read_text())["request"]["path"].startswith("/v1/models/")
    ]


@pytest.mark.parametrize("path", shared_params(_model_deletes, "conformance", "real_traffic"))
def test_a_recorded_model_delete_is_answered_alike(base_url: str, path: Path) -> None:
    record = json.loads(path.read_text())
    response = HTTP.delete(base_url.removesuffix("/v1") + record["request"]["path"], headers=AUTH)
    assert response.status_code == record["response"]["status"]
    assert response.text.strip() == record["response"]["body_text"].strip()  # the same keys, order and layout
