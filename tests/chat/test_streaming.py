"""SSE streams: framing, chunk sequence, usage and obfuscation, and equivalence with the JSON answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from mockai.chat.choice_drafts import ChoiceDraft, ToolCallDraft
from mockai.chat.planner import Planner
from mockai.chat.render_sse import StreamOptions, chunk_dicts
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import Delivery, Fault, PlannedReply, Reply
from tests.support.bodies import weather_tool
from tests.support.clients import post_chat, sdk
from tests.support.reference import assert_valid
from tests.support.servers import ServerFactory
from tests.support.strategies import chat_requests

openai = pytest.importorskip("openai")

USER = [{"role": "user", "content": "how can langsmith help with testing?"}]
WEATHER = weather_tool(description=None, closed=True, strict=True)


def raw_stream(base_url: str, body: dict[str, Any]) -> tuple[bytes, httpx.Response]:
    response = post_chat(base_url, {**body, "stream": True})
    return response.content, response


def events(raw: bytes) -> list[Any]:
    assert raw.endswith(b"data: [DONE]\n\n")
    assert b"\r" not in raw
    parts = raw.split(b"\n\n")
    assert parts[-1] == b""
    out = []
    for part in parts[:-2]:
        assert part.startswith(b"data: {") and b"\n" not in part
        chunk = json.loads(part[6:])
        assert_valid(chunk, "CreateChatCompletionStreamResponse")
        out.append(chunk)
    assert parts[-2] == b"data: [DONE]"
    return out


def accumulate(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """What a careful client rebuilds from a stream, in the non-streamed shape."""
    choices: dict[int, dict[str, Any]] = {}
    usage = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk["choices"]:
            acc = choices.setdefault(
                c["index"],
                {
                    "content": None,
                    "refusal": None,
                    "tool_calls": [],
                    "finish_reason": None,
                    "lp": [],
                    "audio": None,
                    "annotations": [],
                },
            )
            delta = c["delta"]
            if delta.get("audio"):  # one id (sent twice), transcript and data pieces, then expires_at
                audio = acc["audio"] = acc["audio"] or {"id": None, "data": "", "expires_at": None, "transcript": ""}
                piece = delta["audio"]
                audio["id"] = audio["id"] or piece.get("id")
                audio["data"] += piece.get("data", "")
                audio["transcript"] += piece.get("transcript", "")
                if "expires_at" in piece:
                    audio["expires_at"] = piece["expires_at"]
                    acc["finish_reason"] = acc["finish_reason"] or "stop"  # the last audio delta ends the choice
            acc["annotations"] += delta.get("annotations") or []
            for key in ("content", "refusal"):
                if delta.get(key) is not None:
                    acc[key] = (acc[key] or "") + delta[key]
            for call in delta.get("tool_calls") or []:
                if "id" in call:
                    acc["tool_calls"].append(
                        {"id": call["id"], "type": call["type"], "function": dict(call["function"])}
                    )
                else:
                    acc["tool_calls"][call["index"]]["function"]["arguments"] += call["function"]["arguments"]
            if c.get("logprobs") and c["logprobs"].get("content"):
                acc["lp"].extend(t["token"] for t in c["logprobs"]["content"])
            if c["finish_reason"]:
                acc["finish_reason"] = c["finish_reason"]
    return {"choices": [choices[i] for i in sorted(choices)], "usage": usage}


def test_framing_headers_and_first_chunk(base_url: str) -> None:
    raw, response = raw_stream(base_url, {"model": "gpt-3.5-turbo", "messages": USER})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["x-request-id"].startswith("req_")
    chunks = events(raw)
    first = chunks[0]
    assert list(first) == [
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "obfuscation",
    ]
    assert first["choices"][0] == {
        "index": 0,
        "delta": {"role": "assistant", "content": "", "refusal": None},
        "logprobs": None,
        "finish_reason": None,
    }
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all("usage" not in c for c in chunks)
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    for chunk in chunks:
        assert_valid(chunk, "CreateChatCompletionStreamResponse")
        assert (0 <= len(chunk["obfuscation"]) <= 15 and chunk["obfuscation"].isalnum()) or chunk["obfuscation"] == ""


def test_include_usage_and_no_obfuscation(base_url: str) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": USER,
        "stream_options": {"include_usage": True, "include_obfuscation": False},
    }
    chunks = events(raw_stream(base_url, body)[0])
    assert all("obfuscation" not in c for c in chunks)
    assert all(c["usage"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"] == [] and last["usage"]["total_tokens"] > 0
    assert list(last)[-1] == "usage"
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    json_answer = post_chat(base_url, {"model": "gpt-4o-mini", "messages": USER}).json()
    assert content == json_answer["choices"][0]["message"]["content"]
    assert last["usage"] == json_answer["usage"]


def test_tool_call_stream_shape(base_url: str) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Weather in Boston?"}],
        "tools": [WEATHER],
        "tool_choice": "required",
        "parallel_tool_calls": False,
    }
    chunks = events(raw_stream(base_url, body)[0])
    first = chunks[0]["choices"][0]["delta"]
    assert list(first) == ["role", "content", "tool_calls", "refusal"]
    assert first["content"] is None
    assert first["tool_calls"][0]["function"]["arguments"] == ""
    assert list(first["tool_calls"][0]) == ["index", "id", "type", "function"]
    for chunk in chunks[1:-1]:
        call = chunk["choices"][0]["delta"]["tool_calls"][0]
        assert list(call) == ["index", "function"] and list(call["function"]) == ["arguments"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_logprobs_per_chunk(base_url: str) -> None:
    chunks = events(raw_stream(base_url, {"model": "gpt-4o", "messages": USER, "logprobs": True})[0])
    assert chunks[0]["choices"][0]["logprobs"] == {"content": [], "refusal": None}
    for chunk in chunks[1:-1]:
        choice = chunk["choices"][0]
        tokens = [t["token"] for t in choice["logprobs"]["content"]]
        assert "".join(tokens) == choice["delta"]["content"]
    assert chunks[-1]["choices"][0]["logprobs"] is None


def test_n_choices_interleave_each_with_role_and_finish(base_url: str) -> None:
    chunks = events(raw_stream(base_url, {"model": "gpt-3.5-turbo", "messages": USER, "n": 2})[0])
    assert all(len(c["choices"]) == 1 for c in chunks)
    indexes = [c["choices"][0]["index"] for c in chunks]
    assert indexes[:4] == [0, 0, 1, 1]  # role and first delta of 0, then of 1 (recording 09)
    for i in (0, 1):
        mine = [c["choices"][0] for c in chunks if c["choices"][0]["index"] == i]
        assert mine[0]["delta"]["role"] == "assistant"
        assert mine[-1]["delta"] == {} and mine[-1]["finish_reason"] == "stop"


def without_cached(usage: dict[str, Any]) -> dict[str, Any]:
    """``usage`` but the prompt cache's count: the second of two requests with one long prompt
    (tools included) finds it in the server's prompt cache, as on the real API."""
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    assert cached == 0 or (1024 <= cached <= usage["prompt_tokens"] and cached % 128 == 0)
    return {**usage, "prompt_tokens_details": {**usage["prompt_tokens_details"], "cached_tokens": 0}}


