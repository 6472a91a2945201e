"""Finding 7 of issue 15: the journal and the in-memory store are bounded by bytes as well as by
count; large bodies are kept cut with a visible marker; the estimates the budgets use are on the
high side of what Python really holds (tracemalloc).  The RSS figures are bench/bench_memory_bodies.py's."""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from mockai.chat.store.memory import MemoryStore
from mockai.chat.store.records import ListQuery, StoredCompletion
from mockai.cli.main import build_parser, config_from_args
from mockai.core.config import ServerConfig
from mockai.core.json_budget import DEPTH_MARKER, bounded_copy, json_cost, truncation_marker
from mockai.server.journal import BODY_KEPT_BYTES, DEFAULT_JOURNAL_BYTES, NOT_READ, Journal
from mockai.server.runner import ServerThread
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.servers import ServerFactory

MiB = 1 << 20


def _big_body(i: int, size: int) -> tuple[bytes, dict[str, Any]]:
    body = chat(f"request {i} " + "x" * size)
    return json.dumps(body).encode(), body


def _retained(fill: Callable[[], object]) -> tuple[object, int]:
    """What ``fill()`` returns, and the bytes of memory still allocated once its temporaries are gone."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = fill()
        gc.collect()
        return kept, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


# --- bounded copies ----------------------------------------------------------------------------


def test_a_value_within_budget_comes_back_equal() -> None:
    value = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hé ☃"}], "n": 2, "x": [None, 1.5, True]}
    assert bounded_copy(value, 1 << 20) == value
    assert json_cost(value) < 2000


def test_long_strings_keep_their_start_and_say_how_much_was_cut() -> None:
    text = "abc" * 100_000
    cut = bounded_copy({"content": text, "other": "é" * 5000}, 64 << 10, max_string=4096)
    assert cut["content"] == text[:4096] + truncation_marker(len(text) - 4096)
    assert cut["other"] == "é" * 4096 + "…[truncated 1808 bytes]"  # 904 characters of 2 UTF-8 bytes
    assert json_cost(cut) < 64 << 10


def test_what_does_not_fit_ends_with_a_marker() -> None:
    items = [f"item {i}" * 10 for i in range(10_000)]
    cut = bounded_copy({"a": items, "b": {str(i): i for i in range(10_000)}}, 16 << 10)
    assert cut["a"][0] == items[0] and cut["a"][-1].startswith("…[") and cut["a"][-1].endswith(" more items]")
    kept = len(cut["a"]) - 1  # the last one kept may be cut: the budget ran out in it
    assert cut["a"][: kept - 1] == items[: kept - 1] and cut["a"][-1] == f"…[{10_000 - kept} more items]"
    assert items[kept - 1].startswith(cut["a"][kept - 1].split("…")[0])
    assert cut["…"] == "[1 more keys]" and "b" not in cut  # the budget ran out before "b"
    assert bounded_copy({str(i): i for i in range(10_000)}, 4096)["…"].endswith(" more keys]")
    assert json_cost(cut) < 20 << 10


def test_deep_nesting_and_lone_surrogates_are_made_safe_to_serialise() -> None:
    deep: Any = "end"
    for _ in range(500):
        deep = [deep]
    cut = bounded_copy({"deep": deep, "s": "a\ud800b", "\udfff": 1}, 1 << 20, max_depth=50)
    level = cut["deep"]
    for _ in range(48):
        level = level[0]
    assert level == [DEPTH_MARKER]
    assert cut["s"] == "a\\ud800b" and cut["\\udfff"] == 1
    json.dumps(cut).encode()  # neither RecursionError nor UnicodeEncodeError
    assert json_cost(deep) > 0  # bounded recursion too


# --- the journal -------------------------------------------------------------------------------


def test_the_journal_keeps_large_bodies_cut_and_stays_within_its_bytes() -> None:
    journal = Journal(1000, 2 * MiB)
    for i in range(100):
        raw, body = _big_body(i, 512 << 10)
        journal.record(
            "POST", "/v1/chat/completions", "", {"Authorization": "Bearer sk-x"}, body, 200, "seeded", raw=raw
        )
        assert journal.bytes <= 2 * MiB
    entries = list(journal)
    assert journal.total == 100 and len(entries) == 100  # cut bodies are small: all of them fit
    content = entries[-1].body["messages"][0]["content"]
    assert content.startswith("request 99 xxx") and content.endswith(" bytes]")
    assert len(content) < 4200 and "…[truncated " in content
    assert entries[-1].headers == {"Authorization": "<redacted>"}


def test_small_bodies_are_kept_whole_until_the_byte_budget_evicts_the_oldest() -> None:
    journal = Journal(1000, 1 * MiB)
    for i in range(100):
        raw, body = _big_body(i, 60 << 10)  # under BODY_KEPT_BYTES: whole
        journal.record("POST", "/v1/chat/completions", "", {}, body, 200, "seeded", raw=raw)
    entries = list(journal)
    assert 10 <= len(entries) < 20 and journal.bytes <= 1 * MiB
    assert [e.seq for e in entries] == list(range(101 - len(entries), 101))  # the newest, in order
    assert all(e.body == _big_body(e.seq - 1, 60 << 10)[1] for e in entries)
    one = Journal(1000, 1000)  # a budget below one entry: the newest is kept anyway
    one.record("POST", "/", "", {}, NOT_READ, 400, "rejected", raw=b"x" * 10_000)
    one.record("POST", "/", "", {}, NOT_READ, 400, "rejected", raw=b"y" * 10_000)
    assert [e.body for e in one] == ["y" * 10_000] and one.total == 2


def test_the_journal_estimate_is_on_the_high_side() -> None:
    def fill() -> Journal:
        journal = Journal(1000, 4 * MiB)
        for i in range(60):
            raw, body = _big_body(i, (512 << 10) if i % 2 else (30 << 10))
            journal.record("POST", "/v1/chat/completions", "", {"X-Trace": "t" * 100}, body, 200, "seeded", raw=raw)
        return journal

    journal, retained = _retained(fill)
    assert isinstance(journal, Journal)
    assert journal.bytes <= 4 * MiB and retained <= journal.bytes, (retained, journal.bytes)


def test_a_huge_answer_is_kept_cut_down() -> None:
    from mockai.core.errors import APIError
    from mockai.core.plan import ErrorReply

    journal = Journal(10, DEFAULT_JOURNAL_BYTES)
    error = APIError(404, "The model `" + "m" * 2_000_000 + "` does not exist")
    journal.record("POST", "/v1/chat/completions", "", {}, {}, 404, "seeded", ErrorReply(error), raw=b"{}")
    (entry,) = list(journal)
    assert entry.response is not None
    message = entry.response["error"]["message"]
    assert message.startswith("The model `mmm") and "…[truncated " in message and len(message) <= BODY_KEPT_BYTES + 40
    assert journal.bytes < 3 * BODY_KEPT_BYTES  # 64 Ki characters kept, 2 bytes each with the marker


# --- the in-memory store -----------------------------------------------------------------------


def _record(i: int, size: int, model: str = "gpt-4o") -> StoredCompletion:
    cid = f"chatcmpl-{i:029d}"
    return StoredCompletion(
        id=cid,
        model=model,
        requested_model=model,
        metadata={"i": str(i)},
        completion={"id": cid, "object": "chat.completion", "model": model, "choices": []},
        messages=[{"id": f"{cid}-0", "role": "user", "content": f"{i} " + "y" * size}],
    )


def test_the_store_evicts_the_oldest_past_its_bytes_and_keeps_records_whole() -> None:
    store = MemoryStore(10_000, 2 * MiB)
    for i in range(40):
        store.add(_record(i, 256 << 10), fresh_id=False)
        assert store.bytes <= 2 * MiB
    assert 4 <= len(store) < 10
    newest = store.get(_record(39, 0).id)
    assert newest is not None and newest.messages[0]["content"] == "39 " + "y" * (256 << 10)  # whole
    assert store.get(_record(0, 0).id) is None
    page = store.page(ListQuery(limit=100))
    assert [r.id for r in page.items] == [_record(i, 0).id for i in range(40 - len(store), 40)]


def test_the_store_keeps_its_byte_count_through_updates_deletes_and_clear() -> None:
    store = MemoryStore(3, 10 * MiB)
    for i in range(5):
        store.add(_record(i, 1000), fresh_id=False)
    assert len(store) == 3  # the count cap still holds
    before = store.bytes
    store.set_metadata(_record(4, 0).id, {"k": "v" * 5000})
    assert store.bytes > before
    store.set_metadata(_record(4, 0).id, {})
    assert store.bytes < before
    store.delete(_record(3, 0).id)
    store.delete(_record(4, 0).id)
    store.delete(_record(2, 0).id)
    assert len(store) == 0 and store.bytes == 0
    store.add(_record(7, 10), fresh_id=False)
    store.clear()
    assert store.bytes == 0 and store.page(ListQuery(model="gpt-4o")).items == []
    huge = MemoryStore(10, 1000)  # one record over the whole budget: the newest is kept
    huge.add(_record(1, 5000), fresh_id=False)
    huge.add(_record(2, 5000), fresh_id=False)
    assert len(huge) == 1 and huge.get(_record(2, 0).id) is not None


def test_the_store_estimate_is_on_the_high_side() -> None:
    def fill() -> MemoryStore:
        store = MemoryStore(10_000, 3 * MiB)
        for i in range(30):
            store.add(_record(i, (256 << 10) if i % 3 else 2000), fresh_id=False)
        return store

    store, retained = _retained(fill)
    assert isinstance(store, MemoryStore)
    assert 3 <= len(store) < 30 and store.bytes <= 3 * MiB and retained <= store.bytes, (retained, store.bytes)


# --- over HTTP, at default settings --------------------------------------------------------------


def test_defaults_and_flags() -> None:
    config = ServerConfig()
    assert (config.journal_bytes, config.store_bytes) == (32 * MiB, 32 * MiB)
    args = build_parser().parse_args(["serve", "--journal-bytes", "1000000", "--store-bytes", "2000000"])
    parsed = config_from_args(args)
    assert (parsed.journal_bytes, parsed.store_bytes) == (1_000_000, 2_000_000)
    assert config_from_args(build_parser().parse_args(["serve"])).journal_bytes == 32 * MiB


def test_large_requests_over_http_stay_within_the_budgets(server_factory: ServerFactory) -> None:
    server: ServerThread = server_factory(journal_bytes=2 * MiB, store_bytes=2 * MiB)
    for i in range(12):
        text = f"{i} " + "z" * (512 << 10)
        assert post_chat(server.base_url, chat(text, store=True)).status_code == 200
    state = server.state
    assert state.journal.bytes <= 2 * MiB and state.store.bytes <= 2 * MiB  # type: ignore[attr-defined]
    journal = HTTP.get(server.base_url.removesuffix("/v1") + "/_mockai/requests").json()
    assert journal["total"] == 12 and len(journal["data"]) == 12
    content = journal["data"][-1]["body"]["messages"][0]["content"]
    assert content.startswith("11 zzz") and content.endswith(f"…[truncated {(512 << 10) + 3 - 4096} bytes]")
    listed = HTTP.get(f"{server.base_url}/chat/completions", params={"limit": 100}, headers=AUTH)
    stored = listed.json()["data"]
    assert 1 <= len(stored) < 12
    messages = HTTP.get(f"{server.base_url}/chat/completions/{stored[-1]['id']}/messages", headers=AUTH).json()["data"]
    assert messages[0]["content"] == "11 " + "z" * (512 << 10)  # stored whole


@pytest.mark.parametrize("size", [0, 1])
def test_a_zero_journal_keeps_nothing(size: int) -> None:
    journal = Journal(size - 1 if size else 0, 0)
    journal.record("POST", "/", "", {}, NOT_READ, 200, "seeded", raw=b"{}")
    assert list(journal) == [] and journal.total == 1 and journal.bytes == 0


def test_misses_keep_large_bodies_cut_down_and_still_explain_them(server_factory: ServerFactory) -> None:
    server = server_factory()
    server.state.scenarios.on(user_contains="never said").reply("x")
    raw, _ = _big_body(0, 512 << 10)

    def send() -> object:
        response = post_chat(server.base_url, content=raw, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code == 200  # on_no_match "seeded": answered, and the miss kept
        return None

    _, retained = _retained(send)
    [miss] = server.state.scenarios.misses
    assert "never said" in miss.explanation
    assert json_cost(miss.body) < 128 << 10
    assert retained < 2 * MiB  # the 512 KiB body is not held (the journal keeps its own cut copy)


def test_misses_are_kept_within_a_byte_budget(server_factory: ServerFactory) -> None:
    """An audit found 1,000 misses of 62 KiB bodies (1,150 tiny messages each) holding 700 MiB: a
    body under 64 KiB was kept as its parsed JSON, about 11 times its bytes, with no byte bound."""
    server = server_factory(journal_size=0)
    server.state.scenarios.on(user_contains="never said").reply("x")
    messages = [{"role": "user", "content": f"m{i}"} for i in range(1150)]
    sent = 0
    for n in range(80):
        body = {"model": "gpt-4o-mini", "messages": [*messages, {"role": "user", "content": f"question {n}"}]}
        response = post_chat(server.base_url, body)
        assert response.status_code == 200
        sent += 1
    misses = server.state.scenarios.misses
    assert 10 < len(misses) < sent  # the newest kept, within 32 MiB at 12 bytes a byte of body
    assert sum(json_cost(m.body) for m in misses) < 48 * MiB
    assert misses[-1].body["messages"][-1]["content"] == "question 79" and "never said" in misses[-1].explanation
