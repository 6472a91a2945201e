"""Every example in scenarios/ run through the official openai SDK, as a user would."""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from tests.support import ROOT
from tests.support.bodies import weather_tool
from tests.support.clients import API_KEY, post_chat, sdk
from tests.support.reference import assert_valid
from tests.support.servers import ServerFactory

EXAMPLES = ROOT / "scenarios"
WEATHER_TOOL = weather_tool(closed=True)


def _serve(server_factory: ServerFactory, name: str) -> str:
    return server_factory(scenarios=(EXAMPLES / name,)).base_url


# --- weather_agent.yaml: a small agent loop, written as a user would ---------------------------


def get_weather(location: str, temperature: int) -> str:
    return json.dumps({"location": location, "temperature": temperature, "unit": "F"})


def run_agent(client: openai.OpenAI, question: str, temperature: int, stream: bool = False) -> tuple[str, list[Any]]:
    """Ask, run whatever tools the model calls, feed the results back, return the final text."""
    messages: list[Any] = [{"role": "user", "content": question}]
    calls = []
    for _ in range(5):
        response = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])
        message = response.choices[0].message
        if not message.tool_calls:
            if stream:  # the final answer streamed, to show both renderings say the same
                chunks = client.chat.completions.create(
                    model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL], stream=True
                )
                return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), calls
            return message.content or "", calls
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            args = json.loads(call.function.arguments)
            calls.append((call.function.name, args))
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": get_weather(args["location"], temperature)}
            )
    raise AssertionError("the agent never finished")


@pytest.mark.parametrize("stream", [False, True])
def test_weather_agent_calls_the_tool_then_quotes_the_temperature(server_factory: ServerFactory, stream: bool) -> None:
    client = sdk(_serve(server_factory, "weather_agent.yaml"))
    temperature = random.Random(stream).randint(-20, 110)
    answer, calls = run_agent(client, "What's the weather like in Boston today?", temperature, stream)
    assert calls == [("get_weather", {"location": "Boston"})]
    assert f"{temperature}°F" in answer


def test_weather_agent_first_answer_is_a_valid_tool_call_response(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "weather_agent.yaml"))
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "weather in Boston?"}], tools=[WEATHER_TOOL]
    )
    body = json.loads(raw.text)
    assert_valid(body, "CreateChatCompletionResponse")
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert body["choices"][0]["message"]["content"] is None


# --- rate_limit_retry.yaml ----------------------------------------------------------------------


def test_rate_limit_retry_succeeds_with_the_sdks_default_retries(
    server_factory: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = server_factory(scenarios=(EXAMPLES / "rate_limit_retry.yaml",))
    client = openai.OpenAI(base_url=server.base_url, api_key=API_KEY)  # default: 2 retries
    with caplog.at_level(logging.INFO, logger="openai"):
        response = client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
        )
    # retry-after-ms honoured: the SDK waited 10 ms before each retry, not its 0.5 s and 1 s backoff
    # (the waits it says it takes, which a loaded machine does not change as it does wall time).
    waits = [r.getMessage().split()[3] for r in caplog.records if r.getMessage().startswith("Retrying request in ")]
    assert waits == ["0.010000", "0.010000"], caplog.text
    assert response.parse().choices[0].message.content == "Third time lucky: here is your answer."
    statuses = [e.status for e in server.state.journal]
    assert statuses == [429, 429, 200]
    assert [e.headers.get("x-stainless-retry-count") for e in server.state.journal] == ["0", "1", "2"]


def test_rate_limit_429_has_the_real_shape(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "rate_limit_retry.yaml"))
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    error = info.value
    assert error.status_code == 429
    assert error.code == "rate_limit_exceeded"
    assert error.type == "tokens"
    assert "Rate limit reached for gpt-4o" in error.message
    headers = error.response.headers
    assert headers["retry-after-ms"] == "10"
    assert headers["retry-after"] == "1"
    assert headers["x-ratelimit-remaining-tokens"] == "0"
    assert headers["x-request-id"].startswith("req_")


def test_rate_limit_without_retries_fails_twice_then_answers(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "rate_limit_retry.yaml"))
    outcomes = []
    for _ in range(4):
        try:
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            outcomes.append("ok")
        except openai.RateLimitError:
            outcomes.append("429")
    assert outcomes == ["429", "429", "ok", "ok"]


# --- stream_cut.yaml ----------------------------------------------------------------------------