def test_tokens_per_chunk(server_factory: ServerFactory) -> None:
    server = server_factory(tokens_per_chunk=4)
    chunks = events(raw_stream(server.base_url, {"model": "gpt-4o-mini", "messages": USER})[0])
    one = events(raw_stream(server_factory().base_url, {"model": "gpt-4o-mini", "messages": USER})[0])
    assert len(chunks) < len(one)
    assert accumulate(chunks)["choices"][0]["content"] == accumulate(one)["choices"][0]["content"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=chat_requests())
def test_stream_accumulates_to_the_json_answer(base_url: str, body: dict[str, Any]) -> None:
    body = {**body, "stream_options": {"include_usage": True}}
    chunks = events(raw_stream(base_url, body)[0])
    plain = {k: v for k, v in body.items() if k != "stream_options"}
    answer = post_chat(base_url, plain).json()
    rebuilt = accumulate(chunks)
    assert without_cached(rebuilt["usage"]) == without_cached(answer["usage"])
    assert len(rebuilt["choices"]) == len(answer["choices"])
    for got, want in zip(rebuilt["choices"], answer["choices"], strict=True):
        message = want["message"]
        assert got["content"] == message["content"]
        assert got["refusal"] == message["refusal"]
        assert got["finish_reason"] == want["finish_reason"]
        assert got["tool_calls"] == (message.get("tool_calls") or [])
        if want.get("logprobs"):
            assert got["lp"] == [t["token"] for t in want["logprobs"]["content"]]
    assert {c["id"] for c in chunks} == {answer["id"]}


