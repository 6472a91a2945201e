"""A ``previous_response_id`` chain as one conversation: what a new request continues from, and
what a stored response was made from (its ``input_items``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockai.responses.store.records import ResponseStore, StoredResponse, previous_response_not_found

__all__ = ["conversation_items", "input_items_of", "response_chain"]


def response_chain(store: ResponseStore, response_id: str, *, strict: bool = True) -> list[StoredResponse]:
    """The stored responses from the first of the chain to ``response_id``, oldest first.

    ``strict``: a response of the chain that is not stored (deleted, evicted, created with
    ``store: false``, or never made) is the real API's 400 (``previous_response_not_found``, naming
    it); otherwise the chain starts after it.
    """
    chain: list[StoredResponse] = []
    seen: set[str] = set()
    wanted: str | None = response_id
    while wanted is not None and wanted not in seen:  # ids are unique, but never loop on a bad store
        record = store.get(wanted)
        if record is None:
            if strict:
                raise previous_response_not_found(wanted)
            break
        seen.add(wanted)
        chain.append(record)
        wanted = record.previous_response_id
    chain.reverse()
    return chain


def _items(chain: Iterable[StoredResponse]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for record in chain:
        items.extend(record.input_items())
        items.extend(record.output_items())
    return items


def conversation_items(store: ResponseStore, response_id: str) -> list[dict[str, Any]]:
    """Every item of the chain ending at ``response_id``, oldest first: each response's input
    items, then its output items."""
    return _items(response_chain(store, response_id))


def input_items_of(store: ResponseStore, record: StoredResponse) -> list[dict[str, Any]]:
    """The items ``record`` was made from, oldest first: what is still stored of its
    ``previous_response_id`` chain (each response's input, then its output), then its own input."""
    previous = record.previous_response_id
    earlier = response_chain(store, previous, strict=False) if previous is not None else []
    return [*_items(r for r in earlier if r.id != record.id), *record.input_items()]
