"""Semantics by model (issue 12): reasoning inside the token budget, reasoning that grows with
``reasoning_effort``, visible length that follows ``verbosity``; and, for any known model, usage
that adds up, budgets that hold and a stream that accumulates to the JSON answer."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.chat.tool_decisions import listed_things
from mockai.core.model_capabilities import FAMILIES, capabilities
from mockai.core.model_catalog import ModelCatalog, is_not_chat_model
from tests.chat.test_streaming import accumulate, events, raw_stream, without_cached
from tests.support.bodies import function_tool, weather_tool
from tests.support.clients import AUTH, HTTP, post_chat, sdk
from tests.support.servers import ServerFactory
from tests.support.strategies import tools, words

pytest.importorskip("openai")

PROMPTS = ["What is up?", "Explain prompt caching.", "Tell me about testing.", "Why is the sky blue?", "hello"]


def _ask(client: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("messages", [{"role": "user", "content": "Explain prompt caching."}])
    return client.chat.completions.create(**kwargs)


def test_reasoning_counts_inside_max_completion_tokens(client: Any) -> None:
    answer = _ask(client, model="gpt-5", max_completion_tokens=16)
    assert answer.choices[0].message.content == ""
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage.completion_tokens == 16
    assert answer.usage.completion_tokens_details.reasoning_tokens == 16
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 16
    o3 = _ask(client, model="o3", max_completion_tokens=50)
    assert o3.usage.completion_tokens <= 50
    assert o3.usage.completion_tokens_details.reasoning_tokens <= o3.usage.completion_tokens


def test_a_cap_above_the_reasoning_leaves_room_for_the_answer(client: Any) -> None:
    free = _ask(client, model="gpt-5", reasoning_effort="low")
    reasoning = free.usage.completion_tokens_details.reasoning_tokens
    visible = free.usage.completion_tokens - reasoning
    capped = _ask(client, model="gpt-5", reasoning_effort="low", max_completion_tokens=reasoning + 3)
    assert capped.usage.completion_tokens == reasoning + 3
    assert capped.usage.completion_tokens_details.reasoning_tokens == reasoning
    assert capped.choices[0].finish_reason == ("length" if visible > 3 else "stop")
    assert free.choices[0].message.content.startswith(capped.choices[0].message.content)


def _reasoning(client: Any, model: str, effort: str | None, prompt: str) -> int:
    extra = {} if effort is None else {"reasoning_effort": effort}
    answer = _ask(client, model=model, messages=[{"role": "user", "content": prompt}], **extra)
    return int(answer.usage.completion_tokens_details.reasoning_tokens)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_reasoning_grows_with_effort(client: Any, prompt: str) -> None:
    gpt5 = [_reasoning(client, "gpt-5", e, prompt) for e in ("minimal", "low", "medium", "high")]
    assert gpt5 == sorted(set(gpt5)), gpt5  # strictly increasing
    assert gpt5[0] < 32
    assert _reasoning(client, "gpt-5", None, prompt) == gpt5[2]  # gpt-5's default is medium
    assert _reasoning(client, "gpt-5.1", "none", prompt) == 0
    assert _reasoning(client, "gpt-5.1", None, prompt) == 0  # gpt-5.1's default is none
    o3 = [_reasoning(client, "o3", e, prompt) for e in ("low", "medium", "high")]
    assert o3 == sorted(set(o3)), o3
    assert _reasoning(client, "gpt-4o", None, prompt) == 0
    assert _reasoning(client, "gpt-5", "high", prompt) == _reasoning(client, "gpt-5", "high", prompt)
    # gpt-5.6's efforts up to max (which fell back to the default, none: no reasoning at all)
    gpt56 = [_reasoning(client, "gpt-5.6-sol", e, prompt) for e in ("none", "low", "medium", "high", "xhigh", "max")]
    assert gpt56 == sorted(set(gpt56)) and gpt56[0] == 0, gpt56


def test_verbosity_changes_the_visible_length(client: Any) -> None:
    totals = {"low": 0, "medium": 0, "high": 0}
    for prompt in PROMPTS:
        lengths = {}
        for verbosity in totals:
            answer = _ask(
                client, model="gpt-5-mini", messages=[{"role": "user", "content": prompt}], verbosity=verbosity
            )
            lengths[verbosity] = (
                answer.usage.completion_tokens - answer.usage.completion_tokens_details.reasoning_tokens
            )
            totals[verbosity] += lengths[verbosity]
        assert lengths["low"] <= lengths["medium"] < lengths["high"], lengths
    assert totals["low"] < totals["medium"] < totals["high"], totals


# The catalogue's ids and every family of the capability table (the audio models among them).
KNOWN = [
    model
    for model in dict.fromkeys([m.id for m in ModelCatalog().list()] + [prefix for prefix, _ in FAMILIES])
    # (embeddings, moderations and Responses-only models: chat refuses them, as the API does)
    if not is_not_chat_model(model) and capabilities(model).chat
]


@st.composite
def model_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request for any known model: only the parameters that model takes."""
    model = draw(st.sampled_from(KNOWN))
    caps = capabilities(model)
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": draw(words)}]}
    if caps.n and draw(st.booleans()):
        body["n"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        param = "max_tokens" if caps.max_tokens_param and draw(st.booleans()) else "max_completion_tokens"
        body[param] = draw(st.integers(1, 40) | st.integers(150, 800))
    if caps.efforts and draw(st.booleans()):
        body["reasoning_effort"] = draw(st.sampled_from(caps.efforts))
    if caps.verbosity and draw(st.booleans()):
        body["verbosity"] = draw(st.sampled_from(["low", "medium", "high"]))
    if caps.logprobs and draw(st.booleans()):
        body["logprobs"] = True
    if caps.tools and not caps.search and draw(st.booleans()):
        body["tools"] = draw(tools)
        body["tool_choice"] = draw(st.sampled_from(["auto", "required", "none"]))
        if draw(st.booleans()):  # a list of things: parallel calls
            body["messages"] = [{"role": "user", "content": draw(st.sampled_from(LISTS))}]
    if caps.audio_output and draw(st.booleans()):
        body["modalities"] = ["text", "audio"]
        body["audio"] = {"voice": draw(st.sampled_from(caps.voices)), "format": "pcm16"}  # streams take pcm16
    if caps.search and draw(st.booleans()):
        body["web_search_options"] = {}
    if caps.predicted_outputs and "tools" not in body and (body.get("n") or 1) == 1 and draw(st.booleans()):
        body["prediction"] = {"type": "content", "content": draw(words)}
    return body


LISTS = ["weather in paris, tokyo and rome", "What is the weather in Paris, Tokyo and Rome?", "in oslo and lima please"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=model_requests())
def test_any_known_model_usage_adds_up_budgets_hold_and_the_stream_agrees(base_url: str, body: dict[str, Any]) -> None:
    response = post_chat(base_url, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert 0 <= usage["completion_tokens_details"]["reasoning_tokens"] <= usage["completion_tokens"]
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    if cap is not None:
        # Rejected prediction tokens are billed, not generated: on top of what the cap bounds.
        generated = usage["completion_tokens"] - usage["completion_tokens_details"]["rejected_prediction_tokens"]
        assert generated <= cap * len(answer["choices"])
        if len(answer["choices"]) == 1:
            assert generated <= cap
    if not capabilities(body["model"]).reasoning:
        assert usage["completion_tokens_details"]["reasoning_tokens"] == 0
    details = usage["completion_tokens_details"]
    spoken = [c["message"]["audio"] for c in answer["choices"] if c["message"].get("audio")]
    assert (
        details["reasoning_tokens"] + details["audio_tokens"] + details["rejected_prediction_tokens"]
        <= (usage["completion_tokens"])
    )
    for audio in spoken:  # 300 ms (14,400 pcm16 bytes) a transcript token, 20 audio tokens a second
        assert len(base64.b64decode(audio["data"])) % 14_400 == 0
    assert details["audio_tokens"] == sum(len(base64.b64decode(a["data"])) // 14_400 * 6 for a in spoken)
    rebuilt = accumulate(events(raw_stream(base_url, {**body, "stream_options": {"include_usage": True}})[0]))
    assert without_cached(rebuilt["usage"]) == without_cached(usage)
    for got, want in zip(rebuilt["choices"], answer["choices"], strict=True):
        assert got["content"] == want["message"]["content"]
        assert got["finish_reason"] == want["finish_reason"]
        assert got["tool_calls"] == (want["message"].get("tool_calls") or [])
        assert got["audio"] == want["message"].get("audio")
        assert got["annotations"] == want["message"]["annotations"]


def _shape(chunk: dict[str, Any]) -> tuple[int, str]:
    (choice,) = chunk["choices"]
    kind = "role" if "role" in choice["delta"] else "finish" if choice["finish_reason"] else "delta"
    return choice["index"], kind


def test_n2_stream_interleaves_as_recording_09(base_url: str) -> None:
    """Recording 09 (gpt-3.5-turbo, n 2): 0 role, 0 first delta, 1 role, 1 first delta, then the
    deltas alternate, and both finish chunks come last, by index."""
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hey, what is up?"}], "n": 2}
    shapes = [_shape(c) for c in events(raw_stream(base_url, body)[0])]
    assert shapes[:4] == [(0, "role"), (0, "delta"), (1, "role"), (1, "delta")]
    assert shapes[-2:] == [(0, "finish"), (1, "finish")]
    middle = [index for index, kind in shapes[4:-2]]
    alternating = min(middle.count(0), middle.count(1)) * 2
    assert middle[:alternating] == [0, 1] * (alternating // 2)
    rebuilt = accumulate(events(raw_stream(base_url, body)[0]))
    answer = post_chat(base_url, body).json()
    assert [c["content"] for c in rebuilt["choices"]] == [c["message"]["content"] for c in answer["choices"]]


def test_n2_stream_interleaves_through_the_sdk(client: Any) -> None:
    answer = _ask(client, model="gpt-3.5-turbo", messages=[{"role": "user", "content": "Hey, what is up?"}], n=2)
    assert len(answer.choices) == 2
    chunks = list(
        _ask(
            client, model="gpt-3.5-turbo", messages=[{"role": "user", "content": "Hey, what is up?"}], n=2, stream=True
        )
    )
    order = [(c.choices[0].index, c.choices[0].delta.role is not None) for c in chunks]
    assert order[:4] == [(0, True), (0, False), (1, True), (1, False)]
    assert [(c.choices[0].index, c.choices[0].finish_reason) for c in chunks[-2:]] == [(0, "stop"), (1, "stop")]
    texts = ["".join(c.choices[0].delta.content or "" for c in chunks if c.choices[0].index == i) for i in (0, 1)]
    assert texts == [choice.message.content for choice in answer.choices]


WEATHER_TOOL = weather_tool(
    closed=True, strict=True, unit={"type": "string", "enum": ["celsius", "fahrenheit"]}, required=("location", "unit")
)
TIME_TOOL = function_tool(
    "get_time", {"timezone": {"type": "string"}}, required=("timezone",), closed=True, strict=True
)


def _calls(client: Any, prompt: str, tools: list[dict[str, Any]], **extra: Any) -> list[Any]:
    answer = _ask(client, model="gpt-4o", messages=[{"role": "user", "content": prompt}], tools=tools, **extra)
    return list(answer.choices[0].message.tool_calls or [])


@pytest.mark.parametrize("choice", ["auto", "required"])
def test_one_tool_and_several_things_make_parallel_calls(client: Any, choice: str) -> None:
    calls = _calls(client, "What is the weather in Paris, Tokyo and Rome?", [WEATHER_TOOL], tool_choice=choice)
    assert [c.function.name for c in calls] == ["get_weather"] * 3
    assert len({c.id for c in calls}) == 3
    arguments = [json.loads(c.function.arguments) for c in calls]
    assert [a["location"] for a in arguments] == ["Paris", "Tokyo", "Rome"]
    for value in arguments:
        jsonschema.validate(value, WEATHER_TOOL["function"]["parameters"])


@pytest.mark.parametrize(
    ("prompt", "cities"),
    [
        ("weather in paris, tokyo and rome", ["Paris", "Tokyo", "Rome"]),
        ("what's the weather like in new york and san francisco?", ["New York", "San Francisco"]),
    ],
)
def test_a_lowercase_list_makes_one_call_per_thing(client: Any, prompt: str, cities: list[str]) -> None:
    for choice in ("auto", "required"):
        calls = _calls(client, prompt, [WEATHER_TOOL], tool_choice=choice)
        assert [json.loads(c.function.arguments)["location"] for c in calls] == cities
        assert len({c.id for c in calls}) == len(cities)
    assert len(_calls(client, prompt, [WEATHER_TOOL], tool_choice="required", parallel_tool_calls=False)) == 1


def test_several_tools_named_make_one_call_each(client: Any) -> None:
    calls = _calls(client, "What is the weather and the time in Paris?", [WEATHER_TOOL, TIME_TOOL])
    assert sorted(c.function.name for c in calls) == ["get_time", "get_weather"]
    assert len({c.id for c in calls}) == 2
    for call, tool in zip(calls, [WEATHER_TOOL, TIME_TOOL], strict=True):
        jsonschema.validate(json.loads(call.function.arguments), tool["function"]["parameters"])


@pytest.mark.parametrize("choice", ["auto", "required"])
def test_a_named_tool_is_called_with_the_one_thing_named(client: Any, choice: str) -> None:
    """An audit (pydantic-ai): "Use get_weather for Paris" with get_weather and get_time offered
    called get_time with a made-up city.  The tool the prompt names is the one called, and the one
    place it names is the argument."""
    for prompt, place in [("Use get_weather for Paris", "Paris"), ("What is the weather in New York?", "New York")]:
        [call] = _calls(client, prompt, [TIME_TOOL, WEATHER_TOOL], tool_choice=choice)
        arguments = json.loads(call.function.arguments)
        assert (call.function.name, arguments["location"]) == ("get_weather", place)
        jsonschema.validate(arguments, WEATHER_TOOL["function"]["parameters"])


def test_parallel_tool_calls_false_makes_one_call_at_most(client: Any) -> None:
    for prompt in ("What is the weather in Paris, Tokyo and Rome?", "What is the weather and the time in Paris?"):
        calls = _calls(client, prompt, [WEATHER_TOOL, TIME_TOOL], tool_choice="required", parallel_tool_calls=False)
        assert len(calls) == 1


def test_parallel_calls_stream_like_the_json_answer(base_url: str) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Weather in Paris, Tokyo and Rome please"}],
        "tools": [WEATHER_TOOL],
        "n": 2,
    }
    answer = post_chat(base_url, body).json()
    rebuilt = accumulate(events(raw_stream(base_url, body)[0]))
    for got, want in zip(rebuilt["choices"], answer["choices"], strict=True):
        assert len(want["message"]["tool_calls"]) == 3
        assert got["tool_calls"] == want["message"]["tool_calls"]
        assert got["finish_reason"] == want["finish_reason"] == "tool_calls"


LONG_SYSTEM = " ".join(f"Rule {i}: answer plainly and keep every promise you make." for i in range(120))


def test_a_repeated_long_prefix_reports_cached_tokens_in_128_steps(server_factory: ServerFactory) -> None:
    client = sdk(server_factory().base_url)

    def ask(question: str) -> Any:
        messages = [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": question}]
        return client.chat.completions.create(model="gpt-4o-mini", messages=messages).usage

    first = ask("What is up?")
    assert first.prompt_tokens >= 1024
    assert first.prompt_tokens_details.cached_tokens == 0
    again = ask("What is up?")
    cached = again.prompt_tokens_details.cached_tokens
    assert 1024 <= cached <= again.prompt_tokens and cached % 128 == 0
    assert again.prompt_tokens - cached < 128 + 3  # the whole prompt but the last partial step
    other = ask("Something else entirely, please.")
    assert 1024 <= other.prompt_tokens_details.cached_tokens <= cached
    assert other.prompt_tokens_details.cached_tokens % 128 == 0


def test_scenario_answers_see_and_feed_the_same_prompt_cache(server_factory: ServerFactory, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text('- match: {user_contains: "scripted"}\n  reply: {content: "As scripted."}\n')
    client = sdk(server_factory(scenarios=(rules,)).base_url)

    def ask(question: str) -> Any:
        messages = [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": question}]
        return client.chat.completions.create(model="gpt-4o-mini", messages=messages)

    first = ask("A scripted answer, please.")
    assert first.choices[0].message.content == "As scripted."
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    seeded = ask("Now a seeded one.")  # the system message was seen by the scripted request
    assert seeded.choices[0].message.content != "As scripted."
    assert seeded.usage.prompt_tokens_details.cached_tokens >= 1024
    again = ask("A scripted answer, please.")
    cached = again.usage.prompt_tokens_details.cached_tokens
    assert again.choices[0].message.content == "As scripted."
    assert 1024 <= cached <= again.usage.prompt_tokens and cached % 128 == 0
    assert cached >= seeded.usage.prompt_tokens_details.cached_tokens


def test_short_prompts_are_never_cached_and_a_reset_forgets(server_factory: ServerFactory) -> None:
    server = server_factory()
    client = sdk(server.base_url)
    for _ in range(2):
        short = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert short.usage.prompt_tokens_details.cached_tokens == 0
    messages = [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": "hi"}]
    client.chat.completions.create(model="gpt-4o", messages=messages)
    assert (
        post_chat(server.base_url, {"model": "gpt-4o", "messages": messages}).json()["usage"]["prompt_tokens_details"][
            "cached_tokens"
        ]
        >= 1024
    )
    assert HTTP.post(server.base_url.removesuffix("/v1") + "/_mockai/reset", headers=AUTH).status_code < 300
    fresh = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert fresh.usage.prompt_tokens_details.cached_tokens == 0


@pytest.mark.parametrize(
    ("prompt", "things"),
    [
        ("What is the weather in Paris, Tokyo and Rome?", ["Paris", "Tokyo", "Rome"]),
        ("New York and San Francisco weather", ["New York", "San Francisco"]),
        ("Compare Apples, Pears, and Plums", ["Apples", "Pears", "Plums"]),
        ("What is the weather in Paris?", []),
        ("weather in paris, tokyo and rome", ["Paris", "Tokyo", "Rome"]),
        ("what's the weather in new york, paris, and rome please?", ["New York", "Paris", "Rome"]),
        ("weather in paris & tokyo today", ["Paris", "Tokyo"]),
        ("what is the weather and the time in paris?", []),
        ("flights between london and paris", []),
    ],
)
def test_listed_things(prompt: str, things: list[str]) -> None:
    assert listed_things(prompt) == things
