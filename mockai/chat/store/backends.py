"""Which store a server keeps its completions in: memory, or a SQLite file (``--store-path``)."""

from __future__ import annotations

import logging

from mockai.chat.store.memory import MemoryStore
from mockai.chat.store.records import CompletionStore
from mockai.chat.store.sqlite import SQLiteStore
from mockai.core.config import ServerConfig

__all__ = ["open_store"]

log = logging.getLogger("mockai")


def open_store(config: ServerConfig) -> CompletionStore:
    """A store bounded by ``config.store_cap`` (the oldest evicted), and in memory by
    ``config.store_bytes`` too (a SQLite file is on disk)."""
    if config.store_path is not None:
        return SQLiteStore(config.store_path, config.store_cap)
    if config.workers > 1:
        log.warning(
            "stored completions, stored responses and conversations are kept in memory by each of "
            "the %d worker processes, so a request may not find what another worker stored: use "
            "--store-path to share them",
            config.workers,
        )
    return MemoryStore(config.store_cap, config.store_bytes)
