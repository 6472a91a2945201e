"""mockai's Responses against the reference material in ../shared (skipped when it is absent):

* every non-stream Response validates against the official ``Response`` schema and every stream
  event against ``ResponseStreamEvent``, loosened only where api_behaviour §10 records that the
  live API differs from the spec;
* the same request as a recorded real stream gives mockai a stream with the same sequence of
  event types (runs of deltas counted as one: the texts differ).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.reference import shared_or_skip

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
BODIES: list[dict[str, Any]] = [
    {"model": "gpt-4o-mini", "input": "Say this is a test", "instructions": "Be brief."},
    {"model": "gpt-4.1", "input": "What is the weather in Boston?", "tools": [WEATHER], "tool_choice": "required"},
    {"model": "gpt-4o", "input": "What is the weather in Paris, Tokyo and Rome?", "tools": [WEATHER]},
    {"model": "o4-mini", "input": "2 + 2?", "reasoning": {"effort": "low", "summary": "detailed"}},
    {"model": "gpt-5-nano", "input": "Count to 3", "include": ["reasoning.encrypted_content"], "store": False},
    {"model": "gpt-5.1", "input": "a story", "max_output_tokens": 16, "text": {"verbosity": "high"}},
    {"model": "gpt-4o", "input": "hi", "include": ["message.output_text.logprobs"], "top_logprobs": 2},
    {
        "model": "gpt-4o-2024-08-06",
        "input": "solve 8x + 31 = 2",
        "text": {
            "format": {
                "type": "json_schema",
                "name": "Answer",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"steps": {"type": "array", "items": {"type": "string"}}, "x": {"type": "number"}},
                    "required": ["steps", "x"],
                    "additionalProperties": False,
                },
            }
        },
    },
]


def _loosened(name: str) -> Any:
    """The official schema ``name``, with api_behaviour §10's recorded differences allowed."""
    import jsonschema

    schema = json.loads(shared_or_skip("spec", "responses", f"{name}.schema.json").read_text())
    defs = schema["$defs"]
    response = defs.get("Response", schema if name == "Response" else None)
    for part in _all_of(response, defs):
        props = part.get("properties", {})
        if "user" in props:
            props["user"] = {}  # §10 #4: null in 913/918 responses
        if "usage" in props:
            props["usage"] = {"anyOf": [props["usage"], {"type": "null"}]}  # §10 #5
    for key, node in defs.items():
        if key == "TextResponseFormatJsonSchema":
            node.get("properties", {}).pop("description", None)  # §10 #7: null in the echo
        if key == "ResponseFunctionCallArgumentsDoneEvent":
            node["required"].remove("name")  # §10 #9: never sent
        if key == "ResponseErrorEvent":
            node["required"] = ["type", "sequence_number", "error"]  # §10 #10: nested under error
        if key == "ResponseErrorCode":
            node.pop("enum", None)  # §10 #11: insufficient_quota
    return jsonschema.Draft202012Validator(schema)


