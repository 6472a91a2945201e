"""``POST /v1/responses/input_tokens`` through the official SDK (``client.responses.input_tokens.count``):
the count is the ``usage.input_tokens`` the same request to ``POST /v1/responses`` reports, and the
endpoint refuses what the spec's ``TokenCountsBody`` does not take, as the real API refuses it.  A
client audit found the path answered with a 405 (taken for ``/v1/responses/{id}``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

openai = pytest.importorskip("openai")

_TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
_REQUESTS: list[dict[str, Any]] = [
    {"model": "gpt-4o", "input": "Tell me a joke."},
    {"model": "gpt-4o-mini", "input": "Tell me a joke.", "instructions": "Answer in French."},
    {
        "model": "gpt-4.1",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]}],
        "tools": _TOOLS,
    },
    {
        "model": "o4-mini",
        "input": "Plan a trip, as JSON.",
        "reasoning": {"effort": "low"},
        "text": {"format": {"type": "json_object"}},
    },
]


@pytest.mark.parametrize("asked", _REQUESTS)
def test_the_count_is_what_the_response_reports(fresh: ServerThread, asked: dict[str, Any]) -> None:
    client = sdk(fresh.base_url)
    counted = client.responses.input_tokens.count(**asked)
    assert counted.object == "response.input_tokens"
    assert counted.input_tokens == client.responses.create(**asked).usage.input_tokens


def test_a_continued_conversation_counts_all_of_it(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    first = client.responses.create(model="gpt-4o", input="Remember the number 7.")
    asked = {"model": "gpt-4o", "input": "Which number?", "previous_response_id": first.id, "tools": _TOOLS}
    counted = client.responses.input_tokens.count(**asked).input_tokens
    alone = client.responses.input_tokens.count(model="gpt-4o", input="Which number?", tools=_TOOLS).input_tokens
    assert counted == client.responses.create(**asked).usage.input_tokens > alone


def test_the_model_may_be_left_out(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    assert (
        client.responses.input_tokens.count(input="hi").input_tokens
        == client.responses.input_tokens.count(model="gpt-4o", input="hi").input_tokens
    )


def test_the_answer_and_its_headers(fresh: ServerThread) -> None:
    answer = HTTP.post(
        f"{fresh.base_url}/responses/input_tokens", json={"model": "gpt-4o", "input": "hi"}, headers=AUTH
    )
    assert answer.status_code == 200
    assert answer.content == b'{\n  "object": "response.input_tokens",\n  "input_tokens": 7\n}'
    assert answer.headers["content-type"] == "application/json" and answer.headers["x-request-id"].startswith("req_")
    [entry] = [e for e in fresh.server.state.journal if e.path.endswith("/input_tokens")]
    assert entry.status == 200 and entry.response == {"object": "response.input_tokens", "input_tokens": 7}


@pytest.mark.parametrize(
    ("body", "message", "param"),
    [
        ({"model": "gpt-4o", "input": "hi", "temperature": 1}, "Unknown parameter: 'temperature'.", "temperature"),
        ({"model": "gpt-4o", "input": "hi", "stream": True}, "Unknown parameter: 'stream'.", "stream"),
        (
            {"model": "gpt-4o", "input": [{"role": "user", "content": 5}]},
            "Invalid type for 'input[0].content': expected one of a string or array of objects, but got an integer instead.",
            "input[0].content",
        ),
        ({"model": "gpt-4o"}, "Missing required parameter: 'input'.", "input"),
        (
            {"model": "gpt-4o", "input": "hi", "personality": 7},
            "Invalid type for 'personality': expected a string, but got an integer instead.",
            "personality",
        ),
        (
            {"model": "gpt-4o", "input": "hi", "personality": "p" * 65},
            "Invalid 'personality': string too long. Expected a string with maximum length 64, but got a string "
            "with length 65 instead.",
            "personality",
        ),
    ],
)
def test_what_the_real_api_refuses(fresh: ServerThread, body: dict[str, Any], message: str, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(fresh.base_url).post("/responses/input_tokens", body=body, cast_to=object)
    assert refused.value.status_code == 400
    error = refused.value.body
    assert error["message"] == message and error["param"] == param and error["type"] == "invalid_request_error"


def test_a_missing_previous_response_is_refused_as_create_refuses_it(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    asked = {"model": "gpt-4o", "input": "hi", "previous_response_id": "resp_nope"}
    with pytest.raises(openai.BadRequestError) as counting:
        client.responses.input_tokens.count(**asked)
    with pytest.raises(openai.BadRequestError) as creating:
        client.responses.create(**asked)
    assert counting.value.body == creating.value.body and counting.value.body["param"] == "previous_response_id"


def test_no_key_no_count(fresh: ServerThread) -> None:
    answer = HTTP.post(f"{fresh.base_url}/responses/input_tokens", json={"model": "gpt-4o", "input": "hi"})
    assert answer.status_code == 401


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=200), st.one_of(st.none(), st.text(max_size=80)))
def test_any_text_counts_as_the_response_does(fresh: ServerThread, text: str, instructions: str | None) -> None:
    asked: dict[str, Any] = {"model": "gpt-4o-mini", "input": text, "store": False}
    if instructions is not None:
        asked["instructions"] = instructions
    created = HTTP.post(f"{fresh.base_url}/responses", json=asked, headers=AUTH)
    counted = HTTP.post(
        f"{fresh.base_url}/responses/input_tokens", json={k: v for k, v in asked.items() if k != "store"}, headers=AUTH
    )
    assert created.status_code == counted.status_code
    if created.status_code == 200:
        assert counted.json()["input_tokens"] == created.json()["usage"]["input_tokens"]


def test_a_personality_is_taken_and_counts_nothing(fresh: ServerThread) -> None:
    """The SDK 3.57 declares ``personality`` for the count (a style preset, "friendly",
    "pragmatic", …); it was refused as an unknown parameter."""
    client = sdk(fresh.base_url)
    plain = client.responses.input_tokens.count(model="gpt-5.2", input="Tell me a joke.").input_tokens
    styled = client.responses.input_tokens.count(model="gpt-5.2", input="Tell me a joke.", personality="friendly")
    assert styled.input_tokens == plain
