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
from typing import TYPE_CHECKING, Any, Literal, Protocol

from aiohttp import web

from mockai.chat.store.records import CompletionStore, ListQuery, StoredCompletion, UnknownCursor, record_for
from mockai.chat.validation import validate_metadata
from mockai.core.config import ServerConfig
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import Reply
from mockai.http.auth import check_auth
from mockai.http.request_body import read_json_body
from mockai.http.responses import json_response

if TYPE_CHECKING:
    from multidict import MultiMapping

__all__ = ["StoreAccess", "StoredCompletionRoutes", "keep_stored"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
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
            limit=_limit(query),
            order=_order(query),
            model=query.get("model") or None,
            metadata=_metadata_filter(query),
        )
        try:
            page = store.page(wanted)
        except UnknownCursor:
            raise _bad_after(f"there is no stored chat completion with id '{wanted.after}'") from None
        return json_response(_list([r.to_dict() for r in page.items], page.has_more), request)

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
        limit, order, after = _limit(query), _order(query), query.get("after") or None
        messages = _found(store.get(completion_id), completion_id).messages
        if after is None:
            rest = messages if order == "asc" else messages[::-1]
        else:
            ids = [m["id"] for m in messages]
            if after not in ids:
                raise _bad_after(f"chat completion '{completion_id}' has no message with id '{after}'")
            at = ids.index(after)
            rest = messages[at + 1 :] if order == "asc" else messages[:at][::-1]
        return json_response(_list(rest[:limit], len(rest) > limit), request)


def _found(record: StoredCompletion | None, completion_id: str) -> StoredCompletion:
    if record is None:
        raise not_found(completion_id)
    return record


def not_found(completion_id: str) -> APIError:
    return APIError(404, f"No chat completion found with id '{completion_id}'.", auth_layer=True)


# --- query parameters --------------------------------------------------------------------------


def _list(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """The cursor page shape; an empty page has null ids, like the API's other cursor lists."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def _limit(query: MultiMapping[str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        got = "a decimal" if _is_number(raw) else "a string"
        raise APIError.invalid_type("limit", "an integer", got) from None
    if limit < 1 or limit > MAX_LIMIT:
        above = limit > MAX_LIMIT
        raise _invalid(
            "limit",
            f"integer {'above maximum' if above else 'below minimum'} value. Expected a value "
            f"{'<= ' + str(MAX_LIMIT) if above else '>= 1'}, but got {limit} instead.",
            "integer_above_max_value" if above else "integer_below_min_value",
        )
    return limit


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _order(query: MultiMapping[str]) -> Literal["asc", "desc"]:
    order = query.get("order") or "asc"
    if order == "asc":
        return "asc"
    if order == "desc":
        return "desc"
    raise APIError(
        400,
        f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
        param="order",
        code="invalid_value",
    )


def _metadata_filter(query: MultiMapping[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for key, value in query.items():
        if key == "metadata":
            what = "filter with query parameters of the form metadata[key]=value."
            raise _invalid("metadata", what, "invalid_value")
        match = _METADATA_FILTER.fullmatch(key)
        if match is not None:
            wanted[match.group(1)] = value
    return wanted


def _bad_after(reason: str) -> APIError:
    return APIError(400, f"Invalid value for 'after': {reason}.", param="after", code="invalid_value")


def _invalid(param: str, what: str, code: str) -> APIError:
    return APIError(400, f"Invalid '{param}': {what}", param=param, code=code)
