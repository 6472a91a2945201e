"""POST /v1/completions through the official SDK (sync, async, stream) and raw HTTP: the answer's
shape and byte layout, the seeded story, the refusals, the journal."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, async_sdk, sdk

MODEL = "gpt-3.5-turbo-instruct"


def _post(server: ServerThread, body: Any) -> Any:
    return HTTP.post(f"{server.base_url}/completions", json=body, headers=AUTH)


def _streamed(server: ServerThread, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = _post(server, {**body, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    return [json.loads(event.removeprefix("data: ")) for event in events[:-2]]


def _joined(chunks: list[dict[str, Any]]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            texts[choice["index"]] = texts.get(choice["index"], "") + choice["text"]
    return texts


def test_the_sdk_reads_the_answer_strictly(fresh: ServerThread) -> None:
    with sdk(fresh.base_url) as client:
        answer = client.completions.create(model=MODEL, prompt="Say this is a test")
    assert answer.object == "text_completion"
    assert answer.id.startswith("cmpl-") and len(answer.id) == 34
    assert answer.model == MODEL
    [choice] = answer.choices
    assert (choice.index, choice.logprobs, choice.finish_reason) == (0, None, "length")  # max_tokens 16
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 16
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 16


def test_the_async_sdk_reads_it_too(fresh: ServerThread) -> None:
    async def ask() -> Any:
        async with async_sdk(fresh.base_url) as client:
            return await client.completions.create(model=MODEL, prompt="hello", max_tokens=40)

    answer = asyncio.run(ask())
    with sdk(fresh.base_url) as client:
        again = client.completions.create(model=MODEL, prompt="hello", max_tokens=40)
    assert answer.model_dump() == again.model_dump()


def test_the_sdk_stream_tells_the_json_answer(fresh: ServerThread) -> None:
    # The real API's chunks carry "finish_reason": null until the end (recorded), which the SDK's
    # Completion type (finish_reason a Literal) refuses under strict validation: as with the real
    # API, a stream is read without it.
    with sdk(fresh.base_url, strict=False) as client:
        chunks = list(client.completions.create(model=MODEL, prompt="hello", n=2, max_tokens=30, stream=True))
    with sdk(fresh.base_url) as client:
        whole = client.completions.create(model=MODEL, prompt="hello", n=2, max_tokens=30)
    texts = {0: "", 1: ""}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.text
    assert texts == {choice.index: choice.text for choice in whole.choices}

    async def ask() -> str:
        async with async_sdk(fresh.base_url, strict=False) as client:
            stream = await client.completions.create(model=MODEL, prompt="hello", max_tokens=30, stream=True)
            return "".join([c.choices[0].text async for c in stream if c.choices])

    assert asyncio.run(ask()) == texts[0]


def test_json_layout_is_the_recorded_one(fresh: ServerThread) -> None:
    response = _post(fresh, {"model": "davinci-002", "prompt": ["a", "b"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["openai-model"] == "davinci:2023-07-21-v2"
    text = response.text
    assert text.endswith("}\n") and text.startswith('{\n  "id": "cmpl-')
    body = json.loads(text)
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert list(body["choices"][0]) == ["text", "index", "logprobs", "finish_reason"]
    assert list(body["usage"]) == ["prompt_tokens", "completion_tokens", "total_tokens"]
    assert body["model"] == "davinci:2023-07-21-v2"  # as recorded in 2025 and 2026
    assert text == json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def test_stream_chunks_are_laid_out_as_recorded(fresh: ServerThread) -> None:
    body = {"model": MODEL, "prompt": "hi", "max_tokens": 4, "stream_options": {"include_usage": True}}
    chunks = _streamed(fresh, body)
    *texts, usage = chunks
    assert all(list(chunk) == ["id", "object", "created", "choices", "model"] for chunk in texts)
    assert [c["choices"][0]["finish_reason"] for c in texts] == [None, None, None, "length"]
    assert list(usage) == ["id", "object", "created", "model", "usage", "choices"]
    assert usage["choices"] == []
    whole = _post(fresh, {"model": MODEL, "prompt": "hi", "max_tokens": 4}).json()
    assert usage["usage"] == whole["usage"]
    assert _joined(texts) == {0: whole["choices"][0]["text"]}
    assert {c["id"] for c in chunks} == {whole["id"]}


def test_a_finished_answer_ends_with_an_empty_stop_chunk(fresh: ServerThread) -> None:
    chunks = _streamed(fresh, {"model": MODEL, "prompt": "hi", "max_tokens": 500})
    last = chunks[-1]["choices"][0]
    assert (last["text"], last["finish_reason"]) == ("", "stop")
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])


def test_the_same_request_gives_the_same_bytes(fresh: ServerThread) -> None:
    body = {"model": MODEL, "prompt": "Same?", "n": 3, "logprobs": 2}
    first, second = _post(fresh, body), _post(fresh, body)
    assert first.content == second.content
    assert first.headers["x-request-id"] == second.headers["x-request-id"]
    assert _post(fresh, {**body, "stream": True}).content == _post(fresh, {**body, "stream": True}).content


def test_delivery_parameters_cut_the_same_answer(fresh: ServerThread) -> None:
    full = _post(fresh, {"model": MODEL, "prompt": "Tell me", "max_tokens": 200}).json()["choices"][0]
    short = _post(fresh, {"model": MODEL, "prompt": "Tell me", "max_tokens": 5}).json()["choices"][0]
    assert full["finish_reason"] == "stop" and short["finish_reason"] == "length"
    assert full["text"].startswith(short["text"]) and len(short["text"]) < len(full["text"])
    three = _post(fresh, {"model": MODEL, "prompt": "Tell me", "max_tokens": 200, "n": 3}).json()["choices"]
    assert three[0]["text"] == full["text"]
    assert len({c["text"] for c in three}) == 3
    word = full["text"].split()[2]
    stopped = _post(fresh, {"model": MODEL, "prompt": "Tell me", "max_tokens": 200, "stop": [word]}).json()
    assert stopped["choices"][0]["text"] == full["text"][: full["text"].index(word)]
    assert stopped["choices"][0]["finish_reason"] == "stop"
    none = _post(fresh, {"model": MODEL, "prompt": "Tell me", "max_tokens": 0}).json()
    assert (none["choices"][0]["text"], none["choices"][0]["finish_reason"]) == ("", "length")
    assert none["usage"]["completion_tokens"] == 0


def test_each_prompt_of_an_array_is_answered_as_alone(fresh: ServerThread) -> None:
    prompts = ["first", "second one", "third"]
    batch = _post(fresh, {"model": MODEL, "prompt": prompts, "n": 2}).json()
    assert [c["index"] for c in batch["choices"]] == list(range(6))
    for p, prompt in enumerate(prompts):
        alone = _post(fresh, {"model": MODEL, "prompt": prompt, "n": 2}).json()
        assert [c["text"] for c in batch["choices"][2 * p : 2 * p + 2]] == [c["text"] for c in alone["choices"]]
    tokens = _post(fresh, {"model": MODEL, "prompt": [[1212, 318], [257]]}).json()
    assert tokens["usage"]["prompt_tokens"] == 3 and len(tokens["choices"]) == 2
    one = _post(fresh, {"model": MODEL, "prompt": [1212, 318, 257]}).json()
    assert one["usage"]["prompt_tokens"] == 3 and len(one["choices"]) == 1


def test_logprobs_and_echo(fresh: ServerThread) -> None:
    with sdk(fresh.base_url) as client:
        answer = client.completions.create(model=MODEL, prompt="Hi there", logprobs=3, max_tokens=5)
    lp = answer.choices[0].logprobs
    assert lp is not None and lp.tokens is not None and lp.text_offset is not None and lp.top_logprobs is not None
    assert "".join(lp.tokens) == answer.choices[0].text
    assert len(lp.tokens) == 5 and lp.text_offset[0] == len("Hi there")
    assert all(len(top) == 3 for top in lp.top_logprobs)
    echoed = _post(fresh, {"model": MODEL, "prompt": "Hi there", "logprobs": 0, "max_tokens": 5, "echo": True}).json()
    choice = echoed["choices"][0]
    assert choice["text"] == "Hi there" + answer.choices[0].text
    assert choice["logprobs"]["token_logprobs"][0] is None and choice["logprobs"]["top_logprobs"][0] is None
    assert choice["logprobs"]["text_offset"][:2] == [0, 2]
    assert echoed["usage"]["completion_tokens"] == 5
    streamed = _streamed(fresh, {"model": MODEL, "prompt": "Hi there", "logprobs": 1, "max_tokens": 5, "echo": True})
    assert _joined(streamed) == {0: choice["text"]}


@pytest.mark.parametrize(
    ("body", "status", "message", "param"),
    [
        (
            {"model": "gpt-4o-mini", "prompt": "x"},
            404,
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?",
            "model",
        ),
        ({"model": MODEL, "prompt": "x", "foo": 1}, 400, "Unknown parameter: 'foo'.", "foo"),
        ({"model": MODEL}, 400, "Missing required parameter: 'prompt'.", "prompt"),
        ({"prompt": "x"}, 400, "you must provide a model parameter", None),
        (
            {"model": MODEL, "prompt": "x", "echo": "yes"},
            400,
            "Invalid type for 'echo': expected a boolean, but got a string instead.",
            "echo",
        ),
        (
            {"model": MODEL, "prompt": "x", "logprobs": 6},
            400,
            "Invalid 'logprobs': integer above maximum value. Expected a value <= 5, but got 6 instead.",
            "logprobs",
        ),
        ({"model": MODEL, "prompt": "x", "n": 3, "best_of": 2}, 400, None, "best_of"),
        ({"model": MODEL, "prompt": "x", "stream_options": {"include_usage": True}}, 400, None, "stream_options"),
    ],
)
def test_refusals(fresh: ServerThread, body: dict[str, Any], status: int, message: str | None, param: str) -> None:
    response = _post(fresh, body)
    assert response.status_code == status
    error = response.json()["error"]
    if message is not None:
        assert error["message"] == message
    assert error["param"] == param


def test_the_sdk_raises_the_chat_model_refusal(fresh: ServerThread) -> None:
    with sdk(fresh.base_url) as client, pytest.raises(openai.NotFoundError) as raised:
        client.completions.create(model="gpt-4o-mini", prompt="x")
    assert "v1/chat/completions" in raised.value.message


def test_strict_models_refuses_an_unknown_model(server_factory: Any) -> None:
    server = server_factory(strict_models=True)
    response = _post(server, {"model": "my-completion-model", "prompt": "x"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"
    assert _post(server, {"model": "babbage-002", "prompt": "x"}).status_code == 200


def test_an_unknown_model_is_answered_by_default(fresh: ServerThread) -> None:
    answer = _post(fresh, {"model": "my-completion-model", "prompt": "x"}).json()
    assert answer["model"] == "my-completion-model"


def test_the_journal_records_answers_and_refusals(fresh: ServerThread) -> None:
    _post(fresh, {"model": MODEL, "prompt": "journal me", "stream": True})
    _post(fresh, {"model": "gpt-4o", "prompt": "x"})
    HTTP.post(f"{fresh.base_url}/completions", json={"model": MODEL, "prompt": "x"})  # no key: 401
    root = fresh.base_url.removesuffix("/v1")
    entries = HTTP.get(f"{root}/_mockai/requests").json()["data"]
    mine = [e for e in entries if e["path"] == "/v1/completions"]
    assert [(e["status"], e["source"]) for e in mine] == [(200, "seeded"), (404, "rejected"), (401, "rejected")]
    assert mine[0]["body"]["prompt"] == "journal me"
    assert mine[0]["response"]["object"] == "text_completion"
    assert mine[1]["response"]["error"]["param"] == "model"


def test_a_rule_of_another_endpoint_does_not_break_it(server_factory: Any) -> None:
    server = server_factory(on_no_match="error")
    server.state.scenarios.load_text('- match: {user_contains: "hello"}\n  reply: {content: "Hi!"}\n')
    answer = _post(server, {"model": MODEL, "prompt": "hello"})
    assert answer.status_code == 200 and answer.json()["object"] == "text_completion"
    chat = HTTP.post(
        f"{server.base_url}/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]},
        headers=AUTH,
    )
    assert chat.json()["choices"][0]["message"]["content"] == "Hi!"


def test_the_models_listing_has_the_completion_models(fresh: ServerThread) -> None:
    with sdk(fresh.base_url) as client:
        listed = {m.id: m.created for m in client.models.list()}
    assert listed["gpt-3.5-turbo-instruct"] == 1692901427
    assert listed["gpt-3.5-turbo-instruct-0914"] == 1694122472
    assert listed["davinci-002"] == 1692634301
    assert listed["babbage-002"] == 1692634615
