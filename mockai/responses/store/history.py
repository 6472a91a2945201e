"""A ``previous_response_id`` chain as one conversation: what the new request continues from."""

from __future__ import annotations

from typing import Any

from mockai.responses.store.records import ResponseStore, StoredResponse, previous_response_not_found

__all__ = ["conversation_items", "response_chain"]


def response_chain(store: ResponseStore, response_id: str) -> list[StoredResponse]:
    """The stored responses from the first of the chain to ``response_id``, oldest first.

    Raises the real API's 400 (``previous_response_not_found``) naming the first id of the chain
    that is not stored (deleted, evicted, created with ``store: false``, or never made).
    """
    chain: list[StoredResponse] = []
    seen: set[str] = set()
    wanted: str | None = response_id
    while wanted is not None and wanted not in seen:  # ids are unique, but never loop on a bad store
        record = store.get(wanted)
        if record is None:
            raise previous_response_not_found(wanted)
        seen.add(wanted)
        chain.append(record)
        wanted = record.previous_response_id
    chain.reverse()
    return chain


def conversation_items(store: ResponseStore, response_id: str) -> list[dict[str, Any]]:
    """Every item of the chain ending at ``response_id``, oldest first: each response's input
    items, then its output items."""
    items: list[dict[str, Any]] = []
    for record in response_chain(store, response_id):
        items.extend(record.input_items)
        items.extend(record.output_items())
    return items
