"""Where stored completions live: the bounded memory store, the SQLite file, and what gets stored."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mockai.chat.planner import Planner
from mockai.chat.render_json import completion_dict, render_completion
from mockai.chat.render_sse import DONE, StreamOptions, stream_events
from mockai.chat.store.records import assemble_stream, record_for
from mockai.core.config import ServerConfig
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import ErrorReply, PlannedReply, RawReply
from mockai.server.runner import ServerThread
from tests.support.bodies import function_tool, user
from tests.support.clients import async_sdk, sdk
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"


# --- eviction --------------------------------------------------------------------------------


@pytest.mark.parametrize("on_disk", [False, True])
def test_oldest_are_evicted_at_the_cap(server_factory: ServerFactory, tmp_path: Path, on_disk: bool) -> None:
    path = tmp_path / "store.db" if on_disk else None
    thread = server_factory(store_cap=3, store_path=path)
    with sdk(thread.base_url, strict=False) as c:
        ids = [c.chat.completions.create(model=MODEL, messages=user(f"q{i}"), store=True).id for i in range(5)]
        assert [x.id for x in c.chat.completions.list()] == ids[2:]
        for evicted in ids[:2]:
            with pytest.raises(openai.NotFoundError):
                c.chat.completions.retrieve(evicted)
        # An evicted id still works as a cursor: paging on after it continues from its place.
        assert [x.id for x in c.chat.completions.list(extra_query={"after": ids[0]})] == ids[2:]


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="store cap must be at least 1"):
        ServerThread(ServerConfig(port=0, store_cap=0))


def test_reset_forgets_stored_completions(server_factory: ServerFactory) -> None:
    thread = server_factory()
    with sdk(thread.base_url, strict=False) as c:
        cid = c.chat.completions.create(model=MODEL, messages=user("x"), store=True).id
        thread.run(thread.state.reset)
        with pytest.raises(openai.NotFoundError):
            c.chat.completions.retrieve(cid)


def test_renewed_state_starts_with_an_empty_store(server_factory: ServerFactory) -> None:
    """What the pytest plugin does between tests: stored completions are per test."""
    thread = server_factory()
    with sdk(thread.base_url, strict=False) as c:
        c.chat.completions.create(model=MODEL, messages=user("x"), store=True)
        thread.renew()
        assert list(c.chat.completions.list()) == []


# --- SQLite ----------------------------------------------------------------------------------


def test_the_sqlite_file_can_be_read_after_the_server_stopped(server_factory: ServerFactory, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    thread = server_factory(store_path=path)
    with sdk(thread.base_url, strict=False) as c:
        first = c.chat.completions.create(model=MODEL, messages=user("one"), store=True, metadata={"run": "ci"})
        chunks = list(c.chat.completions.create(model=MODEL, messages=user("two"), store=True, stream=True))
        c.chat.completions.create(model=MODEL, messages=user("not kept"))
    thread.stop()

    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, model, requested_model, metadata, completion, messages FROM completions ORDER BY seq"
        ).fetchall()
        assert [r[0] for r in rows] == [first.id, chunks[0].id]
        cid, model, requested, metadata, completion, messages = rows[0]
        assert (model, requested, json.loads(metadata)) == ("gpt-4o-mini-2024-07-18", MODEL, {"run": "ci"})
        assert json.loads(completion)["choices"][0]["message"]["content"] == first.choices[0].message.content
        assert json.loads(messages) == [
            {
                "id": f"{cid}-0",
                "role": "user",
                "content": "one",
                "refusal": None,
                "name": None,
                "content_parts": None,
            }
        ]
        query = "SELECT id FROM completions WHERE json_extract(metadata, '$.run') = 'ci'"
        assert db.execute(query).fetchall() == [(first.id,)]

    reopened = server_factory(store_path=path)  # a new server on the same file sees it all
    with sdk(reopened.base_url, strict=False) as c:
        assert [x.id for x in c.chat.completions.list()] == [first.id, chunks[0].id]
        assert c.chat.completions.retrieve(first.id).metadata == {"run": "ci"}


def test_concurrent_requests_on_two_servers_sharing_one_file(server_factory: ServerFactory, tmp_path: Path) -> None:
    """Like ``--workers 2 --store-path``: two servers, two connections, one file, requests at once."""
    path = tmp_path / "shared.db"
    threads = [server_factory(store_path=path) for _ in range(2)]

    async def hammer(thread: ServerThread, tag: str) -> list[str]:
        async with async_sdk(thread.base_url, strict=False) as c:

            async def one(i: int) -> str:
                reply = await c.chat.completions.create(
                    model=MODEL, messages=user(f"{tag} {i}"), store=True, metadata={"tag": tag}
                )
                await c.chat.completions.update(reply.id, metadata={"tag": tag, "i": str(i)})
                return str(reply.id)

            return list(await asyncio.gather(*(one(i) for i in range(25))))

    async def both() -> list[list[str]]:
        return list(await asyncio.gather(hammer(threads[0], "a"), hammer(threads[1], "b")))

    made_a, made_b = asyncio.run(both())
    with sdk(threads[0].base_url, strict=False) as c:
        listed = [x.id for x in c.chat.completions.list(limit=100)]
        assert sorted(listed) == sorted(made_a + made_b)
        assert {x.id for x in c.chat.completions.list(metadata={"tag": "b"})} == set(made_b)
        assert c.chat.completions.retrieve(made_b[3]).metadata == {"tag": "b", "i": "3"}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM completion_metadata").fetchone() == (100,)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(ValueError, match="not a mockai store"):
        ServerThread(ServerConfig(port=0, store_path=other))
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="cannot"):
        ServerThread(ServerConfig(port=0, store_path=garbage))
    with pytest.raises(ValueError, match="cannot open"):
        ServerThread(ServerConfig(port=0, store_path=tmp_path / "missing-dir" / "store.db"))


# --- what is stored for each kind of reply ---------------------------------------------------

PLANNER = Planner(ModelCatalog(), 0)
TOOL = function_tool("get_weather", {"city": {"type": "string"}}, required=["city"])
BODIES: list[dict[str, Any]] = [
    {"model": MODEL, "messages": user("hello")},
    {"model": MODEL, "messages": user("weather in Paris?"), "tools": [TOOL], "tool_choice": "required"},
    {"model": MODEL, "messages": user("two answers"), "n": 2, "logprobs": True, "top_logprobs": 2},
    {"model": "gpt-5-nano", "messages": user("reason")},
    {"model": MODEL, "messages": user("short"), "max_tokens": 3},
    # url_citation annotations arrive in a delta of their own (a recorded search stream keeps them)
    {"model": "gpt-4o-search-preview", "messages": user("news today"), "web_search_options": {}},
]


@pytest.mark.parametrize("body", BODIES)
def test_a_recorded_stream_adds_up_to_the_completion(body: dict[str, Any]) -> None:
    plan = PLANNER.seeded(body)
    wanted = completion_dict(plan)
    events = stream_events(plan, StreamOptions(include_usage=True, want_logprobs=bool(body.get("logprobs"))))
    assert assemble_stream([*events, DONE]) == wanted


def test_records_for_each_kind_of_reply() -> None:
    body = {"model": MODEL, "messages": user("hi"), "store": True}
    plan = PLANNER.seeded(body)
    planned = record_for("POST", "/v1/chat/completions", b"{}", body, PlannedReply(plan))
    assert planned is not None and planned.id == plan.id
    recorded = RawReply(200, (("content-type", "application/json"),), render_completion(plan))
    as_recorded = record_for("POST", "/v1/chat/completions", b"{}", body, recorded)
    assert as_recorded is not None and as_recorded.completion == planned.completion
    events = tuple((0.0, e) for e in stream_events(plan, StreamOptions(include_usage=True)))
    streamed = record_for("POST", "/v1/chat/completions", b"{}", body, RawReply(200, (), events=events))
    assert streamed is not None and streamed.completion == planned.completion
    # Nothing to keep: errors, failed recordings, bodies that are not completions.
    assert record_for("POST", "/", b"", body, ErrorReply(openai_error())) is None
    assert record_for("POST", "/", b"", body, RawReply(500, (), b'{"error": {}}')) is None
    assert record_for("POST", "/", b"", body, RawReply(200, (), b"not json")) is None
    assert record_for("POST", "/", b"", body, RawReply(200, (), events=((0.0, b'data: {"error": {}}\n\n'),))) is None


def openai_error() -> Any:
    from mockai.core.errors import APIError

    return APIError.server_error()


@pytest.mark.parametrize("run", [1, 2])
def test_under_the_pytest_plugin_stored_completions_are_per_test(mockai: Any, run: int) -> None:
    """Both runs share the plugin's server; each sees only what it stored itself."""
    client = mockai.openai()
    cid = client.chat.completions.create(model=MODEL, messages=user(f"run {run}"), store=True).id
    assert [c.id for c in client.chat.completions.list()] == [cid]
