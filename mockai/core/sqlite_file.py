"""A mockai store file (``--store-path``): one SQLite connection, safe to share between threads
and between processes, holding the tables of every store that uses it.

Within a process the connection is shared under :attr:`SQLiteFile.lock`; between processes
(``--workers``, or a reader while the server runs) the file is in WAL mode and every change is one
``BEGIN IMMEDIATE`` transaction (:meth:`SQLiteFile.write`), so a reader never sees half a write.

One file holds several stores (stored chat completions, stored responses), each opening its own
connection with its own schema: a new file is marked with :data:`SCHEMA_VERSION`
(``PRAGMA user_version``); a file with that mark gets the tables it lacks (every statement is
``CREATE ... IF NOT EXISTS``); any other file is refused, so a database that is not a mockai
store is never written to.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["SCHEMA_VERSION", "SQLiteFile"]

SCHEMA_VERSION = 1


class SQLiteFile:
    """``path`` opened with ``schema`` (statements separated by ``;``) in place; raises
    :class:`ValueError` for a file that cannot be opened or is not a mockai store."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        try:
            self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ValueError(f"cannot open the store file {path}: {exc}") from None
        weakref.finalize(self, self.db.close)
        try:
            self._init_schema(schema)
        except sqlite3.Error as exc:
            self.db.close()
            raise ValueError(f"cannot use {path} as a mockai store: {exc}") from None

    def _init_schema(self, schema: str) -> None:
        db = self.db
        db.execute("PRAGMA busy_timeout = 30000")
        self._refuse_foreign()  # before WAL mode, which changes the file: a foreign one is only read
        db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode, NORMAL survives a crash of the process (not a power cut) and skips an fsync
        # per commit: right for a test server.
        db.execute("PRAGMA synchronous = NORMAL")
        with self.write():
            if self._refuse_foreign():  # again under the write lock: another process may have begun
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in schema.split(";"):
                if statement.strip():
                    db.execute(statement)

    def _refuse_foreign(self) -> bool:
        """Whether the file is new (empty: no mark, no table); raises when it is not a mockai
        store (another mark, or tables without one).  Reads only."""
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if version == 0 and tables == 0:
            return True
        if version != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"it is not a mockai store file (schema version {version}, expected {SCHEMA_VERSION})"
            )
        return False

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: no other connection writes until it ends."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.db.close()
