"""Properties that hold for every request: the stream accumulates, event by event, to the
non-stream Response (``billing`` apart: no streamed Response has it, api_behaviour §3a), and the
same request gives the same bytes (on a server in the same state)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.strategies import object_schemas, words

MODELS = ["gpt-4o-mini", "gpt-4.1", "o4-mini", "gpt-5-nano"]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(MODELS))
    body: dict[str, Any] = {"model": model, "store": False}
    if draw(st.booleans()):
        body["input"] = draw(words)
    else:
        body["input"] = [{"role": "user", "content": [{"type": "input_text", "text": draw(words)}]}]
    if draw(st.booleans()):
        body["instructions"] = draw(words)
    if draw(st.booleans()):
        params = draw(object_schemas)
        body["tools"] = [{"type": "function", "name": "tool_a", "parameters": params, "strict": False}]
        body["tool_choice"] = draw(st.sampled_from(["auto", "required", "none"]))
    if draw(st.booleans()):
        body["max_output_tokens"] = draw(st.integers(16, 200))
    if model in ("o4-mini", "gpt-5-nano") and draw(st.booleans()):
        body["reasoning"] = {"effort": "low", "summary": draw(st.sampled_from(["auto", "detailed"]))}
    return body


def _post(server: ServerThread, body: dict[str, Any]) -> bytes:
    answer = HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return answer.content


def accumulate(stream: bytes) -> dict[str, Any]:
    """The Response a client builds from the events (as the SDK's stream state does), checking
    each ``.done`` against what was accumulated."""
    blocks = [b for b in stream.decode().split("\n\n") if b]
    payloads = []
    for number, block in enumerate(blocks):
        event_line, data_line = block.split("\n")
        payload = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {payload['type']}" and payload["sequence_number"] == number
        assert next(iter(payload)) == "type"
        payloads.append(payload)
    assert payloads[0]["type"] == "response.created" and payloads[0]["response"]["usage"] is None
    output: list[dict[str, Any]] = []
    for p in payloads[1:-1]:
        kind = p["type"].removeprefix("response.")
        if kind == "output_item.added":
            assert p["output_index"] == len(output)
            output.append(p["item"])
        elif kind == "content_part.added":
            output[p["output_index"]]["content"].append(p["part"])
        elif kind == "output_text.delta":
            output[p["output_index"]]["content"][p["content_index"]]["text"] += p["delta"]
        elif kind == "refusal.delta":
            output[p["output_index"]]["content"][p["content_index"]]["refusal"] += p["delta"]
        elif kind == "function_call_arguments.delta":
            output[p["output_index"]]["arguments"] += p["delta"]
        elif kind == "function_call_arguments.done":
            assert output[p["output_index"]]["arguments"] == p["arguments"]
        elif kind == "reasoning_summary_part.added":
            output[p["output_index"]]["summary"].append(p["part"])
        elif kind == "reasoning_summary_text.delta":
            output[p["output_index"]]["summary"][p["summary_index"]]["text"] += p["delta"]
        elif kind == "output_text.done":
            assert output[p["output_index"]]["content"][p["content_index"]]["text"] == p["text"]
        elif kind == "output_item.done":
            item = output[p["output_index"]]
            done = p["item"]
            for key in ("content", "arguments", "summary"):
                if key in done:
                    assert item[key] == done[key], key
            output[p["output_index"]] = done
    final = payloads[-1]["response"]
    assert final["output"] == output
    return dict(final)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests())
def test_stream_accumulates_to_the_json_response(module_server: ServerThread, body: dict[str, Any]) -> None:
    plain = json.loads(_post(module_server, body))
    streamed = accumulate(_post(module_server, {**body, "stream": True}))
    assert plain.pop("billing") == {"payer": "developer"}
    # A long prompt sent twice is a prompt-cache hit the second time (as on the real API).
    cached = streamed["usage"]["input_tokens_details"].pop("cached_tokens")
    assert cached % 128 == 0 and plain["usage"]["input_tokens_details"].pop("cached_tokens") % 128 == 0
    assert streamed == plain
    assert list(streamed) == list(plain)  # the same key order


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests(), stream=st.booleans())
def test_same_request_same_bytes(module_server: ServerThread, body: dict[str, Any], stream: bool) -> None:
    """On a fresh server each time (a repeated long prompt is a prompt-cache hit the second time)."""
    body = {**body, "stream": stream}
    module_server.renew()
    first = _post(module_server, body)
    module_server.renew()
    assert _post(module_server, body) == first
