"""Writing a ``POST /v1/responses`` reply: the plan as a Response (JSON) or its event stream, with
the deliberate faults of a delivery, and kept in the response store unless ``store`` is false.

The chat plan (seeded or scripted) becomes one :class:`~mockai.responses.planner.ResponsePlan`;
the JSON body and the stream are two views of it, and what is stored is the JSON body's bytes
(``GET`` returns them) plus, for a stream, its events.  An id the store already holds (the same
request asked again) moves the response to a fresh id group, as the real API never gives an id
twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, RawReply
from mockai.http.headers import success_headers
from mockai.http.reply_writing import abort, before_first_byte, write_error, write_raw
from mockai.responses.input_items import input_items
from mockai.responses.planner import ResponsePlan, response_plan, with_group
from mockai.responses.render_json import render_response
from mockai.responses.render_sse import error_events, rendered_events
from mockai.responses.store.records import ResponseStore, StoredResponse

__all__ = ["planned_response", "write_response"]


def planned_response(reply: PlannedReply, body: Mapping[str, Any], store: ResponseStore) -> ResponsePlan:
    """The Response of ``reply`` for ``body``, with an id the store does not hold yet."""
    plan = response_plan(reply.plan, body)
    if body.get("store") is False:
        return plan
    group, attempt = plan.group, 0
    while store.get(plan.id) is not None:
        attempt += 1
        group = hashlib.blake2b(f"{plan.group}/{attempt}".encode(), digest_size=8).hexdigest()
        plan = with_group(plan, group)
    return plan


async def write_response(
    request: web.Request,
    reply: PlannedReply | ErrorReply | RawReply,
    body: Mapping[str, Any],
    req_id: str,
    tokens_per_chunk: int,
    store: ResponseStore,
    plan: ResponsePlan | None = None,
) -> web.StreamResponse:
    """Write ``reply`` (``plan``: its Response, when already made by :func:`planned_response`)."""
    delivery = reply.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:
        await before_first_byte(request, delivery)
    if isinstance(reply, ErrorReply):
        return write_error(reply, req_id)
    if isinstance(reply, RawReply):
        return await write_raw(request, reply)
    if plan is None:
        plan = planned_response(reply, body, store)
    payload = render_response(plan)
    if body.get("stream"):
        size = delivery.tokens_per_chunk if delivery.tokens_per_chunk > 1 else tokens_per_chunk
        obfuscate = (body.get("stream_options") or {}).get("include_obfuscation") is not False
        events = rendered_events(plan, tokens_per_chunk=size, obfuscate=obfuscate)
        _keep(store, plan, body, payload, events)
        return await _deliver_stream(request, plan, events, delivery, req_id)
    _keep(store, plan, body, payload, ())
    headers = success_headers(req_id, 7 + plan.usage.completion_tokens % 200, plan.usage.total_tokens)
    headers.update(delivery.headers)
    fault = delivery.fault
    if fault is not None and fault.kind == "empty":
        payload = b""
    elif fault is not None and fault.kind == "malformed":
        payload = payload[: len(payload) // 2]
    return web.Response(status=200, body=payload, headers=headers)


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
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    fault = delivery.fault
    if fault is not None and fault.kind == "empty":
        await response.write_eof()
        return response
    paced = delivery.chunk_delay > 0 or bool(delivery.chunk_delays)
    for i, event in enumerate(events):
        if fault is not None and i == fault.after:
            if fault.kind == "cut":
                await response.write_eof()
                return response
            if fault.kind == "reset":
                abort(request)
                return response
            if fault.kind == "error_event":
                await response.write(error_events(plan, fault.error or APIError.server_error(), i))
                await response.write_eof()
                return response
            if fault.kind == "malformed":
                event = event[: max(len(event) // 2, 8)] + b"\n\n"
        if paced and i > 0:
            await asyncio.sleep(delivery.delay_before(i))
        await response.write(event)
    await response.write_eof()
    return response
