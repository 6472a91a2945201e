"""Stored completions in a SQLite file (``--store-path``), with Python's own :mod:`sqlite3`.

The file is meant to be read after the fact (a CI step, ``sqlite3 store.db``)::

    completions(seq INTEGER PRIMARY KEY, id TEXT UNIQUE, model TEXT, requested_model TEXT,
                created INTEGER, metadata TEXT, completion TEXT, messages TEXT)
    completion_metadata(seq INTEGER, key TEXT, value TEXT)   -- one row per metadata pair
    removed(id TEXT PRIMARY KEY, seq INTEGER)                -- deleted / evicted ids (cursors)

``metadata``, ``completion`` (the object ``GET /v1/chat/completions/{id}`` returns, without its
``metadata``) and ``messages`` are JSON text, so ``json_extract`` works on them.

Safe under concurrency, and shared with stored responses' tables: see
:class:`~mockai.core.sqlite_file.SQLiteFile`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockai.chat.store.records import ListQuery, Page, StoredCompletion, UnknownCursor, derived_id
from mockai.core.sqlite_file import SCHEMA_VERSION, SQLiteFile

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    requested_model TEXT NOT NULL,
    created INTEGER,
    metadata TEXT NOT NULL,
    completion TEXT NOT NULL,
    messages TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS completion_metadata (
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (seq, key)
);
CREATE INDEX IF NOT EXISTS completion_metadata_pair ON completion_metadata (key, value);
CREATE TABLE IF NOT EXISTS removed (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS removed_seq ON removed (seq);
"""
_COLUMNS = "seq, id, model, requested_model, metadata, completion, messages"
# Forgotten cursors (``removed``) are trimmed to the newest ``cap`` every this many inserts.
_TRIM_EVERY = 256


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SQLiteStore:
    def __init__(self, path: Path, cap: int) -> None:
        if cap < 1:
            raise ValueError(f"store cap must be at least 1, got {cap}")
        self.cap = cap
        self.path = path
        self._file = SQLiteFile(path, _SCHEMA)
        self._db = self._file.db
        self._lock = self._file.lock
        self._write = self._file.write
        self._next_suffix: dict[str, int] = {}

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM completions").fetchone()[0])

    # --- writing -------------------------------------------------------------------------------

    def add(self, record: StoredCompletion, *, fresh_id: bool) -> StoredCompletion:
        with self._lock, self._write() as db:
            if self._exists(record.id):
                if fresh_id:
                    record = record.with_id(self._free_id(record.id))
                else:
                    self._remove(record.id)
            cursor = db.execute(
                "INSERT INTO completions"
                " (id, model, requested_model, created, metadata, completion, messages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.model,
                    record.requested_model,
                    record.completion.get("created"),
                    _dumps(record.metadata),
                    _dumps(record.completion),
                    _dumps(record.messages),
                ),
            )
            seq = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO completion_metadata (seq, key, value) VALUES (?, ?, ?)",
                [(seq, k, v) for k, v in record.metadata.items()],
            )
            db.execute("DELETE FROM removed WHERE id = ?", (record.id,))
            excess = db.execute("SELECT count(*) FROM completions").fetchone()[0] - self.cap
            if excess > 0:
                oldest = db.execute("SELECT id FROM completions ORDER BY seq LIMIT ?", (excess,)).fetchall()
                for (old_id,) in oldest:
                    self._remove(old_id)
            if seq % _TRIM_EVERY == 0:
                db.execute(
                    "DELETE FROM removed WHERE seq NOT IN (SELECT seq FROM removed ORDER BY seq DESC LIMIT ?)",
                    (self.cap,),
                )
            return replace(record, seq=seq)

    def _exists(self, completion_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM completions WHERE id = ?", (completion_id,)).fetchone()
        return row is not None

    def id_for(self, base: str) -> str:
        with self._lock:
            return base if not self._exists(base) else self._free_id(base)

    def _free_id(self, base: str) -> str:
        n = self._next_suffix.get(base, 2)
        while self._exists(derived_id(base, n)):
            n += 1
        if len(self._next_suffix) >= self.cap:  # only a hint: keep it bounded like the rest
            self._next_suffix.clear()
        self._next_suffix[base] = n + 1
        return derived_id(base, n)

    def _remove(self, completion_id: str) -> None:
        """Inside a write transaction: drop one completion, remembering where it was."""
        db = self._db
        row = db.execute("SELECT seq FROM completions WHERE id = ?", (completion_id,)).fetchone()
        if row is None:
            return
        db.execute("DELETE FROM completions WHERE seq = ?", (row[0],))
        db.execute("DELETE FROM completion_metadata WHERE seq = ?", (row[0],))
        db.execute("INSERT OR REPLACE INTO removed (id, seq) VALUES (?, ?)", (completion_id, row[0]))

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None:
        with self._lock, self._write() as db:
            row = db.execute("SELECT seq FROM completions WHERE id = ?", (completion_id,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE completions SET metadata = ? WHERE seq = ?", (_dumps(metadata), row[0]))
            db.execute("DELETE FROM completion_metadata WHERE seq = ?", (row[0],))
            db.executemany(
                "INSERT INTO completion_metadata (seq, key, value) VALUES (?, ?, ?)",
                [(row[0], k, v) for k, v in metadata.items()],
            )
            return self._get(completion_id)

    def delete(self, completion_id: str) -> bool:
        with self._lock, self._write():
            if not self._exists(completion_id):
                return False
            self._remove(completion_id)
            return True

    def clear(self) -> None:
        with self._lock, self._write() as db:
            for table in ("completions", "completion_metadata", "removed"):
                db.execute(f"DELETE FROM {table}")  # fixed table names
            self._next_suffix.clear()

    # --- reading -------------------------------------------------------------------------------

    def get(self, completion_id: str) -> StoredCompletion | None:
        with self._lock:
            return self._get(completion_id)

    def _get(self, completion_id: str) -> StoredCompletion | None:
        sql = f"SELECT {_COLUMNS} FROM completions WHERE id = ?"
        row = self._db.execute(sql, (completion_id,)).fetchone()
        return None if row is None else _record(row)

    def page(self, query: ListQuery) -> Page:
        sql = [f"SELECT {_COLUMNS} FROM completions WHERE 1"]
        args: list[Any] = []
        with self._lock:
            if query.after is not None:
                sql.append("AND seq > ?" if query.order == "asc" else "AND seq < ?")
                args.append(self._position(query.after))
            if query.model is not None:
                sql.append("AND (model = ? OR requested_model = ?)")
                args += [query.model, query.model]
            for key, value in query.metadata.items():
                sql.append("AND seq IN (SELECT seq FROM completion_metadata WHERE key = ? AND value = ?)")
                args += [key, value]
            sql.append("ORDER BY seq " + ("ASC" if query.order == "asc" else "DESC") + " LIMIT ?")
            args.append(query.limit + 1)
            rows = self._db.execute(" ".join(sql), args).fetchall()
        items = [_record(row) for row in rows[: query.limit]]
        return Page(items, has_more=len(rows) > query.limit)

    def _position(self, completion_id: str) -> int:
        for table in ("completions", "removed"):
            row = self._db.execute(f"SELECT seq FROM {table} WHERE id = ?", (completion_id,)).fetchone()
            if row is not None:
                return int(row[0])
        raise UnknownCursor(completion_id)


def _record(row: tuple[Any, ...]) -> StoredCompletion:
    seq, cid, model, requested_model, metadata, completion, messages = row
    return StoredCompletion(
        id=cid,
        model=model,
        requested_model=requested_model,
        metadata=json.loads(metadata),
        completion=json.loads(completion),
        messages=json.loads(messages),
        seq=int(seq),
    )
