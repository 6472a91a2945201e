"""Conversations in the ``--store-path`` SQLite file: shared by the servers (the ``--workers``) that
open it, bounded, and readable after the fact.

Before, conversations lived in each process's memory even with ``--store-path``: under
``--workers 2`` a conversation made on one worker was a 404 on the other, and both workers
numbered their own, so they made the same ids."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import sdk
from tests.support.servers import MockaiProcess

openai = pytest.importorskip("openai")


def test_two_servers_on_one_file_share_their_conversations(server_factory: Any, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    one, other = (sdk(server_factory(store_path=path).base_url) for _ in range(2))
    made = one.conversations.create(metadata={"by": "one"}, items=[{"role": "user", "content": "Remember 7."}])
    assert other.conversations.retrieve(made.id).metadata == {"by": "one"}
    answer = other.responses.create(model="gpt-4o-mini", input="Which number?", conversation=made.id)
    alone = other.responses.create(model="gpt-4o-mini", input="Which number?", store=False)
    assert answer.usage is not None and alone.usage is not None
    assert answer.usage.input_tokens > alone.usage.input_tokens  # the item made on the other server is read
    listed = one.conversations.items.list(made.id, order="asc")
    assert [item.role for item in listed.data] == ["user", "user", "assistant"]
    assert listed.data[2].content[0].text == answer.output_text
    theirs = other.conversations.create()
    assert theirs.id != made.id  # numbered by the file, not by each server
    one.conversations.delete(theirs.id)
    with pytest.raises(openai.NotFoundError):
        other.conversations.retrieve(theirs.id)


def test_a_new_file_gives_the_ids_memory_gives(server_factory: Any, tmp_path: Path) -> None:
    made = []
    for store_path in (None, tmp_path / "store.db"):
        client = sdk(server_factory(store_path=store_path).base_url)
        conversation = client.conversations.create(items=[{"role": "user", "content": "hi"}])
        client.conversations.items.create(conversation.id, items=[{"role": "user", "content": "again"}])
        items = client.conversations.items.list(conversation.id, order="asc").data
        made.append((conversation.id, conversation.created_at, [item.id for item in items]))
    assert made[0] == made[1]


def test_the_file_keeps_store_cap_conversations(server_factory: Any, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    client = sdk(server_factory(store_path=path, store_cap=3).base_url)
    made = [client.conversations.create(items=[{"role": "user", "content": f"n{i}"}]).id for i in range(5)]
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(made[1])  # (the two oldest went, with their items)
    assert client.conversations.retrieve(made[2]).id == made[2]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 3
        owners = {row[0] for row in db.execute("SELECT conversation FROM conversation_items")}
    assert owners == set(made[2:])


def test_a_conversation_over_store_bytes_loses_its_oldest_items(server_factory: Any, tmp_path: Path) -> None:
    """As in memory: past the budget the oldest items go, the newest is always kept."""
    client = sdk(server_factory(store_path=tmp_path / "store.db", store_bytes=300_000).base_url)
    conversation = client.conversations.create()
    for batch in range(6):
        items = [{"role": "user", "content": f"batch {batch} item {i} " + "x" * 5_000} for i in range(5)]
        client.conversations.items.create(conversation.id, items=items)
    listed = client.conversations.items.list(conversation.id, limit=100, order="asc").data
    assert 0 < len(listed) < 30
    assert listed[-1].content[0].text.startswith("batch 5 item 4 ")
    texts = [item.content[0].text for item in listed]
    assert texts == sorted(texts, key=lambda t: (int(t.split()[1]), int(t.split()[3])))  # the oldest went


def test_the_file_can_be_read_afterwards(server_factory: Any, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    client = sdk(server_factory(store_path=path).base_url)
    conversation = client.conversations.create(metadata={"case": "42"}, items=[{"role": "user", "content": "hi"}])
    with sqlite3.connect(path) as db:
        (metadata,) = db.execute("SELECT metadata FROM conversations WHERE id = ?", (conversation.id,)).fetchone()
        (text,) = db.execute(
            "SELECT json_extract(item, '$.content[0].text') FROM conversation_items WHERE conversation = ?",
            (conversation.id,),
        ).fetchone()
    assert json.loads(metadata) == {"case": "42"} and text == "hi"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads the connections")
def test_workers_with_a_store_file_answer_a_conversation_on_every_connection(tmp_path: Path) -> None:
    """``mockai serve --workers 2 --store-path``: each request on a fresh connection, which the
    kernel gives to either worker."""
    server = MockaiProcess(
        "serve", "--port", "0", "--workers", "2", "--store-path", str(tmp_path / "s.db"), announced=False
    )
    try:
        url = server.announced_url(timeout=90)
        conversation = sdk(url).conversations.create(items=[{"role": "user", "content": "Count with me."}])
        for turn in range(12):
            fresh = sdk(url)  # (a client of its own: a new connection)
            fresh.responses.create(model="gpt-4o-mini", input=f"turn {turn}", conversation=conversation.id)
            fresh.close()
        listed = sdk(url).conversations.items.list(conversation.id, limit=100).data
        assert len(listed) == 1 + 2 * 12
    finally:
        server.stop()
