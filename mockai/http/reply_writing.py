"""Writing the replies every surface shares: errors, recorded bytes, and the faults that strike
before the first byte (a delay, a hang, a dropped connection)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, Fault, RawReply
from mockai.http.responses import error_response

__all__ = ["abort", "before_first_byte", "faulted_body", "write_error", "write_raw"]

# Hop-by-hop and length headers that must not be copied from a recording.
_NOT_REPLAYED = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"})


async def before_first_byte(request: web.Request, delivery: Delivery) -> None:
    """Wait the first-byte delay; never return for a ``hang``; drop the connection for a ``reset``
    before any byte (aiohttp takes the CancelledError for a dropped connection)."""
    if delivery.first_byte_delay > 0:
        await asyncio.sleep(delivery.first_byte_delay)
    fault = delivery.fault
    if fault is not None and fault.kind == "hang":
        await asyncio.Event().wait()  # never set: the server's shutdown cancels the handler
    if fault is not None and fault.kind == "reset" and fault.after == 0:
        abort(request)
        raise asyncio.CancelledError


def abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def write_error(reply: ErrorReply, req_id: str) -> web.Response:
    error = reply.error
    if reply.delivery.headers:
        error = _with_headers(error, reply.delivery.headers)
    return error_response(error, req_id)


def _with_headers(error: APIError, headers: dict[str, str]) -> APIError:
    error.headers = {**error.headers, **headers}
    return error


async def write_raw(request: web.Request, reply: RawReply) -> web.StreamResponse:
    """Recorded bytes as they were: a body, or stream events (at their offsets when ``timed``)."""
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


def faulted_body(body: bytes, fault: Fault | None) -> bytes:
    """A JSON body as a fault leaves it: nothing for ``empty``, cut in half for ``malformed``."""
    if fault is not None and fault.kind == "empty":
        return b""
    if fault is not None and fault.kind == "malformed":
        return body[: len(body) // 2]
    return body
