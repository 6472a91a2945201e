"""Stored responses in the SQLite file of ``--store-path``, beside stored chat completions.

The file is meant to be read after the fact (a CI step, ``sqlite3 store.db``)::

    responses(seq INTEGER PRIMARY KEY, id TEXT UNIQUE, created_at INTEGER,
              previous_response_id TEXT, background INTEGER,
              body TEXT, input_items TEXT, events TEXT)

``body`` is the Response exactly as it was answered (UTF-8 text, so ``json_extract(body,
'$.output')`` works), ``input_items`` a JSON array of items, ``events`` a JSON array of the SSE
events' text (empty unless the response was streamed).  Concurrency and the file's schema mark:
:class:`~mockai.core.sqlite_file.SQLiteFile`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockai.core.redaction import body_secrets, scrub_body_secrets
from mockai.core.sqlite_file import SQLiteFile
from mockai.responses.store.records import StoredResponse

__all__ = ["SQLiteResponseStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    previous_response_id TEXT,
    background INTEGER NOT NULL,
    body TEXT NOT NULL,
    input_items TEXT NOT NULL,
    events TEXT NOT NULL
);
"""
_COLUMNS = "id, created_at, previous_response_id, background, body, input_items, events"


def _dumps(value: Any) -> str:
    """Compact JSON, ASCII only: a lone surrogate in a user's text is kept as its escape."""
    return json.dumps(value, separators=(",", ":"))


def _text(data: bytes) -> str | bytes:
    """UTF-8 bytes as text (what ``json_extract`` reads); anything else kept as a BLOB."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


class SQLiteResponseStore:
    def __init__(self, path: Path, cap: int) -> None:
        if cap < 1:
            raise ValueError(f"store cap must be at least 1, got {cap}")
        self.cap = cap
        self.path = path
        self._file = SQLiteFile(path, _SCHEMA)

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        with self._file.lock:
            return int(self._file.db.execute("SELECT count(*) FROM responses").fetchone()[0])

    def add(self, record: StoredResponse) -> None:
        body, events = record.body, record.events
        echoed = _json_or_none(body) if b'"mcp"' in body else None  # (a look before a parse)
        if body_secrets(echoed):  # an MCP tool's credentials, echoed: never written to the file
            body = scrub_body_secrets(body, echoed)
            events = tuple(scrub_body_secrets(event, echoed) for event in events)
        row = (
            record.id,
            record.created_at,
            record.previous_response_id,
            int(record.background),
            _text(body),
            _dumps(list(record.input_items())),
            _dumps([event.decode(errors="surrogateescape") for event in events]),
        )
        with self._file.lock, self._file.write() as db:
            db.execute("DELETE FROM responses WHERE id = ?", (record.id,))
            db.execute(f"INSERT INTO responses ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            excess = db.execute("SELECT count(*) FROM responses").fetchone()[0] - self.cap
            if excess > 0:
                db.execute(
                    "DELETE FROM responses WHERE seq IN (SELECT seq FROM responses ORDER BY seq LIMIT ?)", (excess,)
                )

    def get(self, response_id: str) -> StoredResponse | None:
        with self._file.lock:
            row = self._file.db.execute(f"SELECT {_COLUMNS} FROM responses WHERE id = ?", (response_id,)).fetchone()
        return None if row is None else _record(row)

    def with_prefix(self, prefix: str) -> list[StoredResponse]:
        query = f"SELECT {_COLUMNS} FROM responses WHERE substr(id, 1, ?) = ? ORDER BY seq"
        with self._file.lock:
            rows = self._file.db.execute(query, (len(prefix), prefix)).fetchall()
        return [_record(row) for row in rows]

    def delete(self, response_id: str) -> bool:
        with self._file.lock, self._file.write() as db:
            return db.execute("DELETE FROM responses WHERE id = ?", (response_id,)).rowcount > 0

    def clear(self) -> None:
        with self._file.lock, self._file.write() as db:
            db.execute("DELETE FROM responses")


def _record(row: tuple[Any, ...]) -> StoredResponse:
    response_id, created_at, previous, background, body, items, events = row
    return StoredResponse(
        id=response_id,
        created_at=int(created_at),
        body=_bytes(body),
        input=tuple(json.loads(items)),
        events=tuple(event.encode(errors="surrogateescape") for event in json.loads(events)),
        previous_response_id=previous,
        background=bool(background),
    )
