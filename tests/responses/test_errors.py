"""Ten common mistakes on ``POST /v1/responses`` and the real API's answer to each: status, type,
code, param and wording as recorded (api_behaviour §6a), bytes as recorded where the recording
is verbatim (2-space indent, no trailing newline, §6b)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, client_for
from tests.support.reference import shared_or_skip
from tests.support.servers import ServerFactory

STRICT_BAD_SCHEMA = {
    "type": "function",
    "name": "get_current_weather",
    "description": "Get the current weather in a given location.",
    "parameters": {
        "properties": {
            "location": {"title": "Location", "type": "string"},
            "unit": {"default": "fahrenheit", "title": "Unit", "type": "string"},
        },
        "required": ["location"],
        "additionalProperties": False,
        "type": "object",
    },
    "strict": True,
}


def _recorded(name: str) -> dict[str, Any]:
    path = shared_or_skip("conformance", "responses", name)
    recorded: dict[str, Any] = json.loads(path.read_text())
    return recorded


def _post(base_url: str, body: Any, headers: dict[str, str] = AUTH) -> Any:
    return HTTP.post(f"{base_url}/responses", json=body, headers=headers)


@pytest.mark.parametrize(
    "recording", ["30_error_400_model_not_found.json", "31_error_400_model_not_found_stream_true.json"]
)
def test_unknown_model_is_a_400_naming_model(server_factory: ServerFactory, recording: str) -> None:
    server = server_factory(strict_models=True)
    exchange = _recorded(recording)
    answer = _post(server.base_url, exchange["request"]["body"])
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == exchange["response"]["body_text"]


def test_unknown_model_through_the_sdk(server_factory: ServerFactory) -> None:
    client = client_for(server_factory(strict_models=True))
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="this-model-does-not-exist", input="Hello", stream=True)
    assert caught.value.code == "model_not_found" and caught.value.param == "model"


def test_strict_function_schema_missing_required(module_server: ServerThread) -> None:
    exchange = _recorded("32_error_400_invalid_function_parameters.json")
    answer = _post(module_server.base_url, exchange["request"]["body"])
    assert answer.status_code == 400
    assert answer.text == exchange["response"]["body_text"]


def test_temperature_below_minimum(module_server: ServerThread) -> None:
    exchange = _recorded("34_error_400_decimal_below_min_value.json")
    answer = _post(module_server.base_url, exchange["request"]["body"])
    assert answer.status_code == 400
    # That recording was re-serialised (keys sorted, no indent): its fields, not its bytes.
    assert answer.json() == json.loads(exchange["response"]["body_text"])
    # Its content-length is the wire's: the 2-space layout with ">=" as it is (chat escapes it
    # Go's way, \u003e, which would be 5 bytes more).
    assert ">=" in answer.text and "\\u003e" not in answer.text
    assert len(answer.content) == int(_header(exchange, "content-length"))


def _header(exchange: dict[str, Any], name: str) -> str:
    found = [v for k, v in exchange["response"]["headers"].items() if k.lower() == name]
    return str(found[0])


# Headers a Cloudflare front or the recording adds, which mockai does not emulate (conformance §3a)
_FRONT = {"alt-svc", "cf-cache-status", "cf-ray", "connection", "date", "server", "set-cookie"}
_FRONT |= {"strict-transport-security", "x-content-type-options", "x-envoy-upstream-service-time"}
_FRONT |= {"transfer-encoding", "content-length", "openai-organization", "openai-project"}


@pytest.mark.parametrize(
    ("recording", "config", "key"),
    [
        ("30_error_400_model_not_found.json", {"strict_models": True}, "sk-test"),
        ("32_error_400_invalid_function_parameters.json", {}, "sk-test"),
        ("35_error_401_invalid_api_key.json", {"api_key": "sk-the-right-one"}, "invalid-key"),
    ],
)
def test_error_headers_as_recorded(
    server_factory: ServerFactory, recording: str, config: dict[str, Any], key: str
) -> None:
    """No ``x-ratelimit-*`` on a /v1/responses error, and its 401 is not the front end's: no
    ``vary``, with ``openai-version`` and ``access-control-expose-headers`` [R:30], [R:32], [R:35]."""
    exchange = _recorded(recording)
    server = server_factory(**config)
    answer = _post(server.base_url, exchange["request"]["body"], {"Authorization": f"Bearer {key}"})
    recorded = {k.lower() for k in exchange["response"]["headers"]} - _FRONT
    assert {k.lower() for k in answer.headers} - _FRONT == recorded
    assert answer.headers["openai-version"] == "2020-10-01"


def test_each_refused_request_has_an_id_of_its_own(module_server: ServerThread) -> None:
    ids = [
        _post(module_server.base_url, {"model": "gpt-4o", "input": "hi", "temperature": t}).headers["x-request-id"]
        for t in (-1, -3, -1)
    ]
    assert ids[0] != ids[1] and ids[0] == ids[2]  # (deterministic: the same bytes, the same id)
    assert all(i.startswith("req_") and len(i) == 36 for i in ids)


def test_wrong_api_key(server_factory: ServerFactory) -> None:
    exchange = _recorded("35_error_401_invalid_api_key.json")
    server = server_factory(api_key="sk-the-right-one")
    answer = _post(server.base_url, exchange["request"]["body"], {"Authorization": "Bearer invalid-key"})
    assert answer.status_code == 401
    assert answer.text == exchange["response"]["body_text"]
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["www-authenticate"] == 'Bearer realm="OpenAI API"'
    assert not any(name.startswith("x-ratelimit") for name in answer.headers)


def _error(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = _post(base_url, body)
    assert answer.status_code == 400, answer.text
    assert not answer.text.endswith("\n") and answer.text.startswith('{\n  "error": {\n')
    error: dict[str, Any] = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    return error


def test_temperature_on_a_reasoning_model(module_server: ServerThread) -> None:
    error = _error(module_server.base_url, {"model": "o3-mini", "input": "hi", "temperature": 0.5})
    assert error == {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": None,
    }


def test_reasoning_item_without_its_follower(module_server: ServerThread) -> None:
    body = {
        "model": "o4-mini",
        "input": [{"role": "user", "content": "hi"}, {"type": "reasoning", "id": "rs_123", "summary": []}],
    }
    error = _error(module_server.base_url, body)
    assert error["message"] == "Item 'rs_123' of type 'reasoning' was provided without its required following item."
    assert error["param"] == "input" and error["code"] is None


def test_input_too_long(module_server: ServerThread) -> None:
    error = _error(module_server.base_url, {"model": "gpt-4o", "input": "word " * 130_000})
    assert error["message"] == (
        "Your input exceeds the context window of this model. Please adjust your input and try again."
    )
    assert (error["param"], error["code"]) == ("input", "context_length_exceeded")


def test_unknown_parameter(module_server: ServerThread) -> None:
    error = _error(module_server.base_url, {"model": "gpt-4o", "input": "hi", "zzz_unknown": []})
    assert (error["message"], error["param"], error["code"]) == (
        "Unknown parameter: 'zzz_unknown'.",
        "zzz_unknown",
        "unknown_parameter",
    )


def test_chat_messages_parameter(module_server: ServerThread) -> None:
    # Chat's ``messages`` has its own sentence, no param (a 2026 public probe list of the live API;
    # this test said "Unknown parameter: 'messages'." before).
    error = _error(module_server.base_url, {"model": "gpt-4o", "input": "hi", "messages": []})
    assert (error["param"], error["code"]) == (None, "unsupported_parameter")
    assert error["message"].startswith("Unsupported parameter: 'messages'. In the Responses API, this parameter has")


def test_previous_response_not_found(module_server: ServerThread) -> None:
    missing = "resp_0000000000000000006900000000000000000000000000000"
    error = _error(module_server.base_url, {"model": "gpt-4o", "input": "hi", "previous_response_id": missing})
    assert error == {
        "message": f"Previous response with id '{missing}' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


def test_reasoning_effort_on_a_model_without_reasoning(module_server: ServerThread) -> None:
    error = _error(module_server.base_url, {"model": "gpt-4o", "input": "hi", "reasoning": {"effort": "low"}})
    assert error["message"] == "Unsupported parameter: 'reasoning.effort' is not supported with this model."
    assert error["param"] == "reasoning.effort"


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": "hi"}, "model", "missing_required_parameter"),
        ({"model": "gpt-4o", "input": 3}, "input", "invalid_type"),
        ({"model": "gpt-4o", "input": "hi", "max_output_tokens": 5}, "max_output_tokens", "integer_below_min_value"),
        # (the item, not its role: a 2026 public probe list of the live API; was "input[0].role")
        ({"model": "gpt-4o", "input": [{"role": "robot", "content": "hi"}]}, "input[0]", "invalid_value"),
        ({"model": "gpt-4o", "input": "hi", "tool_choice": {"type": "function", "name": "f"}}, "tool_choice", None),
    ],
)
def test_schema_faults_name_the_parameter(
    module_server: ServerThread, body: dict[str, Any], param: str, code: str | None
) -> None:
    error = _error(module_server.base_url, body)
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
