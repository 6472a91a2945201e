"""What a stored response is, and what a store of them offers.

Pure data: no aiohttp, no storage.  :mod:`mockai.responses.store.backends` opens a store (in memory,
or a SQLite file); :mod:`mockai.responses.store.routes` serves what it keeps.

A stored response is the Response exactly as ``POST /v1/responses`` answered it (``GET
/v1/responses/{id}`` returns the same bytes, conformance/responses §5), the request's input as
items with their ids (``GET .../input_items``), and, for a streamed create, its SSE events (``GET
...?stream=true`` replays them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from mockai.core.errors import APIError
from mockai.core.json_budget import json_cost

__all__ = [
    "ResponseStore",
    "StoredResponse",
    "previous_response_not_found",
    "record_cost",
    "response_not_found",
]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    id: str  # "resp_..."
    created_at: int
    # The final Response JSON exactly as a non-stream create returns it (GET returns these bytes).
    body: bytes
    # This request's input as items, each with its id ("msg_..." for messages), as input_items lists them.
    input_items: tuple[dict[str, Any], ...]
    # The SSE events (each b"event: ...\ndata: ...\n\n") when created with stream=true.
    events: tuple[bytes, ...] = ()
    previous_response_id: str | None = None
    background: bool = False

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

    def delete(self, response_id: str) -> bool: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


def record_cost(record: StoredResponse) -> int:
    """Estimated bytes of memory a stored response holds (its bytes kept whole, items parsed)."""
    events = sum(len(event) + 40 for event in record.events)
    return 512 + len(record.id) + len(record.body) + events + json_cost(list(record.input_items))


def response_not_found(response_id: str) -> APIError:
    """``GET``/``DELETE``/``input_items``/``cancel`` of an id the store does not hold."""
    return APIError(404, f"Response with id '{response_id}' not found.")


def previous_response_not_found(response_id: str) -> APIError:
    """``previous_response_id`` (or an ancestor of it) is not stored: the real API's 400."""
    return APIError(
        400,
        f"Previous response with id '{response_id}' not found.",
        param="previous_response_id",
        code="previous_response_not_found",
    )
