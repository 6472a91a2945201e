"""Which store a server keeps its responses in: memory, or the SQLite file of ``--store-path``
(the same file as stored chat completions, in tables of its own)."""

from __future__ import annotations

from mockai.core.config import ServerConfig
from mockai.responses.store.memory import MemoryResponseStore
from mockai.responses.store.records import ResponseStore
from mockai.responses.store.sqlite import SQLiteResponseStore

__all__ = ["open_response_store"]


def open_response_store(config: ServerConfig) -> ResponseStore:
    """A store bounded by ``config.store_cap`` (the oldest evicted), and in memory by
    ``config.store_bytes`` too (a SQLite file is on disk)."""
    if config.store_path is not None:
        return SQLiteResponseStore(config.store_path, config.store_cap)
    return MemoryResponseStore(config.store_cap, config.store_bytes)
