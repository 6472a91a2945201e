"""Stored completions over HTTP: ``store: true`` on create, and the ``/v1/chat/completions/{id}``
family (list, retrieve, update metadata, delete, list messages).

The server keeps every reply to a ``store: true`` request with :func:`keep_stored` *before* it is
delivered, streamed or not, so it can be retrieved before the first byte is sent.

Repeated requests: seeded answers are deterministic, so the same ``store: true`` request sent twice
would get the same id.  The real API stores two completions, so the second is stored (and
answered) under a fresh id, :func:`~mockai.chat.store.records.derived_id` of the first: the nth copy
has the same id in every run.  That id is decided once, when the plan is made
(``RequestContext.assign_id``, from :meth:`CompletionStore.id_for`).  Requests without
``store: true`` are untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from mockai.chat.store.records import CompletionStore, ListQuery, StoredCompletion, UnknownCursor, record_for
from mockai.chat.validation import validate_metadata
from mockai.core.config import ServerConfig
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import Reply
from mockai.http.auth import check_auth
from mockai.http.cursor_lists import bad_cursor, cursor_page, invalid_param, limit_param, order_param, page_by_id
from mockai.http.request_body import read_json_body
from mockai.http.responses import json_response

if TYPE_CHECKING:
    from multidict import MultiMapping

__all__ = ["StoreAccess", "StoredCompletionRoutes", "keep_stored"]

_METADATA_FILTER = re.compile(r"metadata\[(.+)\]")


class StoreAccess(Protocol):
    """What the routes need of the server answering a request: its settings and its store."""

    @property
    def config(self) -> ServerConfig: ...

    @property
    def store(self) -> CompletionStore: ...


def keep_stored(store: CompletionStore, ctx: RequestContext, reply: Reply) -> None:
    """Keep the reply to a ``store: true`` request (an error, or recorded bytes that are not a
    completion, keep nothing)."""
    if ctx.body.get("store") is not True:
        return
    record = record_for(ctx.method, ctx.path, ctx.raw, ctx.body, reply)
    if record is None:
        return
    # A planned reply's id was made free when it was planned; recorded replies (cassettes) are
    # replayed byte for byte, so their id cannot change: a repeat replaces the earlier copy.
    store.add(record, fresh_id=False)


class StoredCompletionRoutes:
    """The handlers; ``access(request)`` gives the server state answering that request."""

    def __init__(self, access: Callable[[web.Request], StoreAccess]) -> None:
        self.access = access

    def add_to(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/chat/completions", self.list_completions)
        router.add_get("/v1/chat/completions/{completion_id}", self.get_completion)
        router.add_post("/v1/chat/completions/{completion_id}", self.update_completion)
        router.add_delete("/v1/chat/completions/{completion_id}", self.delete_completion)
        router.add_get("/v1/chat/completions/{completion_id}/messages", self.list_messages)

    def _store(self, request: web.Request) -> CompletionStore:
        state = self.access(request)
        check_auth(request, state.config.api_key)
        return state.store

    async def list_completions(self, request: web.Request) -> web.Response:
        store = self._store(request)
        query = request.query
        wanted = ListQuery(
            after=query.get("after") or None,
            limit=limit_param(query),
            order=order_param(query, "asc"),
            model=query.get("model") or None,
            metadata=_metadata_filter(query),
        )
        try:
            page = store.page(wanted)
        except UnknownCursor:
            raise _bad_after(f"there is no stored chat completion with id '{wanted.after}'") from None
        return json_response(cursor_page([r.to_dict() for r in page.items], page.has_more), request)

    async def get_completion(self, request: web.Request) -> web.Response:
        store = self._store(request)
        completion_id = request.match_info["completion_id"]
        return json_response(_found(store.get(completion_id), completion_id).to_dict(), request)

    async def update_completion(self, request: web.Request) -> web.Response:
        store = self._store(request)
        completion_id = request.match_info["completion_id"]
        _, body = await read_json_body(request, self.access(request).config.max_body_bytes)
        if not isinstance(body, dict):
            raise APIError.invalid_json()
        for key in body:
            if key != "metadata":  # "the only supported modification is to update the metadata field"
                raise APIError.unknown_parameter(str(key))
        if "metadata" not in body:
            raise APIError.missing_required("metadata")
        metadata = body["metadata"]
        validate_metadata(metadata)  # the same rules, with the same errors, as on create
        record = _found(store.set_metadata(completion_id, dict(metadata or {})), completion_id)
        return json_response(record.to_dict(), request)

    async def delete_completion(self, request: web.Request) -> web.Response:
        store = self._store(request)
        completion_id = request.match_info["completion_id"]
        if not store.delete(completion_id):
            raise not_found(completion_id)
        return json_response({"object": "chat.completion.deleted", "id": completion_id, "deleted": True}, request)

    async def list_messages(self, request: web.Request) -> web.Response:
        store = self._store(request)
        completion_id = request.match_info["completion_id"]
        query = request.query
        after = query.get("after") or None
        messages = _found(store.get(completion_id), completion_id).messages
        try:
            page, has_more = page_by_id(messages, order_param(query, "asc"), limit_param(query), after=after)
        except KeyError:
            raise _bad_after(f"chat completion '{completion_id}' has no message with id '{after}'") from None
        return json_response(cursor_page(page, has_more), request)


def _found(record: StoredCompletion | None, completion_id: str) -> StoredCompletion:
    if record is None:
        raise not_found(completion_id)
    return record


def not_found(completion_id: str) -> APIError:
    return APIError(404, f"No chat completion found with id '{completion_id}'.", auth_layer=True)


# --- query parameters --------------------------------------------------------------------------


def _metadata_filter(query: MultiMapping[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for key, value in query.items():
        if key == "metadata":
            what = "filter with query parameters of the form metadata[key]=value."
            raise invalid_param("metadata", what, "invalid_value")
        match = _METADATA_FILTER.fullmatch(key)
        if match is not None:
            wanted[match.group(1)] = value
    return wanted


def _bad_after(reason: str) -> APIError:
    return bad_cursor("after", reason)
