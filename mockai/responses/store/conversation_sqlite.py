"""Conversations in the SQLite file of ``--store-path``, beside stored completions and responses:
every worker of ``--workers`` sees the conversations the others made, and they outlive the server.

The file is meant to be read after the fact (``sqlite3 store.db``)::

    conversations(seq INTEGER PRIMARY KEY, id TEXT UNIQUE, created_at INTEGER,
                  metadata TEXT, batches INTEGER, size INTEGER)
    conversation_items(seq INTEGER PRIMARY KEY, conversation TEXT, id TEXT, item TEXT, size INTEGER)

``metadata`` and ``item`` are JSON text (``json_extract(item, '$.content')`` works), the items of a
conversation in ``seq`` order.  A conversation's number (its id is drawn from it) is its row's
``seq``, which the file hands out: two workers never make the same id.  ``batches`` counts the
batches of items added (their ids are drawn from it), ``size`` the bytes the conversation would
hold in memory.  Bounds: ``--store-cap`` conversations (the oldest made is forgotten first, with
its items); a conversation over ``--store-bytes`` loses its oldest items.  Every change is one
transaction (:class:`~mockai.core.sqlite_file.SQLiteFile`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mockai.core.sqlite_file import SQLiteFile
from mockai.responses.conversations import (
    Conversation,
    conversation_item_not_found,
    conversation_not_found,
    item_size,
    metadata_size,
    new_conversation,
    stored_items,
)

__all__ = ["SQLiteConversationStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    batches INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversation_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation TEXT NOT NULL,
    id TEXT,
    item TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_items_in_order ON conversation_items (conversation, seq);
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class SQLiteConversationStore:
    """A :class:`~mockai.responses.conversations.ConversationStore` in ``path``."""

    def __init__(self, path: Path, seed: int, cap: int, max_bytes: int) -> None:
        if cap < 1:
            raise ValueError(f"store cap must be at least 1, got {cap}")
        self.path, self.cap, self.max_bytes = path, cap, max_bytes
        self._seed = seed
        self._file = SQLiteFile(path, _SCHEMA)

    def close(self) -> None:
        self._file.close()

    def create(self, metadata: dict[str, str], items: Sequence[Mapping[str, Any]]) -> Conversation:
        with self._file.lock, self._file.write() as db:
            cursor = db.execute(
                "INSERT INTO conversations (created_at, metadata, batches, size) VALUES (0, '{}', 0, 0)"
            )
            conversation = new_conversation(self._seed, int(cursor.lastrowid or 0), metadata)
            db.execute(
                "UPDATE conversations SET id = ?, created_at = ?, metadata = ?, size = ? WHERE seq = ?",
                (
                    conversation.id,
                    conversation.created_at,
                    _dumps(conversation.metadata),
                    metadata_size(conversation.metadata),
                    cursor.lastrowid,
                ),
            )
            self._add(db, conversation, 0, items)
            excess = db.execute("SELECT count(*) FROM conversations").fetchone()[0] - self.cap
            if excess > 0:
                oldest = "SELECT id FROM conversations ORDER BY seq LIMIT ?"
                db.execute(f"DELETE FROM conversation_items WHERE conversation IN ({oldest})", (excess,))
                db.execute(f"DELETE FROM conversations WHERE id IN ({oldest})", (excess,))
            return conversation

    def get(self, conversation_id: str) -> Conversation:
        with self._file.lock:
            return self._found(self._file.db, conversation_id)[0]

    def items(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._file.lock:
            db = self._file.db
            self._found(db, conversation_id)
            rows = db.execute(
                "SELECT item FROM conversation_items WHERE conversation = ? ORDER BY seq", (conversation_id,)
            ).fetchall()
        return [json.loads(item) for (item,) in rows]

    def update(self, conversation_id: str, metadata: dict[str, str]) -> Conversation:
        with self._file.lock, self._file.write() as db:
            conversation, _ = self._found(db, conversation_id)
            change = metadata_size(metadata) - metadata_size(conversation.metadata)
            db.execute(
                "UPDATE conversations SET metadata = ?, size = size + ? WHERE id = ?",
                (_dumps(metadata), change, conversation_id),
            )
        conversation.metadata = dict(metadata)
        return conversation

    def delete(self, conversation_id: str) -> None:
        with self._file.lock, self._file.write() as db:
            if db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount == 0:
                raise conversation_not_found(conversation_id)
            db.execute("DELETE FROM conversation_items WHERE conversation = ?", (conversation_id,))

    def add_items(self, conversation_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        with self._file.lock, self._file.write() as db:
            conversation, batches = self._found(db, conversation_id)
            return self._add(db, conversation, batches, items)

    def add_turn(self, conversation_id: str, given: Sequence[dict[str, Any]], made: Sequence[dict[str, Any]]) -> None:
        with self._file.lock, self._file.write() as db:
            found = db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if found is not None:  # (deleted meanwhile: nothing to add to)
                self._append(db, conversation_id, [*given, *made])

    def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        with self._file.lock, self._file.write() as db:
            conversation, _ = self._found(db, conversation_id)
            row = db.execute(
                "SELECT seq, size FROM conversation_items WHERE conversation = ? AND id = ? ORDER BY seq LIMIT 1",
                (conversation_id, item_id),
            ).fetchone()
            if row is None:
                raise conversation_item_not_found(item_id)
            db.execute("DELETE FROM conversation_items WHERE seq = ?", (row[0],))
            db.execute("UPDATE conversations SET size = size - ? WHERE id = ?", (row[1], conversation_id))
        return conversation

    def weight(self, conversation_id: str) -> int:
        with self._file.lock:
            row = self._file.db.execute("SELECT size FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def clear(self) -> None:
        with self._file.lock, self._file.write() as db:
            db.execute("DELETE FROM conversation_items")
            db.execute("DELETE FROM conversations")

    def _found(self, db: sqlite3.Connection, conversation_id: str) -> tuple[Conversation, int]:
        """The conversation and how many batches of items it has had; the 404 if it is not kept."""
        row = db.execute(
            "SELECT created_at, metadata, batches FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise conversation_not_found(conversation_id)
        return Conversation(conversation_id, int(row[0]), json.loads(row[1])), int(row[2])

    def _add(
        self, db: sqlite3.Connection, conversation: Conversation, batches: int, items: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        db.execute("UPDATE conversations SET batches = ? WHERE id = ?", (batches + 1, conversation.id))
        stored = stored_items(conversation, batches + 1, items)
        self._append(db, conversation.id, stored)
        return stored

    def _append(self, db: sqlite3.Connection, conversation_id: str, items: list[dict[str, Any]]) -> None:
        """Add ``items`` at the end; past the byte budget the conversation loses its oldest items
        (one is always kept, as in memory)."""
        rows = [(conversation_id, item.get("id"), _dumps(item), item_size(item)) for item in items]
        db.executemany("INSERT INTO conversation_items (conversation, id, item, size) VALUES (?, ?, ?, ?)", rows)
        added = sum(row[3] for row in rows)
        db.execute("UPDATE conversations SET size = size + ? WHERE id = ?", (added, conversation_id))
        (size,) = db.execute("SELECT size FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if size <= self.max_bytes:
            return
        kept = db.execute(
            "SELECT seq, size FROM conversation_items WHERE conversation = ? ORDER BY seq", (conversation_id,)
        ).fetchall()
        dropped, cut = 0, None
        for seq, item_bytes in kept[:-1]:
            if size - dropped <= self.max_bytes:
                break
            dropped, cut = dropped + item_bytes, seq
        if cut is not None:
            db.execute("DELETE FROM conversation_items WHERE conversation = ? AND seq <= ?", (conversation_id, cut))
            db.execute("UPDATE conversations SET size = size - ? WHERE id = ?", (dropped, conversation_id))
