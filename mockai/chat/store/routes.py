"""Stored completions: ``store: true`` on create, and the ``/v1/chat/completions/{id}`` family.

* ``attach(state)`` opens the per-server store (:class:`~mockai.chat.store.memory.MemoryStore`, or
  :class:`~mockai.chat.store.sqlite.SQLiteStore` with ``config.store_path``), bounded by
  ``config.store_cap`` with the oldest evicted, and keeps every reply to a ``store: true``
  request *before* it is delivered (a ``reply_hooks`` hook), streamed or not.
* ``routes(app)``: list, retrieve, update (metadata only), delete, and list messages.

Repeated requests: seeded answers are deterministic, so the same ``store: true`` request sent twice
would get the same id.  The real API stores two completions, so the second is stored (and
answered) under a fresh id, :func:`~mockai.chat.store.records.derived_id` of the first: the nth copy
has the same id in every run.  Requests without ``store: true`` are untouched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from mockai.chat.store.memory import MemoryStore
from mockai.chat.store.records import CompletionStore, ListQuery, UnknownCursor, record_for
from mockai.chat.store.sqlite import SQLiteStore
from mockai.chat.validation import validate_chat_request
from mockai.core.errors import APIError
from mockai.core.plan import PlannedReply, Reply
from mockai.server.app import STATE, RequestContext, check_auth, json_response, read_json_body

if TYPE_CHECKING:
    from multidict import MultiMapping

    from mockai.server.app import ServerState

__all__ = ["attach", "routes", "store_of"]

log = logging.getLogger("mockai")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_METADATA_FILTER = re.compile(r"metadata\[(.+)\]")


def attach(state: ServerState) -> None:
    config = state.config
    store: CompletionStore
    if config.store_path is not None:
        store = SQLiteStore(config.store_path, config.store_cap)
    else:
        store = MemoryStore(config.store_cap)
        if config.workers > 1:
            log.warning(
                "stored completions are kept in memory by each of the %d worker processes, so a "
                "request may not find what another worker stored: use --store-path to share them",
                config.workers,
            )
    state.extensions["store"] = store
    state.reply_hooks.append(partial(keep_stored, store))
    state.reset_hooks.append(store.clear)


def store_of(state: ServerState) -> CompletionStore:
    """The server's store of completions (for tests and other features)."""
    store: CompletionStore = state.extensions["store"]
    return store


def keep_stored(store: CompletionStore, ctx: RequestContext, reply: Reply) -> Reply:
    """Keep the reply to a ``store: true`` request; return it, with its id made unique if needed."""
    if ctx.body.get("store") is not True:
        return reply
    record = record_for(ctx.method, ctx.path, ctx.raw, ctx.body, reply)
    if record is None:  # an error, or recorded bytes that are not a completion
        return reply
    # Recorded replies (cassettes) are replayed byte for byte, so their id cannot change:
    # a repeat replaces the earlier copy instead.
    kept = store.add(record, fresh_id=isinstance(reply, PlannedReply))
    if isinstance(reply, PlannedReply) and kept.id != reply.plan.id:
        return replace(reply, plan=replace(reply.plan, id=kept.id))
    return reply


def routes(app: web.Application) -> None:
    app.router.add_get("/v1/chat/completions", list_completions)
    app.router.add_get("/v1/chat/completions/{completion_id}", get_completion)
    app.router.add_post("/v1/chat/completions/{completion_id}", update_completion)
    app.router.add_delete("/v1/chat/completions/{completion_id}", delete_completion)
    app.router.add_get("/v1/chat/completions/{completion_id}/messages", list_messages)


# --- handlers ----------------------------------------------------------------------------------


def _authorized_store(request: web.Request) -> CompletionStore:
    state = request.app[STATE]
    check_auth(request, state.config)
    return store_of(state)


def not_found(completion_id: str) -> APIError:
    return APIError(404, f"No chat completion found with id '{completion_id}'.", auth_layer=True)


async def list_completions(request: web.Request) -> web.Response:
    store = _authorized_store(request)
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


async def get_completion(request: web.Request) -> web.Response:
    store = _authorized_store(request)
    completion_id = request.match_info["completion_id"]
    record = store.get(completion_id)
    if record is None:
        raise not_found(completion_id)
    return json_response(record.to_dict(), request)


async def update_completion(request: web.Request) -> web.Response:
    store = _authorized_store(request)
    completion_id = request.match_info["completion_id"]
    _, body = await read_json_body(request, request.app[STATE].config)
    if not isinstance(body, dict):
        raise APIError.invalid_json()
    for key in body:
        if key != "metadata":  # "the only supported modification is to update the metadata field"
            raise APIError.unknown_parameter(str(key))
    if "metadata" not in body:
        raise APIError.missing_required("metadata")
    metadata = body["metadata"]
    _check_metadata(metadata)
    record = store.set_metadata(completion_id, dict(metadata or {}))
    if record is None:
        raise not_found(completion_id)
    return json_response(record.to_dict(), request)


async def delete_completion(request: web.Request) -> web.Response:
    store = _authorized_store(request)
    completion_id = request.match_info["completion_id"]
    if not store.delete(completion_id):
        raise not_found(completion_id)
    return json_response({"object": "chat.completion.deleted", "id": completion_id, "deleted": True}, request)


async def list_messages(request: web.Request) -> web.Response:
    store = _authorized_store(request)
    completion_id = request.match_info["completion_id"]
    query = request.query
    limit, order, after = _limit(query), _order(query), query.get("after") or None
    record = store.get(completion_id)
    if record is None:
        raise not_found(completion_id)
    messages = record.messages
    if after is None:
        rest = messages if order == "asc" else messages[::-1]
    else:
        ids = [m["id"] for m in messages]
        if after not in ids:
            raise _bad_after(f"chat completion '{completion_id}' has no message with id '{after}'")
        at = ids.index(after)
        rest = messages[at + 1 :] if order == "asc" else messages[:at][::-1]
    return json_response(_list(rest[:limit], len(rest) > limit), request)


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


def _check_metadata(metadata: Any) -> None:
    """Metadata on update obeys the same rules, with the same errors, as metadata on create."""
    probe = {"model": "-", "messages": [{"role": "user", "content": "-"}], "metadata": metadata}
    validate_chat_request(probe)


def _bad_after(reason: str) -> APIError:
    return APIError(400, f"Invalid value for 'after': {reason}.", param="after", code="invalid_value")


def _invalid(param: str, what: str, code: str) -> APIError:
    return APIError(400, f"Invalid '{param}': {what}", param=param, code=code)