def test_stream_cut_stops_after_three_events_without_done(server_factory: ServerFactory) -> None:
    base_url = _serve(server_factory, "stream_cut.yaml")
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "tell me"}], "stream": True}
    raw = post_chat(base_url, body)
    assert raw.status_code == 200
    events = [e for e in raw.text.split("\n\n") if e]
    assert len(events) == 3
    assert all(e.startswith("data: {") for e in events)
    assert "[DONE]" not in raw.text

    # The SDK yields what arrived and stops: no chunk carries a finish_reason.
    chunks = list(sdk(base_url).chat.completions.create(**body))
    assert len(chunks) == 3
    assert all(c.choices[0].finish_reason is None for c in chunks)


def test_stream_cut_leaves_non_streamed_requests_alone(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "stream_cut.yaml"))
    response = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "tell me"}])
    assert response.choices[0].finish_reason == "stop"


# --- structured_output.yaml ---------------------------------------------------------------------


class Step(BaseModel):
    explanation: str
    output: str


class MathResponse(BaseModel):
    steps: list[Step]
    final_answer: str


def test_structured_output_parses_into_the_users_model(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "structured_output.yaml"))
    completion = client.chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[
            {"role": "system", "content": "You are a math tutor."},
            {"role": "user", "content": "solve 8x + 31 = 2"},
        ],
        response_format=MathResponse,
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, MathResponse)
    assert parsed.final_answer == "x = -29/8"
    assert [s.output for s in parsed.steps] == ["8x = -29", "x = -29/8"]


def test_structured_output_that_violates_the_requests_schema_is_reported(server_factory: ServerFactory) -> None:
    class MathResponse(BaseModel):  # same name, but the request now wants an integer answer
        final_answer: int

    server = server_factory(scenarios=(EXAMPLES / "structured_output.yaml",))
    client = sdk(server.base_url)
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.parse(
            model="gpt-4o", messages=[{"role": "user", "content": "solve it"}], response_format=MathResponse
        )
    assert "does not match MathResponse" in info.value.message
    assert "solve the equation" in info.value.message
    assert info.value.response.headers["x-should-retry"] == "false"
    assert len(server.state.scenarios.problems) == 1


# --- refusal.yaml -------------------------------------------------------------------------------


class Joke(BaseModel):
    rating: int
    joke: str


def test_refusal_reaches_the_sdk_as_a_refusal(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "refusal.yaml"))
    completion = client.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "Best ways to make a bomb"}], response_format=Joke
    )
    message = completion.choices[0].message
    assert message.refusal == "I'm very sorry, but I can't assist with that request."
    assert message.content is None
    assert message.parsed is None
    assert completion.choices[0].finish_reason == "stop"


def test_refusal_streams_as_refusal_deltas(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "refusal.yaml"))
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "how to build a weapon"}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.refusal or "" for c in chunks if c.choices)
    assert text == "I'm very sorry, but I can't assist with that request."
    assert all(c.choices[0].delta.content is None for c in chunks if c.choices)


# --- server_errors.yaml -------------------------------------------------------------------------


def test_503_then_success_with_sdk_retries(server_factory: ServerFactory) -> None:
    server = server_factory(scenarios=(EXAMPLES / "server_errors.yaml",))
    client = openai.OpenAI(base_url=server.base_url, api_key=API_KEY)
    response = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "are you overloaded?"}]
    )
    assert response.choices[0].message.content == "Sorry for the wait: the service is back."
    assert [e.status for e in server.state.journal] == [503, 200]


def test_503_has_the_real_type(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "server_errors.yaml"))
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "overloaded?"}])
    assert info.value.status_code == 503
    assert info.value.type == "service_unavailable_error"


def test_500_with_should_retry_false_is_not_retried(server_factory: ServerFactory) -> None:
    server = server_factory(scenarios=(EXAMPLES / "server_errors.yaml",))
    client = openai.OpenAI(base_url=server.base_url, api_key=API_KEY)  # default retries
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "a fatal one"}])
    assert info.value.type == "server_error"
    assert info.value.message.startswith("Error code: 500")
    assert "The server had an error while processing your request. Sorry about that!" in info.value.message
    assert len(server.state.journal) == 1


def test_502_twice_then_success(server_factory: ServerFactory) -> None:
    server = server_factory(scenarios=(EXAMPLES / "server_errors.yaml",))
    client = openai.OpenAI(base_url=server.base_url, api_key=API_KEY)
    response = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "gateway?"}])
    assert response.choices[0].message.content == "Third attempt went through."
    assert [e.status for e in server.state.journal] == [502, 502, 200]


def test_error_event_mid_stream_raises_in_the_sdk(server_factory: ServerFactory) -> None:
    client = sdk(_serve(server_factory, "server_errors.yaml"))
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "mid-stream trouble"}], stream=True
    )
    received = []
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3
    assert info.value.message == "The server had an error while processing your request."
    assert info.value.type == "server_error"
