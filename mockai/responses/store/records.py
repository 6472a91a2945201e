"""What a stored response is, and what a store of them offers.

Pure data: no aiohttp, no storage.  :mod:`mockai.responses.store.backends` opens a store (in memory,
or a SQLite file); :mod:`mockai.responses.store.routes` serves what it keeps.

A stored response is the Response exactly as ``POST /v1/responses`` answered it (``GET
/v1/responses/{id}`` returns the same bytes, conformance/responses §5), the request's input (kept
as it was sent, listed as items with their ids by ``GET .../input_items``), and, for a streamed
create, its SSE events (``GET ...?stream=true`` replays them).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Protocol

from mockai.core.errors import APIError
from mockai.core.json_budget import json_cost
from mockai.core.records import record
from mockai.responses.input_items import input_items

__all__ = [
    "ResponseStore",
    "StoredResponse",
    "item_not_found",
    "previous_response_not_found",
    "record_cost",
    "response_not_found",
]


@record
class StoredResponse:
    id: str  # "resp_..."
    created_at: int
    # The final Response JSON exactly as a non-stream create returns it (GET returns these bytes).
    body: bytes
    # This request's ``input`` as it was sent (a string, or a list of items): made into items with
    # their ids ("msg_..." for messages) only when listed or continued (:meth:`input_items`).
    input: Any
    # The SSE events (each b"event: ...\ndata: ...\n\n") when created with stream=true.
    events: tuple[bytes, ...] = ()
    previous_response_id: str | None = None
    background: bool = False

    def input_items(self) -> tuple[dict[str, Any], ...]:
        """The request's input as items, each with its id, as ``GET .../input_items`` lists them."""
        return input_items(self.input, self.id)

    def output_items(self) -> list[dict[str, Any]]:
        """The items of the stored Response's ``output`` (none if the body is not a Response)."""
        try:
            response = json.loads(self.body)
        except ValueError:
            return []
        output = response.get("output") if isinstance(response, dict) else None
        return [item for item in output if isinstance(item, dict)] if isinstance(output, list) else []


class ResponseStore(Protocol):
    """Where stored responses live: in memory (default) or in a SQLite file (``--store-path``).

    Bounded by the server's ``store_cap`` (and, in memory, ``store_bytes``): the oldest are
    evicted, the newest is always kept.  Adding a record whose id is stored replaces it.
    """

    def add(self, record: StoredResponse) -> None: ...

    def get(self, response_id: str) -> StoredResponse | None: ...

    def with_prefix(self, prefix: str) -> list[StoredResponse]:
        """The stored responses whose id starts with ``prefix``, oldest first."""
        ...

    def delete(self, response_id: str) -> bool: ...

    def clear(self) -> None: ...

    def close(self) -> None:
        """Let go of what the store holds open (a SQLite connection); it is not used after."""
        ...

    def __len__(self) -> int: ...


# What an item (a dict and its keys) and a part of its content cost besides their strings, on the
# high side of :func:`~mockai.core.json_budget.json_cost` for the items ``input_items`` makes.
_ITEM, _PART = 1024, 512


def record_cost(record: StoredResponse) -> int:
    """Estimated bytes of memory a stored response holds (its bytes kept whole, items parsed).

    Paid on every stored create, so the input is not walked to the bottom: a constant per item
    and per content part plus the sizes of their strings (anything nested deeper is measured by
    :func:`~mockai.core.json_budget.json_cost`); the items listed later share those strings."""
    events = sum(len(event) + 40 for event in record.events) if record.events else 0
    given = record.input
    if given.__class__ is str:  # (one message item of one part when listed, made then)
        items = _ITEM + _PART + sys.getsizeof(given)
    elif isinstance(given, (list, tuple)):
        items = sum(_item_cost(item) if item.__class__ is dict else json_cost(item) for item in given)
    else:
        items = json_cost(given)
    return 512 + len(record.id) + len(record.body) + events + items


def _item_cost(item: dict[str, Any]) -> int:
    cost = _ITEM
    for key, value in item.items():
        if value.__class__ is str:
            cost += sys.getsizeof(value) + (_PART if key == "content" else 0)  # (listed as one part)
        elif value.__class__ is list:
            cost += 64 + 8 * len(value) + sum(map(_part_cost, value))
        else:
            cost += json_cost(value)
    return cost


def _part_cost(part: Any) -> int:
    if part.__class__ is not dict:
        return json_cost(part)
    cost = _PART
    for value in part.values():
        cost += sys.getsizeof(value) if value.__class__ is str else json_cost(value)
    return cost


def response_not_found(response_id: str) -> APIError:
    """``GET``/``DELETE``/``input_items``/``cancel`` of an id the store does not hold."""
    return APIError(404, f"Response with id '{response_id}' not found.")


def item_not_found(item_id: str) -> APIError:
    """An ``item_reference`` (or an item sent by id alone) naming no stored item: the real API's
    404, as quoted by public reports and test doubles (no recording of it, conformance §5)."""
    return APIError(
        404,
        f"Item with id '{item_id}' not found. Items are not persisted when `store` is set to false. "
        "Try again with `store` set to true, or remove this item from your input.",
        param="input",
    )


def previous_response_not_found(response_id: str) -> APIError:
    """``previous_response_id`` (or an ancestor of it) is not stored: the real API's 400."""
    return APIError(
        400,
        f"Previous response with id '{response_id}' not found.",
        param="previous_response_id",
        code="previous_response_not_found",
    )
