"""Stored responses end to end through the official SDK (strict validation), sync and async:
create (store defaults to true) → retrieve the same bytes, delete, input_items pages, a
previous_response_id conversation, store: false, background responses, a SQLite store across a
restart, and reset / per-test isolation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockai.server.runner import ServerThread
from tests.support import clients
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"


@pytest.fixture
def server(fresh: ServerThread) -> ServerThread:
    return fresh


@pytest.fixture(scope="module")
def sdk(module_server: ServerThread) -> Iterator[Any]:
    with clients.sdk(module_server.base_url) as c:
        yield c


@pytest.fixture
async def async_sdk(module_server: ServerThread) -> AsyncIterator[Any]:
    async with clients.async_sdk(module_server.base_url) as c:
        yield c


def post(server: ServerThread, body: dict[str, Any]) -> httpx.Response:
    answer = clients.HTTP.post(f"{server.base_url}/responses", json=body, headers=clients.AUTH)
    assert answer.status_code == 200, answer.text
    return answer


def get(server: ServerThread, path: str, **params: str) -> httpx.Response:
    return clients.HTTP.get(f"{server.base_url}/{path}", params=params, headers=clients.AUTH)


def test_retrieve_is_byte_identical_to_the_create_answer(server: ServerThread, sdk: Any) -> None:
    created = post(server, {"model": MODEL, "input": "Hello! My name is Szymon.", "instructions": "Be brief."})
    response_id = created.json()["id"]
    again = get(server, f"responses/{response_id}")
    assert again.status_code == 200 and again.content == created.content
    assert again.headers["content-type"] == "application/json"
    retrieved = sdk.responses.retrieve(response_id)
    assert retrieved.output_text == created.json()["output"][0]["content"][0]["text"]
    assert retrieved.store is True


def test_a_streamed_create_is_stored_as_its_final_response(server: ServerThread, sdk: Any) -> None:
    with sdk.responses.stream(model=MODEL, input="Tell me about streams.") as stream:
        final = stream.get_final_response()
    retrieved = sdk.responses.retrieve(final.id)
    assert retrieved.output_text == final.output_text and retrieved.status == "completed"
    assert retrieved.usage == final.usage


def test_delete(server: ServerThread, sdk: Any) -> None:
    created = sdk.responses.create(model=MODEL, input="Delete me.")
    assert sdk.responses.delete(created.id) is None
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.responses.retrieve(created.id)
    assert caught.value.body["message"] == f"Response with id '{created.id}' not found."
    with pytest.raises(openai.NotFoundError):
        sdk.responses.delete(created.id)


def test_input_items_pages(server: ServerThread, sdk: Any) -> None:
    said = ["one", "two", "three", "four", "five"]
    created = sdk.responses.create(model=MODEL, input=[{"role": "user", "content": text} for text in said])
    items = list(sdk.responses.input_items.list(created.id, limit=2, order="asc"))  # three pages
    assert [item.content[0].text for item in items] == said
    assert all(item.id.startswith("msg_") and item.role == "user" for item in items)
    assert len({item.id for item in items}) == 5
    newest_first = sdk.responses.input_items.list(created.id, limit=2)
    assert [item.content[0].text for item in newest_first.data] == ["five", "four"]
    assert newest_first.has_more is True and newest_first.last_id == newest_first.data[1].id
    after = sdk.responses.input_items.list(created.id, after=newest_first.last_id)
    assert [item.content[0].text for item in after.data] == ["three", "two", "one"]


def test_a_previous_response_id_conversation(server: ServerThread, sdk: Any) -> None:
    szymon = sdk.responses.create(model=MODEL, input="Hello! My name is Szymon.")
    anna = sdk.responses.create(model=MODEL, input="Hello! My name is Anna.")
    first = sdk.responses.create(model=MODEL, input="What is my name?", previous_response_id=szymon.id)
    second = sdk.responses.create(model=MODEL, input="What is my name?", previous_response_id=anna.id)
    alone = sdk.responses.create(model=MODEL, input="What is my name?")
    assert first.previous_response_id == szymon.id
    assert first.output_text != second.output_text  # the answer is made from the earlier turn
    assert first.usage.input_tokens > alone.usage.input_tokens  # which counts as input
    history = sdk.responses.input_items.list(first.id, order="asc")
    assert [(item.type, item.role) for item in history] == [
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
    ]
    assert history.data[1].id == szymon.output[0].id
    third = sdk.responses.create(model=MODEL, input="And again?", previous_response_id=first.id)
    assert len(sdk.responses.input_items.list(third.id).data) == 5


@pytest.mark.parametrize("how", ["never stored", "deleted", "store false"])
def test_a_missing_previous_response_is_the_real_400(server: ServerThread, sdk: Any, how: str) -> None:
    if how == "never stored":
        missing = "resp_" + "ab" * 25
    elif how == "deleted":
        missing = sdk.responses.create(model=MODEL, input="Soon gone.").id
        sdk.responses.delete(missing)
    else:
        missing = sdk.responses.create(model=MODEL, input="Not kept.", store=False).id
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model=MODEL, input="Go on.", previous_response_id=missing)
    assert caught.value.body == {
        "message": f"Previous response with id '{missing}' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


def test_store_false_is_not_kept(server: ServerThread, sdk: Any) -> None:
    created = sdk.responses.create(model=MODEL, input="Forget me.", store=False)
    assert created.store is False
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)
    assert len(server.state.responses) == 0


def test_background_responses(server: ServerThread, sdk: Any) -> None:
    created = sdk.responses.create(model=MODEL, input="Think about it.", background=True)
    assert created.background is True and created.status == "queued"
    retrieved = sdk.responses.retrieve(created.id)
    assert retrieved.status == "completed" and retrieved.background is True and retrieved.output_text
    assert sdk.responses.cancel(created.id).to_dict() == retrieved.to_dict()  # finished: the final Response
    foreground = sdk.responses.create(model=MODEL, input="Quick.")
    with pytest.raises(openai.BadRequestError, match=r"Cannot cancel a synchronous response\."):
        sdk.responses.cancel(foreground.id)


def test_a_background_response_is_kept_even_with_store_false(server: ServerThread, sdk: Any) -> None:
    # The real API echoes store: false on a background response and still retrieves it [R:28].
    created = sdk.responses.create(model=MODEL, input="Later, unstored.", background=True, store=False)
    assert created.store is False and created.status == "queued"
    retrieved = sdk.responses.retrieve(created.id)
    assert retrieved.status == "completed" and retrieved.store is False and retrieved.output_text
    assert sdk.responses.cancel(created.id).id == created.id
    again = sdk.responses.create(model=MODEL, input="Later, unstored.", background=True, store=False)
    assert again.id != created.id  # a repeat kept beside it gets an id of its own


def test_a_background_stream_resumes(server: ServerThread, sdk: Any) -> None:
    streamed = clients.HTTP.post(
        f"{server.base_url}/responses",
        json={"model": MODEL, "input": "Count to three.", "background": True, "stream": True},
        headers=clients.AUTH,
    )
    events = [event + b"\n\n" for event in streamed.content.split(b"\n\n") if event]
    created = json.loads(events[0].split(b"data: ", 1)[1])
    assert created["type"] == "response.created" and created["response"]["background"] is True
    response_id = created["response"]["id"]
    replay = get(server, f"responses/{response_id}", stream="true")
    assert replay.content == streamed.content
    assert get(server, f"responses/{response_id}", stream="true", starting_after="2").content == b"".join(events[3:])
    resumed = get(server, f"responses/{response_id}", starting_after="0", stream="true")  # as recorded [R:28]
    assert resumed.content.startswith(b'event: response.queued\ndata: {"type":"response.queued"')
    with sdk.responses.stream(response_id=response_id, starting_after=2) as stream:
        numbers = [event.sequence_number for event in stream]
        final = stream.get_final_response()
    assert numbers == list(range(3, len(events)))
    assert final.output_text == sdk.responses.retrieve(response_id).output_text


def test_sqlite_store_survives_a_restart(server_factory: ServerFactory, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = server_factory(store_path=path)
    created = post(first, {"model": MODEL, "input": "Remember me."})
    response_id = created.json()["id"]
    first.stop()
    second = server_factory(store_path=path)
    assert get(second, f"responses/{response_id}").content == created.content
    with clients.sdk(second.base_url) as sdk:
        follow_up = sdk.responses.create(model=MODEL, input="Still there?", previous_response_id=response_id)
        assert [item.role for item in sdk.responses.input_items.list(follow_up.id, order="asc")] == [
            "user",
            "assistant",
            "user",
        ]


def test_reset_forgets_stored_responses(server: ServerThread, sdk: Any) -> None:
    created = sdk.responses.create(model=MODEL, input="Reset me.")
    assert clients.HTTP.post(server.base_url.removesuffix("/v1") + "/_mockai/reset").status_code == 200
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_each_test_starts_with_an_empty_store(server: ServerThread) -> None:
    assert len(server.state.responses) == 0


async def test_async_sdk(server: ServerThread, async_sdk: Any) -> None:
    first = await async_sdk.responses.create(model=MODEL, input="Hello! My name is Szymon.")
    second = await async_sdk.responses.create(
        model=MODEL, input=[{"role": "user", "content": "What is my name?"}], previous_response_id=first.id
    )
    assert (await async_sdk.responses.retrieve(second.id)).output_text == second.output_text
    roles = [item.role async for item in async_sdk.responses.input_items.list(second.id, limit=1, order="asc")]
    assert roles == ["user", "assistant", "user"]
    background = await async_sdk.responses.create(model=MODEL, input="Later.", background=True)
    assert (await async_sdk.responses.cancel(background.id)).id == background.id
    assert await async_sdk.responses.delete(first.id) is None
    with pytest.raises(openai.NotFoundError):
        await async_sdk.responses.retrieve(first.id)
    with pytest.raises(openai.BadRequestError):
        await async_sdk.responses.create(model=MODEL, input="Go on.", previous_response_id=first.id)