def test_sdk_stream_sync_and_helper(client: Any) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    with client.chat.completions.stream(model="gpt-4o-mini", messages=USER) as helper:
        deltas = [e.delta for e in helper if e.type == "content.delta"]
        final = helper.get_final_completion()
    assert "".join(deltas) == text == final.choices[0].message.content


def test_sdk_stream_helper_parses_structured_output_and_tools(client: Any) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Location(pydantic.BaseModel):
        city: str
        temperature: float
        units: str

    with client.chat.completions.stream(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": "weather in SF?"}],
        response_format=Location,
    ) as helper:
        final = helper.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, Location)

    class GetWeather(pydantic.BaseModel):
        location: str

    tool = openai.pydantic_function_tool(GetWeather)
    with client.chat.completions.stream(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": "weather in SF?"}],
        tools=[tool],
        tool_choice="required",
    ) as helper:
        final = helper.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert isinstance(call.function.parsed_arguments, GetWeather)


async def test_two_hundred_concurrent_streams(async_client: Any) -> None:
    async def one(i: int) -> tuple[str, str]:
        messages = [{"role": "user", "content": f"question number {i}"}]
        stream = await async_client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        answer = await async_client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return text, answer.choices[0].message.content

    results = await asyncio.gather(*(one(i) for i in range(200)))
    assert all(text == expected for text, expected in results)
    assert len({text for text, _ in results}) > 150


class _Scripted:
    """A test-only reply source: the next request gets this reply."""

    name = "test"

    def __init__(self, make: Any) -> None:
        self.make = make

    async def choose(self, ctx: RequestContext) -> Reply | None:
        reply: Reply = self.make(ctx)
        return reply


def test_error_event_mid_stream(server_factory: ServerFactory) -> None:
    server = server_factory()
    error = APIError(500, "The server experienced an error while processing your request.", type="server_error")
    server.state.sources.insert(
        0,
        _Scripted(
            lambda ctx: PlannedReply(
                server.state.planner.seeded(ctx.body), Delivery(fault=Fault("error_event", after=2, error=error))
            )
        ),
    )
    client = sdk(server.base_url, strict=False)
    seen = []
    with pytest.raises(openai.APIError) as info:
        for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True):
            seen.append(chunk)
    assert len(seen) == 2
    assert info.value.message == error.message


def test_refusal_stream_shape() -> None:
    planner = Planner(ModelCatalog())
    body = {"model": "gpt-4o", "messages": USER, "logprobs": True}
    plan = planner.scripted(body, [ChoiceDraft(refusal="I'm very sorry, but I can't assist with that request.")])
    chunks = chunk_dicts(plan, StreamOptions(want_logprobs=True))
    first = chunks[0]["choices"][0]
    assert first["delta"] == {"role": "assistant", "content": None, "refusal": ""}
    refusal = "".join(c["choices"][0]["delta"].get("refusal", "") for c in chunks)
    assert refusal == plan.choices[0].refusal
    for c in chunks[1:-1]:
        assert c["choices"][0]["logprobs"]["content"] is None
        assert (
            "".join(t["token"] for t in c["choices"][0]["logprobs"]["refusal"]) == c["choices"][0]["delta"]["refusal"]
        )


def test_parallel_tool_calls_stream_one_after_another() -> None:
    planner = Planner(ModelCatalog())
    body = {"model": "gpt-4o", "messages": USER}
    drafts = [ChoiceDraft(tool_calls=(ToolCallDraft("a", '{"x":1}'), ToolCallDraft("b", '{"y":2}')))]
    chunks = chunk_dicts(planner.scripted(body, drafts), StreamOptions())
    calls = [c["choices"][0]["delta"].get("tool_calls", [{}])[0] for c in chunks]
    opened = [(i, c["index"]) for i, c in enumerate(calls) if "id" in c]
    assert [index for _, index in opened] == [0, 1]
    second_open = opened[1][0]
    assert all(c.get("index") == 0 for c in calls[:second_open] if c)
    assert all(c.get("index") == 1 for c in calls[second_open:] if c)
