"""Writing a chosen reply to the wire: JSON, SSE, recorded bytes, errors, and deliberate faults.

This is the only module that turns plans into aiohttp responses; it decides nothing about
*what* is said.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from mockai.chat.render_json import render_completion
from mockai.chat.render_sse import DONE, StreamOptions, error_event, rendered_events
from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, RawReply, Reply
from mockai.http.headers import error_headers, success_headers

__all__ = ["deliver", "error_response"]

# Hop-by-hop and length headers that must not be copied from a recording.
_NOT_REPLAYED = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"})


def error_response(error: APIError, req_id: str) -> web.Response:
    headers = error_headers(req_id, auth_layer=error.auth_layer)
    headers.update(error.headers)
    headers["content-type"] = error.content_type()
    return web.Response(status=error.status, body=error.body_bytes(), headers=headers)


async def _hang() -> None:
    # Never answers; the server's shutdown cancels the handler.
    await asyncio.Event().wait()


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


async def deliver(
    request: web.Request,
    reply: Reply,
    body: dict[str, Any],
    req_id: str,
    tokens_per_chunk: int,
) -> web.StreamResponse:
    delivery = reply.delivery
    if delivery.first_byte_delay > 0:
        await asyncio.sleep(delivery.first_byte_delay)
    fault = delivery.fault
    if fault is not None and fault.kind == "hang":
        await _hang()
    if fault is not None and fault.kind == "reset" and fault.after == 0:
        _abort(request)
        raise asyncio.CancelledError  # aiohttp treats this as a dropped connection
    if isinstance(reply, ErrorReply):
        return error_response(_with_headers(reply.error, delivery), req_id)
    if isinstance(reply, RawReply):
        return await _deliver_raw(request, reply)
    if body.get("stream"):
        return await _deliver_stream(request, reply, body, req_id, tokens_per_chunk)
    return _deliver_json(reply, req_id)


def _with_headers(error: APIError, delivery: Delivery) -> APIError:
    if delivery.headers:
        error.headers = {**error.headers, **delivery.headers}
    return error


def _deliver_json(reply: PlannedReply, req_id: str) -> web.Response:
    plan = reply.plan
    headers = success_headers(req_id, 7 + plan.usage.completion_tokens % 200, plan.usage.total_tokens)
    headers.update(reply.delivery.headers)
    fault = reply.delivery.fault
    payload = render_completion(plan)
    if fault is not None and fault.kind == "empty":
        payload = b""
    elif fault is not None and fault.kind == "malformed":
        payload = payload[: len(payload) // 2]
    return web.Response(status=200, body=payload, headers=headers)


async def _deliver_stream(
    request: web.Request, reply: PlannedReply, body: dict[str, Any], req_id: str, tokens_per_chunk: int
) -> web.StreamResponse:
    plan = reply.plan
    delivery = reply.delivery
    size = delivery.tokens_per_chunk if delivery.tokens_per_chunk > 1 else tokens_per_chunk
    events = rendered_events(plan, StreamOptions.from_request(body, size))
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
                _abort(request)
                return response
            if fault.kind == "error_event":
                await response.write(error_event(fault.error or APIError.server_error()) + DONE)
                await response.write_eof()
                return response
            if fault.kind == "malformed":
                event = event[: max(len(event) // 2, 8)] + b"\n\n"
        if paced and i > 0:
            await asyncio.sleep(delivery.delay_before(i))
        await response.write(event)
    await response.write(DONE)
    await response.write_eof()
    return response


async def _deliver_raw(request: web.Request, reply: RawReply) -> web.StreamResponse:
    headers = {k: v for k, v in reply.headers if k.lower() not in _NOT_REPLAYED}
    if reply.events is None:
        return web.Response(status=reply.status, body=reply.body, headers=headers)
    response = web.StreamResponse(status=reply.status, headers=headers)
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    started = loop.time()
    timed = reply.timed
    for offset, event in reply.events:
        if timed:
            wait = started + offset - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        await response.write(event)
    await response.write_eof()
    return response
