"""Connections that keep mockai waiting for bytes the client does not send are closed.

aiohttp bounds one wait itself: its keep-alive timer (``keepalive_timeout``, :data:`IDLE_TIMEOUT`
here; an hour is aiohttp's ``AppRunner`` default) closes a connection on which nothing has arrived
since it opened or since the previous answer — a connection that never sends anything included.
It bounds none of the others: a request's head or body sent a byte now and then holds the
connection (a file descriptor, a buffer) for as long as the client likes.  :class:`TimedHandler`,
the protocol handler of every connection (the fast front's is one), adds two bounds, counted only
while mockai waits for the client's bytes, never while it answers (a stream under a latency
profile may take minutes):

* a request's head must be whole within ``client_timeout`` seconds of its first byte (nginx's
  ``client_header_timeout``);
* a request's body may go no longer than ``client_timeout`` seconds without a byte (nginx's
  ``client_body_timeout``), while mockai reads it (reading paused by mockai itself, because the
  request waits for the ones before it, does not count).

Once a request has begun to arrive these bounds replace the keep-alive one, so a request sent just
before the connection would have been closed as idle is read, not cut.  A connection past a bound
is closed without an answer (as nginx does); the ``mockai`` logger says why, at debug level.

And one bound on the client reading: an answer the client stops reading stays in the connection's
buffer (13 MB of logprobs, say: 30 such clients held 380 MiB), so a connection whose writing has
been paused (its buffer full) for ``client_timeout`` seconds without draining is closed (nginx's
``send_timeout``).  A client reading slowly resumes it, and its clock starts again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.streams import StreamReader

from mockai.http.protocol_errors import AppRunner, RequestHandler, Server

__all__ = ["CLIENT_TIMEOUT", "IDLE_TIMEOUT", "TimedAppRunner", "TimedHandler", "TimedServer"]

log = logging.getLogger("mockai")

IDLE_TIMEOUT = 75.0  # aiohttp's keep-alive timeout (web.run_app's default)
CLIENT_TIMEOUT = 60.0  # a head from its first byte to its end; a body between two of its bytes


class TimedHandler(RequestHandler):
    """aiohttp's protocol handler (:mod:`mockai.http.protocol_errors`), closing a connection whose
    request's head or body keeps it waiting too long (module doc)."""

    __slots__ = ("_body", "_bytes_at", "_client_timeout", "_head_since", "_wait_timer", "_write_timer")

    def __init__(self, manager: web.Server, *, client_timeout: float = CLIENT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._client_timeout = client_timeout  # (0: no bound)
        self._head_since: float | None = None  # the first byte of a head not whole yet (aiohttp's parser)
        self._bytes_at = 0.0  # the last bytes received (or reading resumed)
        self._body: StreamReader | None = None  # the body of the last request aiohttp's parser read
        self._wait_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None  # set while writing is paused

    def data_received(self, data: bytes) -> None:
        body = self._body
        in_body = body is not None and not body.is_eof()
        count = self._request_count
        super().data_received(data)
        if not data:
            return
        now = self._loop.time()
        self._bytes_at = now
        if self._request_count != count:  # a head is whole: its body, if any, comes next
            messages = self._messages
            self._body = messages[-1][1] if messages else None
            self._head_since = None
        elif not in_body and self._head_since is None:  # (bytes after a body ending in these: not timed)
            self._head_since = now
        self._wait_for_client()

    def _client_deadline(self) -> float | None:
        """When the connection is closed unless the bytes it waits for arrive; None when it waits for
        none (idle: the keep-alive timer's; or answering)."""
        if self._force_close or self._close or self._upgraded:
            return None
        body = self._body
        if body is not None and not body.is_eof():
            return self._bytes_at + self._client_timeout
        if self._head_since is not None and not self._request_in_progress:
            return self._head_since + self._client_timeout
        return None

    def _wait_for_client(self) -> None:
        """Check the connection's deadline when it may have come (the timer is moved, not re-made,
        when bytes arrive)."""
        if self._wait_timer is None and self._client_timeout > 0 and self._client_deadline() is not None:
            self._wait_timer = self._loop.call_later(self._client_timeout, self._check_wait)

    def _check_wait(self) -> None:
        self._wait_timer = None
        deadline = self._client_deadline()
        if deadline is None:
            return
        loop = self._loop
        if self._reading_paused or self._buffer_paused:  # mockai does not read: the client is not late
            self._wait_timer = loop.call_later(self._client_timeout, self._check_wait)
            return
        if loop.time() < deadline:
            self._wait_timer = loop.call_at(deadline, self._check_wait)
            return
        log.debug(
            "closed the connection from %s: no request within %g s of its first byte, or no byte of its body for %g s",
            self.peername,
            self._client_timeout,
            self._client_timeout,
        )
        self.force_close()

    def _resume_transport_reading(self) -> None:
        self._bytes_at = self._loop.time()  # (a body's wait counts again from here)
        super()._resume_transport_reading()

    def _process_keepalive(self) -> None:
        if self._client_timeout > 0 and self._client_deadline() is not None:  # a request arriving: its bounds apply
            self._wait_for_client()
            self._keepalive_handle = self._loop.call_later(self._keepalive_timeout, self._process_keepalive)
            return
        super()._process_keepalive()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._client_timeout > 0 and self._write_timer is None:
            self._write_timer = self._loop.call_later(self._client_timeout, self._not_read)

    def resume_writing(self) -> None:
        timer, self._write_timer = self._write_timer, None
        if timer is not None:
            timer.cancel()
        super().resume_writing()

    def _not_read(self) -> None:
        self._write_timer = None
        log.debug(
            "closed the connection from %s: it read nothing of its answer for %g s", self.peername, self._client_timeout
        )
        transport = self.transport
        if transport is not None:
            transport.abort()  # (its buffer goes with it; close() would wait for the client to read it)

    def connection_lost(self, exc: BaseException | None) -> None:
        for timer in (self._wait_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        self._wait_timer = self._write_timer = None
        super().connection_lost(exc)


class TimedServer(Server):
    """aiohttp's low-level server, making :class:`TimedHandler` handlers."""

    def __call__(self) -> web.RequestHandler:
        return TimedHandler(self, loop=self._loop, **self._kwargs)


class TimedAppRunner(AppRunner):
    """:class:`~mockai.http.protocol_errors.AppRunner` whose connections are :class:`TimedHandler`
    (``client_timeout`` and aiohttp's ``keepalive_timeout`` among its keyword arguments)."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = TimedServer
        return server
