"""A ``previous_response_id`` chain as one conversation: what a new request continues from, and
what a stored response was made from (its ``input_items``); and the stored items an input's
``item_reference`` items name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mockai.responses.store.records import ResponseStore, StoredResponse, item_not_found, previous_response_not_found

__all__ = [
    "chain_weight",
    "conversation_items",
    "input_items_of",
    "resolve_references",
    "response_chain",
    "stored_item",
]


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


def chain_weight(store: ResponseStore, response_id: str) -> int:
    """About how many bytes of stored JSON continuing ``response_id`` reads (its chain's bodies
    and inputs, an input item counted as 100 bytes): told from one ``get`` per turn, without
    reading any item."""
    weight = 0
    for record in response_chain(store, response_id, strict=False):
        given = record.input
        weight += len(record.body) + (100 * len(given) if isinstance(given, list) else len(str(given)))
    return weight


def _items(chain: Iterable[StoredResponse]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for record in chain:
        items.extend(record.input_items())
        items.extend(record.output_items())
    return items


def conversation_items(store: ResponseStore, response_id: str) -> list[dict[str, Any]]:
    """Every item of the chain ending at ``response_id``, oldest first: each response's input
    items, then its output items.  ``response_id`` not stored is the real API's 400; an earlier
    turn no longer stored (evicted by the store's bounds, or deleted) starts the conversation after
    it: the client continued a response it can still retrieve, and never named that turn."""
    if store.get(response_id) is None:
        raise previous_response_not_found(response_id)
    return _items(response_chain(store, response_id, strict=False))


def input_items_of(store: ResponseStore, record: StoredResponse) -> list[dict[str, Any]]:
    """The items ``record`` was made from, oldest first: what is still stored of its
    ``previous_response_id`` chain (each response's input, then its output), then its own input."""
    previous = record.previous_response_id
    earlier = response_chain(store, previous, strict=False) if previous is not None else []
    return [*_items(r for r in earlier if r.id != record.id), *record.input_items()]


# An item id of today's shape: a prefix, then the 16-hex group its response's id shares (§2).
_GROUPED_ID = re.compile(r"[a-z]+_([0-9a-f]{16})")


def _is_reference(item: Any) -> bool:
    """An ``item_reference`` item: typed so, or (its type being optional) an id and nothing else."""
    if not isinstance(item, Mapping):
        return False
    kind = item.get("type")
    return kind == "item_reference" or (kind is None and set(item) <= {"id", "type"} and "id" in item)


def resolve_references(store: ResponseStore, given: Any, *, strict: bool = True) -> Any:
    """``given`` (a request's ``input``, or the stored items it continues) with each
    ``item_reference`` replaced by the stored item it names (from a stored response's input or
    output); an id naming none is the real API's 404 when ``strict``, else left as it is (read as
    nothing).  The same object when it holds no reference (the usual case)."""
    if not isinstance(given, list) or not any(map(_is_reference, given)):
        return given
    return [_referenced(store, item, strict) if _is_reference(item) else item for item in given]


def stored_item(store: ResponseStore, item_id: str) -> dict[str, Any]:
    """The stored item with the id ``item_id`` (an input or output item of a stored response); the
    real API's 404 when none is stored."""
    item = _referenced(store, {"id": item_id}, True)
    assert isinstance(item, dict)
    return item


def _referenced(store: ResponseStore, reference: Mapping[str, Any], strict: bool) -> Any:
    """The stored item ``reference`` names: looked for among the responses that share its id's
    group (a response's items share it, and so do the responses continuing it)."""
    item_id = str(reference.get("id"))
    grouped = _GROUPED_ID.match(item_id)
    if grouped is not None:
        for record in reversed(store.with_prefix(f"resp_{grouped.group(1)}")):
            for item in (*record.input_items(), *record.output_items()):
                if item.get("id") == item_id and item.get("type") != "item_reference":
                    return item
    if strict:
        raise item_not_found(item_id)
    return reference
