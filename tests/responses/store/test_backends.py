"""The two stores of responses (memory, and the SQLite file of --store-path): the same behaviour,
bounds, a file shared with stored chat completions, and a store that survives a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.core.json_budget import json_cost
from mockai.responses.store.backends import open_response_store
from mockai.responses.store.history import conversation_items, input_items_of, response_chain
from mockai.responses.store.memory import MemoryResponseStore
from mockai.responses.store.records import ResponseStore, StoredResponse, record_cost
from mockai.responses.store.sqlite import SQLiteResponseStore
from tests.responses.store.records import stored
from tests.support import clients
from tests.support.servers import ServerFactory

StoreMaker = Callable[[int], ResponseStore]


def rid(n: int) -> str:
    return f"resp_{n:050x}"


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreMaker:
    if request.param == "memory":
        return lambda cap: MemoryResponseStore(cap, 1 << 30)
    return lambda cap: SQLiteResponseStore(tmp_path / "store.db", cap)


def test_add_get_delete_clear(make_store: StoreMaker) -> None:
    store = make_store(10)
    record = stored(rid(1), "Hi.", ["Hello", "é \U0001f600 <&>"], background=True, streamed=True)
    store.add(record)
    assert store.get(rid(1)) == record and len(store) == 1
    assert store.get(rid(2)) is None
    replaced = stored(rid(1), "Hi again.", ["Hello"])
    store.add(replaced)
    assert store.get(rid(1)) == replaced and len(store) == 1
    assert store.delete(rid(1)) is True and store.delete(rid(1)) is False
    store.add(record)
    store.clear()
    assert len(store) == 0 and store.get(rid(1)) is None


def test_the_oldest_are_evicted_beyond_the_cap(make_store: StoreMaker) -> None:
    store = make_store(3)
    for n in range(5):
        store.add(stored(rid(n), f"answer {n}", [f"question {n}"]))
    assert len(store) == 3
    assert [store.get(rid(n)) is not None for n in range(5)] == [False, False, True, True, True]


def test_memory_is_bounded_by_bytes_and_keeps_the_newest() -> None:
    record = stored(rid(0), "x" * 1000, ["y" * 1000])
    store = MemoryResponseStore(100, 3 * record_cost(record))
    for n in range(10):
        store.add(stored(rid(n), "x" * 1000, ["y" * 1000]))
    assert len(store) == 3 and store.bytes <= store.max_bytes
    huge = stored(rid(99), "z" * 100_000, ["q"])
    store.add(huge)
    assert len(store) == 1 and store.get(rid(99)) == huge


def test_conversation_items_follow_the_chain(make_store: StoreMaker) -> None:
    store = make_store(10)
    store.add(stored(rid(1), "One.", ["first"]))
    store.add(stored(rid(2), "Two.", ["second"], previous=rid(1)))
    store.add(stored(rid(3), "Three.", ["third"], previous=rid(2)))
    texts = [item["content"][0]["text"] for item in conversation_items(store, rid(3))]
    assert texts == ["first", "One.", "second", "Two.", "third", "Three."]
    assert [r.id for r in response_chain(store, rid(2))] == [rid(1), rid(2)]
    # An earlier turn gone (evicted by the store's bounds, or deleted): the conversation starts
    # after it; the client named a response it can still retrieve (a fuzzing audit found the 400
    # naming the evicted turn, an id the client never sent).
    store.delete(rid(1))
    texts = [item["content"][0]["text"] for item in conversation_items(store, rid(3))]
    assert texts == ["second", "Two.", "third", "Three."]
    store.delete(rid(3))
    with pytest.raises(APIError) as caught:
        conversation_items(store, rid(3))
    error = caught.value
    assert (error.status, error.param, error.code) == (400, "previous_response_id", "previous_response_not_found")
    assert error.message == f"Previous response with id '{rid(3)}' not found."
    with pytest.raises(APIError, match=f"Previous response with id '{rid(7)}' not found."):
        conversation_items(store, rid(7))


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=4), body=st.binary(max_size=200))
def test_sqlite_keeps_every_record_exactly(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], body: bytes
) -> None:
    store = SQLiteResponseStore(tmp_path_factory.mktemp("h") / "store.db", 5)
    record = stored(rid(1), texts[0], texts)
    record = StoredResponse(record.id, record.created_at, body, record.input, (body, b"event: x\n\n"))
    store.add(record)
    assert store.get(rid(1)) == record
    store.close()


def test_one_file_holds_completions_and_responses(server_factory: ServerFactory, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    server = server_factory(store_path=path)
    server.run(lambda: server.state.responses.add(stored(rid(1), "Kept.", ["Keep this."])))
    answer = clients.post_chat(
        server.base_url, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "store": True}
    )
    assert answer.status_code == 200
    server.stop()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM completions").fetchone() == (1,)
        text = db.execute("SELECT json_extract(body, '$.output[0].content[0].text') FROM responses").fetchone()
        assert text == ("Kept.",)
    again = server_factory(store_path=path)  # a restart: both are still there
    got = clients.HTTP.get(f"{again.base_url}/responses/{rid(1)}", headers=clients.AUTH)
    assert got.status_code == 200 and got.content == stored(rid(1), "Kept.", ["Keep this."]).body
    assert len(again.state.store) == 1


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(ValueError, match="not a mockai store"):
        SQLiteResponseStore(other, 10)
    with pytest.raises(ValueError, match="cannot open"):
        SQLiteResponseStore(tmp_path / "missing-dir" / "store.db", 10)


def test_the_config_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_response_store(ServerConfig()), MemoryResponseStore)
    assert isinstance(open_response_store(ServerConfig(store_path=tmp_path / "s.db")), SQLiteResponseStore)
    with pytest.raises(ValueError, match="at least 1"):
        open_response_store(ServerConfig(store_cap=0))


def test_input_items_of_a_chain_skip_what_is_gone(make_store: StoreMaker) -> None:
    store = make_store(10)
    store.add(stored(rid(1), "One.", ["first"]))
    store.add(stored(rid(2), "Two.", ["second"], previous=rid(1)))
    third = stored(rid(3), "Three.", ["third"], previous=rid(2))
    store.add(third)
    texts = [item["content"][0]["text"] for item in input_items_of(store, third)]
    assert texts == ["first", "One.", "second", "Two.", "third"]
    store.delete(rid(2))
    assert [item["content"][0]["text"] for item in input_items_of(store, third)] == ["third"]


def test_a_body_that_is_not_a_response_has_no_output_items() -> None:
    for body in (b"", b"not json", b"[1, 2]", b'{"output": "text"}', b'{"output": [1, {"id": "msg_1"}]}'):
        record = StoredResponse(rid(1), 0, body, ())
        assert record.output_items() == ([{"id": "msg_1"}] if b"msg_1" in body else [])


@pytest.mark.parametrize(
    "given",
    [
        "hello " * 100,
        [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "x" * 50},
                    {"type": "input_image", "image_url": "https://example.com/y.png", "detail": "auto"},
                ],
            }
        ],
        [
            {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": '{"a": 1}'},
            {"type": "function_call_output", "call_id": "call_1", "output": [{"type": "input_text", "text": "{}"}]},
        ],
        [{"role": "user", "content": "q"}] * 50,
        [{"role": "user", "content": [{"type": "input_text", "text": "a"}] * 200}],
        [
            {
                "role": "user",
                "content": [{"type": "input_audio", "input_audio": {"data": "AAAA" * 100, "format": "wav"}}],
            }
        ],
    ],
)
def test_record_cost_estimates_the_items_on_the_high_side_without_walking_them(given: object) -> None:
    # The estimate (a constant per item and part plus their strings) is paid on every stored
    # create, on the input as sent; it must not under-count what a full walk (json_cost) finds of
    # the items listed from it, nor be far above it.
    record = StoredResponse(rid(1), 0, b"{}", given)
    estimate = record_cost(record) - record_cost(StoredResponse(rid(1), 0, b"{}", ()))
    walked = json_cost(list(record.input_items()))
    assert walked <= estimate <= 2 * walked


def test_with_prefix_finds_the_responses_of_a_group_oldest_first(make_store: StoreMaker) -> None:
    store = make_store(10)
    group = "ab" * 8
    ids = [f"resp_{group}{n:034x}" for n in (3, 1)] + [rid(7)]
    for response_id in ids:
        store.add(stored(response_id, "answer", ["question"]))
    assert [record.id for record in store.with_prefix(f"resp_{group}")] == ids[:2]
    assert store.with_prefix("resp_" + "cd" * 8) == []
