"""Scenario rules answer ``POST /v1/completions`` as they answer chat: they read the request as the
chat request whose user message is the prompt.  They were not consulted, so a test could not script
a legacy completion, nor make one fail."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

MODEL = "gpt-3.5-turbo-instruct"


def test_a_rule_says_the_completion(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(user_contains="capital").reply("Paris is the capital.")
    client = sdk(fresh.base_url)
    answer = client.completions.create(model=MODEL, prompt="The capital of France?", max_tokens=50, n=2)
    assert [c.text for c in answer.choices] == ["Paris is the capital."] * 2
    assert answer.id.startswith("cmpl-") and answer.choices[0].finish_reason == "stop"
    short = client.completions.create(model=MODEL, prompt="The capital of France?", max_tokens=2)
    assert short.choices[0].finish_reason == "length" and len(short.choices[0].text) < len("Paris is the capital.")
    unscripted = sdk(fresh.base_url, strict=False)
    streamed = unscripted.completions.create(model=MODEL, prompt="The capital of France?", max_tokens=50, stream=True)
    assert "".join(chunk.choices[0].text for chunk in streamed if chunk.choices) == "Paris is the capital."
    journal = HTTP.get(fresh.base_url.removesuffix("/v1") + "/_mockai/requests", headers=AUTH).json()["data"]
    assert journal[-1]["path"] == "/v1/completions" and journal[-1]["source"].startswith("scenario:")


def test_a_rule_makes_it_fail_and_a_tool_call_is_a_problem(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(user_contains="busy").fail(429, retry_after=0.01)
    fresh.state.scenarios.on(user_contains="weather").reply(tool_call=("get_weather", {"city": "Oslo"}))
    client = sdk(fresh.base_url, max_retries=0)
    with pytest.raises(openai.RateLimitError):
        client.completions.create(model=MODEL, prompt="are you busy")
    with pytest.raises(openai.BadRequestError) as problem:
        client.completions.create(model=MODEL, prompt="the weather")
    assert problem.value.body["type"] == "mockai_scenario_error" and "get_weather" in problem.value.message


def test_no_rule_matching_is_answered_as_on_chat(server_factory: Any) -> None:
    """With rules loaded and ``on_no_match: auto`` (the pytest plugin's), a request no rule answers
    is the 404 naming the closest rule, as a chat request's; ``seeded`` answers it seeded."""
    for mode, status in (("auto", 404), ("seeded", 200)):
        server = server_factory(on_no_match=mode)
        server.state.scenarios.on(user_contains="capital").reply("Paris.")
        missed = HTTP.post(f"{server.base_url}/completions", json={"model": MODEL, "prompt": "Hello"}, headers=AUTH)
        assert missed.status_code == status, (mode, missed.text)
        if status == 404:
            assert missed.json()["error"]["code"] == "no_matching_rule"
