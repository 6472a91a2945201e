"""Writing a ``POST /v1/responses`` reply: the plan as a Response (JSON) or its event stream, with
the deliberate faults of a delivery, and kept in the response store unless ``store`` is false.

The chat plan (seeded or scripted) becomes one :class:`~mockai.responses.planner.ResponsePlan`;
the JSON body and the stream are two views of it, and what is stored is the JSON body's bytes
(``GET`` returns them) plus, for a stream, its events.  An id the store already holds (the same
request asked again) moves the response to a fresh id group, as the real API never gives an id
twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from mockai.core.memo import Memo
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, RawReply, ReplyPlan
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error, write_events, write_raw
from mockai.responses.input_items import input_items
from mockai.responses.planner import ResponsePlan, response_plan, with_group
from mockai.responses.render_json import QUEUED, render_response
from mockai.responses.render_sse import error_events, rendered_events
from mockai.responses.store.records import ResponseStore, StoredResponse

__all__ = ["PlannedResponse", "ResponseMemos", "planned_response", "write_response"]


@dataclass(frozen=True, slots=True)
class PlannedResponse:
    """A Response about to be written: its plan and its JSON body (what GET returns too)."""

    plan: ResponsePlan
    payload: bytes
    moved_from: str = ""  # the id group the memoised renderings carry, when this one was moved


def _plan_size(key: int, hit: tuple[ReplyPlan, PlannedResponse]) -> int:
    return 2 * len(hit[1].payload) + 1024


def _events_size(key: tuple[int, int, bool], hit: tuple[ReplyPlan, tuple[bytes, ...]]) -> int:
    return 512 + sum(len(event) + 40 for event in hit[1])


class ResponseMemos:
    """One server's memos of the Responses it just rendered, by the chat plan they come from
    (memoised seeded plans come back as the same object: a load test repeating a request pays
    once; see :mod:`mockai.chat.rendered`)."""

    def __init__(self) -> None:
        self.plans: Memo[int, tuple[ReplyPlan, PlannedResponse]] = Memo(256, 8 << 20, _plan_size)
        self.events: Memo[tuple[int, int, bool], tuple[ReplyPlan, tuple[bytes, ...]]] = Memo(128, 8 << 20, _events_size)


def planned_response(
    reply: PlannedReply, body: Mapping[str, Any], store: ResponseStore, memos: ResponseMemos, seq: int
) -> PlannedResponse:
    """The Response of ``reply`` for ``body``, with an id the store does not hold yet (request
    number ``seq`` picks a fresh group for a repeat)."""
    hit = memos.plans.get(id(reply.plan))
    if hit is not None and hit[0] is reply.plan:
        planned = hit[1]
    else:
        plan = response_plan(reply.plan, body)
        planned = PlannedResponse(plan, render_response(plan))
        memos.plans.put(id(reply.plan), (reply.plan, planned))
    if body.get("store") is False or store.get(planned.plan.id) is None:
        return planned
    original, attempt = planned.plan.group, seq
    plan = planned.plan
    while store.get(plan.id) is not None:
        group = hashlib.blake2b(f"{original}/{attempt}".encode(), digest_size=8).hexdigest()
        plan, attempt = with_group(planned.plan, group), attempt + 1
    return PlannedResponse(plan, _moved(planned.payload, original, plan.group), original)


def _moved(rendered: bytes, old: str, new: str) -> bytes:
    """Rendered bytes with every id moved from group ``old`` to ``new`` (16 hex: no other text
    of a Response holds them)."""
    return rendered.replace(old.encode(), new.encode())


async def write_response(
    request: web.Request,
    reply: PlannedReply | ErrorReply | RawReply,
    body: Mapping[str, Any],
    req_id: str,
    tokens_per_chunk: int,
    store: ResponseStore,
    planned: PlannedResponse | None,
    memos: ResponseMemos,
) -> web.StreamResponse:
    """Write ``reply``; ``planned``: its Response (:func:`planned_response`), for a planned reply."""
    delivery = reply.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:
        await before_first_byte(request, delivery)
    if isinstance(reply, ErrorReply):
        return write_error(reply, req_id)
    if isinstance(reply, RawReply):
        return await write_raw(request, reply)
    assert planned is not None, "a planned reply is written with its Response"
    plan, payload = planned.plan, planned.payload
    if body.get("stream"):
        size = delivery.tokens_per_chunk if delivery.tokens_per_chunk > 1 else tokens_per_chunk
        obfuscate = (body.get("stream_options") or {}).get("include_obfuscation") is not False
        events = _events(reply, planned, size, obfuscate, memos)
        _keep(store, plan, body, payload, events)
        return await _deliver_stream(request, plan, events, delivery, req_id)
    _keep(store, plan, body, payload, ())
    if body.get("background"):  # answered at once, queued; what is stored is the finished response
        payload = render_response(plan, QUEUED)
    headers = success_headers(req_id, 7 + plan.usage.completion_tokens % 200, plan.usage.total_tokens)
    headers.update(delivery.headers)
    return web.Response(status=200, body=faulted_body(payload, delivery.fault), headers=headers)


def _events(
    reply: PlannedReply, planned: PlannedResponse, size: int, obfuscate: bool, memos: ResponseMemos
) -> tuple[bytes, ...]:
    key = (id(reply.plan), size, obfuscate)
    hit = memos.events.get(key)
    if hit is not None and hit[0] is reply.plan:
        events = hit[1]
    else:
        original = planned.plan if not planned.moved_from else with_group(planned.plan, planned.moved_from)
        events = rendered_events(original, tokens_per_chunk=size, obfuscate=obfuscate)
        memos.events.put(key, (reply.plan, events))
    if planned.moved_from:
        return tuple(_moved(event, planned.moved_from, planned.plan.group) for event in events)
    return events


def _keep(
    store: ResponseStore, plan: ResponsePlan, body: Mapping[str, Any], payload: bytes, events: tuple[bytes, ...]
) -> None:
    if body.get("store") is False:
        return
    previous = body.get("previous_response_id")
    record = StoredResponse(
        id=plan.id,
        created_at=plan.created_at,
        body=payload,
        input_items=input_items(body, plan.id),
        events=events,
        previous_response_id=previous if isinstance(previous, str) else None,
        background=bool(body.get("background")),
    )
    store.add(record)


async def _deliver_stream(
    request: web.Request, plan: ResponsePlan, events: tuple[bytes, ...], delivery: Delivery, req_id: str
) -> web.StreamResponse:
    headers = success_headers(req_id, 7 + len(events) % 200, plan.usage.total_tokens, stream=True)
    headers.update(delivery.headers)
    return await write_events(
        request, headers, events, delivery, tail=b"", failure=lambda error, i: error_events(plan, error, i)
    )
