"""Which stores a server keeps its responses and conversations in: memory, or the SQLite file of
``--store-path`` (the same file as stored chat completions, in tables of their own)."""

from __future__ import annotations

from mockai.core.config import ServerConfig
from mockai.responses.conversations import ConversationStore, MemoryConversationStore
from mockai.responses.store.conversation_sqlite import SQLiteConversationStore
from mockai.responses.store.memory import MemoryResponseStore
from mockai.responses.store.records import ResponseStore
from mockai.responses.store.sqlite import SQLiteResponseStore

__all__ = ["open_conversation_store", "open_response_store"]


def open_response_store(config: ServerConfig) -> ResponseStore:
    """A store bounded by ``config.store_cap`` (the oldest evicted), and in memory by
    ``config.store_bytes`` too (a SQLite file is on disk)."""
    if config.store_path is not None:
        return SQLiteResponseStore(config.store_path, config.store_cap)
    return MemoryResponseStore(config.store_cap, config.store_bytes)


def open_conversation_store(config: ServerConfig) -> ConversationStore:
    """Conversations bounded by ``config.store_cap``; a conversation by ``config.store_bytes``
    (in memory, all of them together)."""
    if config.store_path is not None:
        return SQLiteConversationStore(config.store_path, config.seed, config.store_cap, config.store_bytes)
    return MemoryConversationStore(config.seed, config.store_cap, config.store_bytes)
