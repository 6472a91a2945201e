"""Conversations (``/v1/conversations``): items kept under an id, that a Response continues and adds to.

A conversation has an id (``conv_`` + 8 hex of its ``created_at`` + 24 hex + the 16-hex group that
the Responses made in it share, as the real ids do), a ``created_at``, ``metadata`` and its items,
oldest first.  Items come from ``POST /v1/conversations`` (up to 20), ``POST .../items`` (up to
20), and every Response created with ``conversation``: its input items and then its output items,
added together once the Response is made (the real API adds them atomically).  A Response with
``conversation`` reads its items as the conversation so far, as ``previous_response_id`` reads a
chain.  Unknown ids are the real 404 ``Conversation with id '…' not found.`` (param and code
null).  Deleting a conversation forgets it and its items.

Two stores keep them (:class:`ConversationStore` is what both do): memory
(:class:`MemoryConversationStore`), bounded as the stored responses are (``--store-cap``
conversations, ``--store-bytes`` of items and metadata, the conversation changed longest ago
evicted first), or the SQLite file of ``--store-path``
(:mod:`mockai.responses.store.conversation_sqlite`), which every worker of ``--workers`` shares.
In either, a conversation that alone outgrows ``--store-bytes`` loses its oldest items.  Ids are
drawn from the server's seed and the conversation's number (in the file, its row's): the same run
gives the same ids.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mockai.core.errors import APIError
from mockai.core.json_text import compact_bytes
from mockai.responses.echo import conversation_id_of
from mockai.responses.input_items import input_items

__all__ = [
    "Conversation",
    "ConversationStore",
    "MemoryConversationStore",
    "conversation_group",
    "conversation_id_of",
    "conversation_item_not_found",
    "conversation_not_found",
    "item_size",
    "metadata_size",
    "new_conversation",
    "stored_items",
]

# A conversation's created_at: the day before the earliest a seeded answer says (mockai.chat.planner's
# base, 2025-01-01), so that it is never later than a Response made in it.
_CREATED_BASE = 1_735_689_600 - 86_400


class Conversation:
    """One conversation; its items are changed only through its store (under the store's lock).
    (The SQLite store's conversations carry no items: it reads them from the file when asked.)"""

    __slots__ = ("added", "created_at", "id", "items", "metadata", "size")

    def __init__(self, conversation_id: str, created_at: int, metadata: dict[str, str]) -> None:
        self.id, self.created_at, self.metadata = conversation_id, created_at, metadata
        self.items: list[dict[str, Any]] = []
        self.added = 0  # batches of items added (each batch's ids are drawn from its number)
        self.size = 256

    def resource(self) -> dict[str, Any]:
        """The conversation as the API shows it (``ConversationResource``)."""
        return {"id": self.id, "object": "conversation", "created_at": self.created_at, "metadata": self.metadata}

    @property
    def group(self) -> str:
        return conversation_group(self.id)


def conversation_group(conversation_id: str) -> str:
    """The 16-hex group a conversation's Responses share: its id's last 16 hex."""
    return conversation_id[-16:]


def conversation_not_found(conversation_id: str) -> APIError:
    """The real API's 404 for an unknown conversation (2026 probes; param and code null)."""
    return APIError(404, f"Conversation with id '{conversation_id}' not found.")


def conversation_item_not_found(item_id: str) -> APIError:
    return APIError(404, f"Item with id '{item_id}' not found.")


def new_conversation(seed: int, number: int, metadata: Mapping[str, str]) -> Conversation:
    """The ``number``-th conversation a server with ``seed`` makes (from 1): its id and
    ``created_at`` are drawn from them."""
    digest = hashlib.blake2b(f"{seed}/conversation/{number}".encode(), digest_size=20).hexdigest()
    created_at = _CREATED_BASE + int(digest[:6], 16) % 86_400
    return Conversation(f"conv_{created_at:08x}{digest[:40]}", created_at, dict(metadata))


def stored_items(conversation: Conversation, batch: int, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``items`` as the ``batch``-th batch added to ``conversation`` keeps them: with their ids,
    drawn from the conversation and the batch's number."""
    owner = f"resp_{conversation.group}00{conversation.created_at:08x}/{conversation.id}/{batch}"
    return list(input_items(list(items), owner))


class ConversationStore(Protocol):
    """What keeps a server's conversations.  Every method given an id that is not kept raises the
    real 404 (:func:`conversation_not_found`) but :meth:`add_turn`, which adds nothing then, and
    :meth:`weight`, which says 0."""

    def create(self, metadata: dict[str, str], items: Sequence[Mapping[str, Any]]) -> Conversation: ...

    def get(self, conversation_id: str) -> Conversation: ...

    def items(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's items, oldest first."""
        ...

    def update(self, conversation_id: str, metadata: dict[str, str]) -> Conversation: ...

    def delete(self, conversation_id: str) -> None: ...

    def add_items(self, conversation_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add ``items`` (made into stored items with ids) at the end; the items added."""
        ...

    def add_turn(self, conversation_id: str, given: Sequence[dict[str, Any]], made: Sequence[dict[str, Any]]) -> None:
        """A Response's input items (already with their ids) and output items, added together."""
        ...

    def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        """Forget one item (the item's 404 if the conversation has none with that id)."""
        ...

    def weight(self, conversation_id: str) -> int:
        """About how many bytes continuing the conversation reads (0: no such conversation)."""
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


class MemoryConversationStore:
    """The conversations of one server in its memory, bounded by count and by the bytes of their
    items."""

    def __init__(self, seed: int, cap: int, max_bytes: int) -> None:
        self._seed = seed
        self.cap, self.max_bytes = max(cap, 1), max_bytes
        self._kept: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()
        self._made = 0
        self.bytes = 0

    def create(self, metadata: dict[str, str], items: Sequence[Mapping[str, Any]]) -> Conversation:
        with self._lock:
            self._made += 1
            conversation = new_conversation(self._seed, self._made, metadata)
            self._kept[conversation.id] = conversation
            self._charge(conversation, metadata_size(conversation.metadata))
            self._add(conversation, items)
            return conversation

    def get(self, conversation_id: str) -> Conversation:
        """The conversation, or the real 404."""
        with self._lock:
            found = self._kept.get(conversation_id)
        if found is None:
            raise conversation_not_found(conversation_id)
        return found

    def items(self, conversation_id: str) -> list[dict[str, Any]]:
        """A copy of the conversation's item list, oldest first (the items themselves are never
        changed once added)."""
        conversation = self.get(conversation_id)
        with self._lock:
            return list(conversation.items)

    def update(self, conversation_id: str, metadata: dict[str, str]) -> Conversation:
        conversation = self.get(conversation_id)
        with self._lock:
            before = metadata_size(conversation.metadata)
            conversation.metadata = dict(metadata)
            self._charge(conversation, metadata_size(conversation.metadata) - before)
        return conversation

    def delete(self, conversation_id: str) -> None:
        with self._lock:
            conversation = self._kept.pop(conversation_id, None)
            if conversation is not None:
                self.bytes -= conversation.size
        if conversation is None:
            raise conversation_not_found(conversation_id)

    def add_items(self, conversation_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        conversation = self.get(conversation_id)
        with self._lock:
            return self._add(conversation, items)

    def add_turn(self, conversation_id: str, given: Sequence[dict[str, Any]], made: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            conversation = self._kept.get(conversation_id)
            if conversation is not None:  # (deleted meanwhile: nothing to add to)
                self._append(conversation, [*given, *made])

    def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        conversation = self.get(conversation_id)
        with self._lock:
            for index, item in enumerate(conversation.items):
                if item.get("id") == item_id:
                    del conversation.items[index]
                    self._charge(conversation, -item_size(item))
                    return conversation
        raise conversation_item_not_found(item_id)

    def weight(self, conversation_id: str) -> int:
        with self._lock:
            found = self._kept.get(conversation_id)
        return 0 if found is None else found.size

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.bytes = 0

    def close(self) -> None:
        """(Nothing to close in memory.)"""

    def _add(self, conversation: Conversation, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        conversation.added += 1
        stored = stored_items(conversation, conversation.added, items)
        self._append(conversation, stored)
        return stored

    def _append(self, conversation: Conversation, items: list[dict[str, Any]]) -> None:
        conversation.items.extend(items)
        self._charge(conversation, sum(map(item_size, items)))

    def _charge(self, conversation: Conversation, size: int) -> None:
        """Count ``size`` more bytes for ``conversation`` (the newest now), and keep the store
        within its bounds: the oldest conversations go first; a conversation that alone is over
        the budget loses its oldest items (the newest batch is always kept)."""
        conversation.size += size
        self.bytes += size
        kept = self._kept
        if conversation.id in kept:
            kept.move_to_end(conversation.id)
        while len(kept) > self.cap or (self.bytes > self.max_bytes and len(kept) > 1):
            _, oldest = kept.popitem(last=False)
            self.bytes -= oldest.size
        items = conversation.items
        dropped = 0
        while self.bytes > self.max_bytes and len(items) - dropped > 1:
            lost = item_size(items[dropped])
            conversation.size -= lost
            self.bytes -= lost
            dropped += 1
        if dropped:
            del items[:dropped]


def item_size(item: Mapping[str, Any]) -> int:
    """An item's bytes in memory, estimated on the high side from its JSON's length."""
    return 4 * len(compact_bytes(item)) + 64  # (json's text where orjson refuses: an integer past 64 bits)


def metadata_size(metadata: Mapping[str, str]) -> int:
    """Metadata's bytes in memory, estimated on the high side."""
    return sum(2 * (len(key) + len(value)) + 120 for key, value in metadata.items())
