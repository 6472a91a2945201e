"""The ``/v1/conversations`` family over HTTP (:mod:`mockai.responses.conversations` keeps them).

* ``POST /v1/conversations`` ``{metadata?, items?, safety_identifier?}``: a new conversation (up to
  20 items; the safety identifier is checked, not shown);
* ``GET`` / ``POST {metadata}`` / ``DELETE /v1/conversations/{id}``: the conversation, its
  metadata replaced, or ``{"id", "object": "conversation.deleted", "deleted": true}``;
* ``POST /v1/conversations/{id}/items`` ``{items}`` (up to 20): the items added, as a list;
* ``GET /v1/conversations/{id}/items`` (``limit``, ``order`` (``desc`` by default), ``after``): a
  cursor page of its items;
* ``GET`` / ``DELETE /v1/conversations/{id}/items/{item_id}``: the item, or the conversation
  without it.

Items and metadata are checked as ``POST /v1/responses`` checks its ``input`` and ``metadata``,
with their errors (at ``items[N]...`` here); any other parameter is the real ``Unknown parameter``
400.  Bodies are laid out as the Responses API's (2-space indent, no trailing newline).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError, json_type_words, request_object
from mockai.core.json_text import dumps_indented
from mockai.http.auth import check_auth
from mockai.http.cursor_lists import bad_cursor, cursor_page, limit_param, order_param, page_by_id
from mockai.http.headers import success_headers
from mockai.http.request_body import READ_IN_A_THREAD, read_json_body
from mockai.http.responses import request_id_of
from mockai.responses.conversations import ConversationStore, conversation_item_not_found
from mockai.responses.store.history import resolve_references
from mockai.responses.store.records import ResponseStore
from mockai.responses.surface import reword
from mockai.responses.validation import validate_responses_request

__all__ = ["ConversationAccess", "ConversationRoutes"]

_MAX_ITEMS = 20  # items added at a time (spec: "You may add up to 20 items at a time.")
# (A body over READ_IN_A_THREAD is checked, kept and answered in a worker thread, as /v1/responses
# reads one: an audit measured 20 items of 45,000 parts, 33 MB, holding every other request 2.4 s
# to create and 6.5 s to add.)
_CREATE = frozenset({"metadata", "items", "safety_identifier"})  # (safety_identifier: SDK 3.60)
_UPDATE = frozenset({"metadata"})
_ADD = frozenset({"items"})


class ConversationAccess(Protocol):
    """What the routes need of the server answering a request."""

    @property
    def config(self) -> ServerConfig: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def responses(self) -> ResponseStore: ...


class ConversationRoutes:
    """The handlers; ``access(request)`` gives the server state answering that request."""

    def __init__(self, access: Callable[[web.Request], ConversationAccess]) -> None:
        self.access = access

    def add_to(self, router: web.UrlDispatcher) -> None:
        add = router.add_route
        add("POST", "/v1/conversations", _in_responses_words(self.create))
        add("GET", "/v1/conversations/{conversation_id}", _in_responses_words(self.retrieve))
        add("POST", "/v1/conversations/{conversation_id}", _in_responses_words(self.update))
        add("DELETE", "/v1/conversations/{conversation_id}", _in_responses_words(self.delete))
        add("POST", "/v1/conversations/{conversation_id}/items", _in_responses_words(self.add_items))
        add("GET", "/v1/conversations/{conversation_id}/items", _in_responses_words(self.list_items))
        item = "/v1/conversations/{conversation_id}/items/{item_id}"
        add("GET", item, _in_responses_words(self.retrieve_item))
        add("DELETE", item, _in_responses_words(self.delete_item))

    def _store(self, request: web.Request) -> ConversationStore:
        state = self.access(request)
        check_auth(request, state.config.api_key)
        return state.conversations

    async def _body(self, request: web.Request, known: frozenset[str]) -> tuple[dict[str, Any], bool]:
        """The body's members, and whether it is large (the work on it is then done in a thread)."""
        state = self.access(request)
        raw, parsed = await read_json_body(request, state.config.max_body_bytes)
        return request_object(parsed, known), len(raw) > READ_IN_A_THREAD

    async def create(self, request: web.Request) -> web.Response:
        store = self._store(request)
        responses = self.access(request).responses
        body, large = await self._body(request, _CREATE)

        def made() -> bytes:
            metadata = _metadata(body.get("metadata"))
            _safety_identifier(body.get("safety_identifier"))
            items = _items(body.get("items"), responses, required=False)
            return _text(store.create(metadata, items).resource())

        return _answer(request, await asyncio.to_thread(made) if large else made())

    async def retrieve(self, request: web.Request) -> web.Response:
        store = self._store(request)
        return _json(request, store.get(request.match_info["conversation_id"]).resource())

    async def update(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation_id = request.match_info["conversation_id"]
        store.get(conversation_id)  # (an unknown conversation first, as a missing one is)
        body, _ = await self._body(request, _UPDATE)
        if "metadata" not in body:
            raise APIError.missing_required("metadata")
        return _json(request, store.update(conversation_id, _metadata(body["metadata"])).resource())

    async def delete(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation_id = request.match_info["conversation_id"]
        store.delete(conversation_id)
        return _json(request, {"id": conversation_id, "object": "conversation.deleted", "deleted": True})

    async def add_items(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation_id = request.match_info["conversation_id"]
        store.get(conversation_id)
        responses = self.access(request).responses
        body, large = await self._body(request, _ADD)

        def added() -> bytes:
            items = _items(body.get("items"), responses, required=True)
            return _text(cursor_page(store.add_items(conversation_id, items), False))

        return _answer(request, await asyncio.to_thread(added) if large else added())

    async def list_items(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation_id = request.match_info["conversation_id"]
        query = request.query
        order, limit, after = order_param(query, "desc"), limit_param(query), query.get("after") or None

        def listed() -> bytes:
            try:
                page, has_more = page_by_id(store.items(conversation_id), order, limit, after=after)
            except KeyError:
                raise bad_cursor("after", f"conversation '{conversation_id}' has no item with id '{after}'") from None
            return _text(cursor_page(page, has_more))

        return _answer(request, await _off_the_loop_if_heavy(store, conversation_id, listed))

    async def retrieve_item(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation_id, item_id = request.match_info["conversation_id"], request.match_info["item_id"]

        def found() -> bytes:
            for item in store.items(conversation_id):
                if item.get("id") == item_id:
                    return _text(item)
            raise conversation_item_not_found(item_id)

        return _answer(request, await _off_the_loop_if_heavy(store, conversation_id, found))

    async def delete_item(self, request: web.Request) -> web.Response:
        store = self._store(request)
        conversation = store.delete_item(request.match_info["conversation_id"], request.match_info["item_id"])
        return _json(request, conversation.resource())


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _in_responses_words(handler: Handler) -> Handler:
    """``handler``, its errors laid out as /v1/responses lays them out (2-space indent, nothing
    escaped Go's way)."""

    async def answer(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except APIError as error:
            raise reword(error, None) from None

    return answer


def _metadata(value: Any) -> dict[str, str]:
    """``metadata`` as /v1/responses checks it (null: none)."""
    if value is None:
        return {}
    checked = validate_responses_request({"model": "gpt-4o", "input": "", "metadata": value})
    metadata: dict[str, str] = checked["metadata"]
    return metadata


def _safety_identifier(value: Any) -> None:
    """``safety_identifier`` as /v1/responses checks it; a conversation does not show it."""
    if value is not None:
        validate_responses_request({"model": "gpt-4o", "input": "", "safety_identifier": value})


def _items(value: Any, responses: ResponseStore, *, required: bool) -> list[dict[str, Any]]:
    """``items`` as /v1/responses checks its ``input`` items (at ``items`` here), at most 20, each
    ``item_reference`` replaced by the stored item it names (an unknown one: the real 404), as
    /v1/responses reads them: a conversation keeps items, never references."""
    if value is None:
        if required:
            raise APIError.missing_required("items")
        return []
    if isinstance(value, list) and len(value) > _MAX_ITEMS:
        raise APIError(
            400,
            f"Invalid 'items': array too long. Expected an array with maximum length {_MAX_ITEMS}, but got an "
            f"array with length {len(value)} instead.",
            param="items",
            code="array_above_max_length",
        )
    if value == [] and required:  # (nothing to add: the SDK's item list has no first_id to read)
        raise APIError(
            400,
            "Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param="items",
            code="empty_array",
        )
    if not isinstance(value, list):
        raise APIError.invalid_type("items", "an array of input items", json_type_words(value))
    try:
        validate_responses_request({"model": "gpt-4o", "input": value})
    except APIError as error:
        raise _at_items(error) from None
    resolved: list[dict[str, Any]] = resolve_references(responses, value)
    return resolved


def _at_items(error: APIError) -> APIError:
    param = error.param
    if param is None or not param.startswith("input"):
        return error
    renamed = "items" + param.removeprefix("input")
    message = error.message.replace(f"'{param}'", f"'{renamed}'")
    return APIError(error.status, message, type=error.type, param=renamed, code=error.code)


def _json(request: web.Request, payload: dict[str, Any]) -> web.Response:
    return _answer(request, _text(payload))


async def _off_the_loop_if_heavy(store: ConversationStore, conversation_id: str, work: Callable[[], bytes]) -> bytes:
    """``work()`` on the conversation, in a worker thread if the conversation holds much (reading
    and laying out a page of huge items held every other request 0.22 s)."""
    if store.weight(conversation_id) > READ_IN_A_THREAD:
        return await asyncio.to_thread(work)
    return work()


def _text(payload: dict[str, Any]) -> bytes:
    return dumps_indented(payload).encode()


def _answer(request: web.Request, body: bytes) -> web.Response:
    headers = success_headers(request_id_of(request), 9, 0, responses=True)
    return web.Response(status=200, body=body, headers=headers)
