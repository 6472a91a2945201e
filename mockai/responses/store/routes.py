"""Stored responses over HTTP: the ``/v1/responses/{id}`` family (retrieve, replay a background
stream, delete, list input items, cancel).  ``POST /v1/responses`` keeps what it answers in
``ServerState.responses`` (store not false); these routes serve it (conformance/responses §1, §5).

* ``GET /v1/responses/{id}``: the Response exactly as created (the same bytes).  With
  ``?stream=true`` (a background response created with ``stream: true``) the recorded events are
  replayed, from ``sequence_number`` ``starting_after + 1`` on.
* ``DELETE /v1/responses/{id}``: ``{"id", "object": "response.deleted", "deleted": true}``.
* ``GET /v1/responses/{id}/input_items``: the items the response was made from, oldest first in
  ``asc`` order (the default order is ``desc``): the stored items of its ``previous_response_id``
  chain (each earlier response's input, then its output), then its own input.
* ``POST /v1/responses/{id}/cancel``: a background response.  mockai finishes a background
  response before it answers the create, so there is nothing left to stop: cancelling returns the
  final Response, as the real API does for a response that already finished ("cancelling twice is
  idempotent - subsequent calls simply return the final Response object").

Bodies are as the real /v1/responses writes them: JSON with a 2-space indent and no trailing
newline, errors too (``application/json`` without charset).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Protocol

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.core.json_text import dumps_indented
from mockai.http.auth import check_auth
from mockai.http.cursor_lists import bad_cursor, cursor_page, limit_param, order_param, page_by_id
from mockai.http.headers import success_headers
from mockai.http.responses import request_id_of
from mockai.responses.store.history import input_items_of
from mockai.responses.store.records import ResponseStore, StoredResponse, response_not_found

__all__ = ["ResponseStoreAccess", "StoredResponseRoutes"]

# A delta event's obfuscation field (never the first key: "type" is), for include_obfuscation=false.
_OBFUSCATION = re.compile(rb',"obfuscation":"[^"\\]*"')
_RATE_LIMIT_PREFIX = "x-ratelimit-"


class ResponseStoreAccess(Protocol):
    """What the routes need of the server answering a request: its settings and its responses."""

    @property
    def config(self) -> ServerConfig: ...

    @property
    def responses(self) -> ResponseStore: ...


class StoredResponseRoutes:
    """The handlers; ``access(request)`` gives the server state answering that request."""

    def __init__(self, access: Callable[[web.Request], ResponseStoreAccess]) -> None:
        self.access = access

    def add_to(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/responses/{response_id}", self.retrieve)
        router.add_delete("/v1/responses/{response_id}", self.delete)
        router.add_get("/v1/responses/{response_id}/input_items", self.input_items)
        router.add_post("/v1/responses/{response_id}/cancel", self.cancel)

    def _record(self, request: web.Request) -> tuple[ResponseStore, StoredResponse]:
        state = self.access(request)
        check_auth(request, state.config.api_key)
        response_id = request.match_info["response_id"]
        record = state.responses.get(response_id)
        if record is None:
            raise response_not_found(response_id)
        return state.responses, record

    async def retrieve(self, request: web.Request) -> web.StreamResponse:
        _, record = self._record(request)
        query = request.query
        stream = _bool_param(query, "stream")
        starting_after = _int_param(query, "starting_after")
        obfuscated = _bool_param(query, "include_obfuscation", default=True)
        if not stream:
            return _json_bytes(request, record.body)
        if not record.background:
            raise _not_streamable("background")
        if not record.events:
            raise _not_streamable("stream")
        first = 0 if starting_after is None else max(starting_after + 1, 0)
        return await _replay(request, record.events[first:], obfuscated=obfuscated)

    async def delete(self, request: web.Request) -> web.Response:
        store, record = self._record(request)
        store.delete(record.id)
        body = {"id": record.id, "object": "response.deleted", "deleted": True}
        return _json_bytes(request, dumps_indented(body).encode())

    async def input_items(self, request: web.Request) -> web.Response:
        store, record = self._record(request)
        query = request.query
        after, before = query.get("after") or None, query.get("before") or None
        items = input_items_of(store, record)
        try:
            page, has_more = page_by_id(
                items, order_param(query, "desc"), limit_param(query), after=after, before=before
            )
        except KeyError as exc:
            param = str(exc.args[0])
            wanted = after if param == "after" else before
            raise bad_cursor(param, f"response '{record.id}' has no input item with id '{wanted}'") from None
        return _json_bytes(request, dumps_indented(cursor_page(page, has_more)).encode())

    async def cancel(self, request: web.Request) -> web.Response:
        _, record = self._record(request)
        if not record.background:
            raise APIError(400, "Cannot cancel a synchronous response.")
        return _json_bytes(request, record.body)


def _json_bytes(request: web.Request, body: bytes) -> web.Response:
    headers = success_headers(request_id_of(request), 5, 0, responses=True)
    return web.Response(status=200, body=body, headers=headers)


async def _replay(request: web.Request, events: tuple[bytes, ...], *, obfuscated: bool) -> web.StreamResponse:
    """Stored SSE events, as a stream (no rate-limit headers on streams, conformance §8)."""
    headers = success_headers(request_id_of(request), 5, 0, stream=True, responses=True)
    for name in [key for key in headers if key.lower().startswith(_RATE_LIMIT_PREFIX)]:
        headers.popall(name)
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    for event in events:
        await response.write(event if obfuscated else _OBFUSCATION.sub(b"", event))
    await response.write_eof()
    return response


def _not_streamable(missing: str) -> APIError:
    return APIError(
        400,
        f"This response cannot be streamed because it was not created with {missing}=true.",
        param="stream",
    )


def _bool_param(query: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise APIError.invalid_type(name, "a boolean", "a string")


def _int_param(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise APIError.invalid_type(name, "an integer", "a string") from None
