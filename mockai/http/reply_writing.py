"""Writing the replies every surface shares: errors, recorded bytes, a stream of events with its
deliberate faults, and the faults that strike before the first byte (a delay, a hang, a dropped
connection)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aiohttp import web
from multidict import CIMultiDict

from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, Fault, RawReply
from mockai.http.responses import error_response

__all__ = ["abort", "before_first_byte", "faulted_body", "write_error", "write_events", "write_raw"]

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


class _WholeStream(web.StreamResponse):
    """A stream written whole at once: its headers wait for its body (aiohttp >= 3.11 reads this
    flag; an older one sends them first, in a send of their own)."""

    _send_headers_immediately = False


async def write_events(
    request: web.Request,
    headers: CIMultiDict[str],
    events: Sequence[bytes],
    delivery: Delivery,
    *,
    tail: bytes,
    failure: Callable[[APIError, int], bytes],
) -> web.StreamResponse:
    """A 200 stream of ``events`` then ``tail``, paced and broken as ``delivery`` says: ``cut``
    (end after ``after`` events), ``reset`` (drop the connection), ``error_event`` (what
    ``failure(error, index)`` gives, then the end), ``malformed`` (that event cut in half),
    ``empty``.  Nothing to pace or break: headers, events and the end leave in one send."""
    fault = delivery.fault
    paced = delivery.chunk_delay > 0 or bool(delivery.chunk_delays)
    if fault is None and not paced:  # the same bytes and the same chunked framing, in one send
        whole: web.StreamResponse = _WholeStream(status=200, headers=headers)
        await whole.prepare(request)
        await whole.write_eof(b"".join(events) + tail)
        return whole
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    if fault is not None and fault.kind == "empty":
        await response.write_eof()
        return response
    for i, event in enumerate(events):
        if fault is not None and i == fault.after:
            if fault.kind == "cut":
                await response.write_eof()
                return response
            if fault.kind == "reset":
                abort(request)
                return response
            if fault.kind == "error_event":
                await response.write(failure(fault.error or APIError.server_error(), i))
                await response.write_eof()
                return response
            if fault.kind == "malformed":
                event = event[: max(len(event) // 2, 8)] + b"\n\n"
        if paced and i > 0:
            await asyncio.sleep(delivery.delay_before(i))
        await response.write(event)
    if tail:
        await response.write(tail)
    await response.write_eof()
    return response