def _all_of(node: Any, defs: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        return _all_of(defs[node["$ref"].rpartition("/")[2]], defs)
    return [node, *[p for sub in node.get("allOf", []) for p in _all_of(sub, defs)]]


@functools.cache
def _validator(name: str) -> Any:
    return _loosened(name)


def _post(server: ServerThread, body: dict[str, Any]) -> Any:
    answer = HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return answer


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize("body", BODIES, ids=[f"{b['model']}-{i}" for i, b in enumerate(BODIES)])
def test_bodies_and_events_validate(module_server: ServerThread, body: dict[str, Any]) -> None:
    response = _validator("Response")
    errors = [e.message for e in response.iter_errors(_post(module_server, body).json())]
    assert not errors, errors
    stream = _post(module_server, {**body, "stream": True}).text
    event = _validator("ResponseStreamEvent")
    for payload in _events(stream):
        errors = [e.message for e in event.iter_errors(payload)]
        assert not errors, (payload["type"], errors[:3])


def test_the_error_event_and_failed_response_validate(module_server: ServerThread) -> None:
    module_server.renew()
    from mockai.scenarios.file_format import load_text

    rule = "- reply: {content: x, fault: {kind: error_event, after: 2, error: {type: server_error, message: boom}}}\n"
    module_server.run(lambda: module_server.state.scenarios.add(load_text(rule)))
    try:
        payloads = _events(_post(module_server, {"model": "gpt-4o", "input": "hi", "stream": True}).text)
    finally:
        module_server.renew()
    validator = _validator("ResponseStreamEvent")
    assert [p["type"] for p in payloads][-2:] == ["error", "response.failed"]
    for payload in payloads:
        assert not list(validator.iter_errors(payload)), payload["type"]


RECORDED_STREAMS = [
    "02_stream_text_instructions.json",
    "13_function_call_stream_args_deltas.json",
    "16_parallel_function_calls_stream.json",
    "20_reasoning_summary_stream_o4mini.json",
    "04_stream_store_false_reasoning_encrypted.json",
    "26_incomplete_max_output_tokens_stream.json",
]


def _kinds(payloads: list[dict[str, Any]]) -> list[str]:
    """Event types, a run of deltas counted once."""
    kinds: list[str] = []
    for payload in payloads:
        kind = payload["type"]
        if not (kind.endswith(".delta") and kinds and kinds[-1] == kind):
            kinds.append(kind)
    return kinds


@pytest.mark.parametrize("name", RECORDED_STREAMS)
def test_same_event_types_as_a_recorded_stream(module_server: ServerThread, name: str) -> None:
    recorded = json.loads(shared_or_skip("conformance", "responses", name).read_text())
    body = recorded["request"]["body"]
    if name.startswith("13_"):
        body = {**body, "tool_choice": "required"}  # the recorded model chose to call the tool
    if name.startswith("16_"):  # two passwords, one call each, as the recorded model did
        user = {"role": "user", "content": "Retrieve the secrets for Mellon and Radiance"}
        body = {**body, "input": [body["input"][0], user]}
    theirs = _kinds(_events(recorded["response"]["body_text"]))
    ours = _kinds(_events(_post(module_server, body).text))
    assert ours == theirs


def test_headers_as_recorded(module_server: ServerThread) -> None:
    """JSON: ``application/json`` with the rate-limit headers; streams: ``text/event-stream;
    charset=utf-8`` without them (api_behaviour §8); ``x-request-id`` is ``req_`` + 32 hex."""
    plain = _post(module_server, {"model": "gpt-4o-mini", "input": "hi", "store": False})
    assert plain.headers["content-type"] == "application/json"
    assert "x-ratelimit-remaining-tokens" in plain.headers
    assert plain.headers["x-request-id"].startswith("req_") and len(plain.headers["x-request-id"]) == 36
    assert not plain.text.endswith("\n") and plain.text.startswith('{\n  "id": "resp_')
    streamed = _post(module_server, {"model": "gpt-4o-mini", "input": "hi", "store": False, "stream": True})
    assert streamed.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert not any(name.lower().startswith("x-ratelimit") for name in streamed.headers)
    assert streamed.text.endswith("\n\n") and "[DONE]" not in streamed.text
    # ``x-openai-proxy-wasm`` is on chat's answers since 2025-09, but on 34 of 733 Responses answers
    # and none of the verbatim ones (§8); mockai sent it on every one.
    assert "x-openai-proxy-wasm" not in plain.headers and "x-openai-proxy-wasm" not in streamed.headers


@pytest.mark.parametrize("name", ["23_web_search_nonstream.json", "25_file_search_nonstream.json"])
def test_built_in_tools_echo_their_settings_as_recorded(module_server: ServerThread, name: str) -> None:
    """mockai runs no built-in tool, but their echo has the settings the request left out, in the
    recorded order: web_search's budget, content types, context size and location [R:23],
    file_search's filters and ranking options [R:25]."""
    recorded = json.loads(shared_or_skip("conformance", "responses", name).read_text())
    theirs = json.loads(recorded["response"]["body_text"])["tools"]
    body = {**recorded["request"]["body"], "store": False}
    ours = _post(module_server, body).json()["tools"]
    assert json.dumps(ours) == json.dumps(theirs)


def test_a_partial_web_search_location_is_filled_in(module_server: ServerThread) -> None:
    tool = {"type": "web_search", "user_location": {"type": "approximate", "country": "GB", "city": "London"}}
    [echo] = _post(module_server, {"model": "gpt-4o", "input": "news?", "tools": [tool]}).json()["tools"]
    assert echo["user_location"] == {
        "type": "approximate",
        "city": "London",
        "country": "GB",
        "region": None,
        "timezone": None,
    }
    assert list(echo) == ["type", "return_token_budget", "search_content_types", "search_context_size", "user_location"]


def test_a_background_stream_has_no_obfuscation(module_server: ServerThread) -> None:
    """[R:28] (2026-02): neither the background stream nor its replay carries ``obfuscation`` on its
    deltas, while foreground streams of the time have it on every one; mockai added it to both."""
    body = {"model": "gpt-4o-mini", "input": "Tell me about streams.", "stream": True}
    foreground = _post(module_server, body).text
    background = _post(module_server, {**body, "background": True}).text
    assert '"type":"response.output_text.delta"' in background and '"obfuscation"' not in background
    assert '"obfuscation"' in foreground
    response_id = json.loads(background.split("data: ", 2)[1].split("\n", 1)[0])["response"]["id"]
    replay = HTTP.get(f"{module_server.base_url}/responses/{response_id}", params={"stream": "true"}, headers=AUTH)
    assert replay.status_code == 200 and '"obfuscation"' not in replay.text
