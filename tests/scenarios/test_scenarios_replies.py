"""What scripted replies say and how they are delivered: errors, faults, timing, templates, checks."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.bodies import chat, function_tool, tool_call, weather_tool
from tests.support.clients import API_KEY, ask, client_for, post_chat
from tests.support.reference import assert_valid

WEATHER = weather_tool(description=None)
TIME = function_tool("get_time", {})


def _post(server: ServerThread, **body: Any) -> httpx.Response:
    return post_chat(server.base_url, {**chat("hello", model="gpt-4o"), **body})


# --- HTTP errors -----------------------------------------------------------------------------------

ERRORS: list[tuple[int, type[Exception], str, str | None]] = [
    (400, openai.BadRequestError, "invalid_request_error", None),
    (401, openai.AuthenticationError, "invalid_request_error", "invalid_api_key"),
    (403, openai.PermissionDeniedError, "request_forbidden", "unsupported_country_region_territory"),
    (404, openai.NotFoundError, "invalid_request_error", "model_not_found"),
    (408, openai.APIStatusError, "invalid_request_error", "request_timeout"),
    (409, openai.ConflictError, "invalid_request_error", "conflict"),
    (413, openai.APIStatusError, "invalid_request_error", "request_too_large"),
    (422, openai.UnprocessableEntityError, "invalid_request_error", "unprocessable_entity"),
    (429, openai.RateLimitError, "tokens", "rate_limit_exceeded"),
    (500, openai.InternalServerError, "server_error", None),
    (502, openai.InternalServerError, "server_error", "bad_gateway"),
    (503, openai.InternalServerError, "service_unavailable_error", "server_is_overloaded"),
]


@pytest.mark.parametrize(("status", "exc", "type_", "code"), ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_each_status_reaches_the_sdk_as_its_exception(
    fresh: ServerThread, status: int, exc: type[Exception], type_: str, code: str | None
) -> None:
    fresh.state.scenarios.on().fail(status)
    with pytest.raises(exc) as info:
        ask(fresh)
    error = info.value
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    assert (error.type, error.code) == (type_, code)
    body = error.response.json()
    assert list(body["error"]) == ["message", "type", "param", "code"]
    assert error.response.headers["x-request-id"].startswith("req_")


def test_401_masks_the_callers_key_and_comes_from_the_auth_layer(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().fail(401)
    response = _post(fresh)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.text.endswith("}\n") and response.text.startswith('{\n    "error"')
    masked = API_KEY[:8] + "*" * (len(API_KEY) - 12) + API_KEY[-4:]
    assert f"Incorrect API key provided: {masked}." in response.json()["error"]["message"]


def test_error_fields_and_headers_can_be_set(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().fail(
        429,
        "Slow down.",
        type="requests",
        code="custom_code",
        param="messages",
        retry_after=2.5,
        should_retry=False,
        headers={"x-ratelimit-remaining-requests": "0"},
    )
    response = _post(fresh)
    assert response.json() == {
        "error": {"message": "Slow down.", "type": "requests", "param": "messages", "code": "custom_code"}
    }
    assert response.headers["retry-after"] == "3"
    assert response.headers["retry-after-ms"] == "2500"
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert response.headers["x-ratelimit-reset-tokens"] == "2.5s"


def test_insufficient_quota_has_its_own_type(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().fail(429, code="insufficient_quota")
    with pytest.raises(openai.RateLimitError) as info:
        ask(fresh)
    assert info.value.type == "insufficient_quota"
    assert "You exceeded your current quota" in info.value.message


@pytest.mark.parametrize("status", [408, 409])
def test_408_and_409_are_retried_by_the_sdk(fresh: ServerThread, status: int) -> None:
    fresh.state.scenarios.on().fail(status, retry_after_ms=1).then("fine")
    retrying = client_for(fresh, max_retries=2)
    response = retrying.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert response.choices[0].message.content == "fine"
    assert [e.status for e in fresh.state.journal] == [status, 200]


# --- faults --------------------------------------------------------------------------------------------


def test_first_byte_delay(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply("late").delay(first_byte=0.3)
    started = time.monotonic()
    assert ask(fresh) == "late"
    assert time.monotonic() - started >= 0.3


def test_hang_never_answers_so_the_client_times_out(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().hang()
    client = client_for(fresh, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


@pytest.mark.parametrize("stream", [True, False])
def test_reset_drops_the_connection(fresh: ServerThread, stream: bool) -> None:
    fresh.state.scenarios.on().reply("one two three four five").reset(after=2)
    with pytest.raises(openai.APIConnectionError):
        ask(fresh, stream=stream)


def test_malformed_event_is_not_json(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply("one two three four five").malformed(after=2)
    events = _post(fresh, stream=True).text.split("\n\n")
    json.loads(events[1].removeprefix("data: "))
    with pytest.raises(ValueError):
        json.loads(events[2].removeprefix("data: "))
    assert events[-2] == "data: [DONE]"
    with pytest.raises(json.JSONDecodeError):  # what the SDK raises on such a stream
        ask(fresh, stream=True)


def test_empty_200(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().empty()
    response = _post(fresh, stream=True)
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert ask(fresh, stream=True) == ""  # the SDK sees a stream with no chunks
    assert _post(fresh).content == b""


def test_error_event_default_is_the_one_the_real_api_sends(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply("one two three").stream_error(after=1)
    events = _post(fresh, stream=True).text.split("\n\n")
    assert json.loads(events[1].removeprefix("data: ")) == {
        "error": {
            "message": "The server experienced an error while processing your request. "
            "We apologize for the inconvenience!",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    assert events[2] == "data: [DONE]"


def test_stream_chunking_and_pacing(fresh: ServerThread) -> None:
    text = "one two three four five six seven eight"
    fresh.state.scenarios.on().reply(text).stream(tokens_per_chunk=3, chunk_delay=0.05)
    started = time.monotonic()
    chunks = list(
        client_for(fresh).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    elapsed = time.monotonic() - started
    contents = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert "".join(contents) == text
    assert len(contents) == 3  # 8 tokens, 3 per chunk
    assert elapsed >= 0.05 * (len(chunks) - 1)


def test_a_fault_alone_keeps_the_seeded_answer(fresh: ServerThread) -> None:
    seeded = ask(fresh, stream=True)
    fresh.state.scenarios.on().stream_cut(after=2)
    chunks = list(
        client_for(fresh).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hello"}], stream=True
        )
    )
    assert len(chunks) == 2
    assert seeded and seeded.startswith("".join(c.choices[0].delta.content or "" for c in chunks))


# --- what replies say ----------------------------------------------------------------------------------


def test_templates_read_the_request(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(
        "{{ model }} | {{ last_user_message | upper }} | turn {{ turn }} | {{ messages[0].content }} | "
        "{{ body.metadata.suite }} | {{ tool_results[0].content }} | {{ tool_result.json | json }}"
    )
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": None, "tool_calls": [tool_call("c1", "get_time")]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"h": 12}'},
    ]
    answer = ask(fresh, messages=messages, tools=[TIME], metadata={"suite": "smoke"}, store=True)
    assert answer == 'gpt-4o | LOOK | turn 1 | sys | smoke | {"h": 12} | {"h":12}'


def test_a_template_naming_what_the_request_lacks_is_reported(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(name="needs a tool result").reply("{{ tool_result.temperature }}")
    with pytest.raises(openai.BadRequestError) as info:
        ask(fresh)
    assert 'rule "needs a tool result"' in info.value.message
    assert "the request has no tool result" in info.value.message
    [problem] = fresh.state.scenarios.problems
    assert "no tool result" in problem.message


def test_tool_arguments_are_templated_and_keep_their_type(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(
        tool_call=("get_weather", {"location": "{{ last_user_message }}", "extra": "{{ turn }}"})
    )
    tool = json.loads(json.dumps(WEATHER))
    tool["function"]["parameters"]["properties"]["extra"] = {"type": "integer"}
    response = client_for(fresh).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Paris"}], tools=[tool]
    )
    call = response.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"location": "Paris", "extra": 1}


def test_tool_arguments_that_violate_the_tool_schema_are_reported(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(tool_call=("get_weather", {"city": "Boston"}))
    with pytest.raises(openai.BadRequestError) as info:
        ask(fresh, tools=[WEATHER])
    assert "the arguments of the get_weather call do not match its parameters" in info.value.message
    assert "location" in info.value.message


def test_a_tool_the_request_does_not_offer_is_reported(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(tool_call=("get_weather", {"location": "Boston"}))
    with pytest.raises(openai.BadRequestError) as info:
        ask(fresh, tools=[TIME])
    assert "calls tool 'get_weather', which the request does not offer (get_time)" in info.value.message


def test_parallel_tool_calls_stream_one_after_the_other(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(
        tool_calls=[("get_weather", {"location": "Boston"}), ("get_time", {}), ("get_weather", {"location": "Oslo"})]
    )
    client = client_for(fresh)
    kwargs: dict[str, Any] = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "x"}],
        "tools": [WEATHER, TIME],
    }
    message = client.chat.completions.create(**kwargs).choices[0].message
    names = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls]
    assert names == [("get_weather", {"location": "Boston"}), ("get_time", {}), ("get_weather", {"location": "Oslo"})]
    assert len({c.id for c in message.tool_calls}) == 3
    with client.chat.completions.stream(**kwargs) as stream:
        final = stream.get_final_completion()
    streamed = [(c.function.name, c.function.arguments) for c in final.choices[0].message.tool_calls]
    assert streamed == [(c.function.name, c.function.arguments) for c in message.tool_calls]
    assert final.choices[0].finish_reason == "tool_calls"


def test_n_choices_cycle_through_the_scripted_ones(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(choices=["red", "green"])
    response = client_for(fresh).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], n=3
    )
    assert [c.message.content for c in response.choices] == ["red", "green", "red"]
    assert [c.index for c in response.choices] == [0, 1, 2]


def test_usage_and_finish_reason_overrides(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply(
        "cut short", finish_reason="length", usage={"prompt_tokens": 11, "completion_tokens": 22}
    )
    raw = _post(fresh).json()
    assert_valid(raw, "CreateChatCompletionResponse")
    assert raw["choices"][0]["finish_reason"] == "length"
    assert (raw["usage"]["prompt_tokens"], raw["usage"]["completion_tokens"], raw["usage"]["total_tokens"]) == (
        11,
        22,
        33,
    )


def test_max_tokens_and_stop_apply_to_scripted_text(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().reply("alpha beta gamma delta epsilon")
    short = client_for(fresh).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], max_completion_tokens=2
    )
    assert short.choices[0].finish_reason == "length"
    assert short.choices[0].message.content == "alpha beta"
    assert ask(fresh, stop=[" gamma"]) == "alpha beta"


def test_structured_json_is_compact_and_checked_against_json_object(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(user_contains="object").reply(json={"a": [1, 2], "b": "é"})
    fresh.state.scenarios.on(user_contains="list").reply(json=[1, 2])
    json_mode = {"type": "json_object"}
    answer = ask(fresh, response_format=json_mode, messages=[{"role": "user", "content": "an object, in JSON"}])
    assert answer == '{"a":[1,2],"b":"é"}'
    with pytest.raises(openai.BadRequestError, match="asks for a JSON object"):
        ask(fresh, response_format=json_mode, messages=[{"role": "user", "content": "a list, in JSON"}])


def test_responses_are_deterministic_and_differ_between_rules(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(user_contains="a").reply("same")
    fresh.state.scenarios.on(user_contains="b").reply("same")
    first = _post(fresh, messages=[{"role": "user", "content": "a"}]).json()
    again = _post(fresh, messages=[{"role": "user", "content": "a"}]).json()
    other = _post(fresh, messages=[{"role": "user", "content": "b"}]).json()
    assert first == again
    assert first["id"] != other["id"]


def test_a_hang_ends_with_the_servers_shutdown(server_factory: Any) -> None:
    import threading

    server = server_factory()
    rule = server.state.scenarios.on().hang()
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client_for(server, timeout=30).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "x"}]
            )
        except BaseException as exc:  # the connection closed by the shutdown
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 10
    while rule.call_count == 0:  # wait until the request is hanging on the server
        assert time.monotonic() < deadline, "the request never reached the server"
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    caller.join(10)
    assert time.monotonic() - started < 5
    assert outcome and isinstance(outcome[0], openai.APIConnectionError)
