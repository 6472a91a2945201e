"""The fast front: plain, well-formed generating requests answered without aiohttp's per-request work.

aiohttp's web layer costs a request more than mockai's own work on a repeated request does (it
builds a request object, a payload stream, a task, a writer, and lays out the headers through
several layers).  A load test sends the same few kinds of request over and over: ``POST`` of a
JSON body to ``/v1/chat/completions``, ``/v1/responses`` or ``/v1/embeddings``, whole in one
read, over a kept-alive HTTP/1.1 connection.  :class:`FastFront` is aiohttp's protocol handler
(:mod:`mockai.http.protocol_errors`) that answers exactly those itself: it reads them from the
bytes received (:class:`RequestReader`), runs the application's own middlewares and route handler
on a :class:`FastRequest` (the few attributes those read), and writes the ``web.Response`` they
return with the headers, in the order and with the values, aiohttp would send
(:func:`response_bytes`): the same bytes either way.

A response the handlers prepared themselves (a stream) is written by aiohttp's own writer, on this
connection.  Everything else is aiohttp's, unchanged: a connection whose bytes hold anything
outside that narrow form — another method or path, a query, HTTP/1.0, chunked or compressed
bodies, ``Expect``, ``Upgrade``, ``Connection: close``, a header that is not plain ASCII, a line
not ended by CRLF, no ``Host`` or a header aiohttp takes once given twice, a body over the limit —
is handed, from its first byte not answered here, to aiohttp's parser, and stays aiohttp's; a head
still arriving is handed over as soon as its bytes so far cannot start that form (aiohttp may
answer them without waiting for more).  So malformed or unusual HTTP meets exactly the parser and
the answers it met before.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from aiohttp.helpers import EMPTY_BODY_STATUS_CODES, rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE, HttpVersion11
from aiohttp.http_parser import SINGLETON_HEADERS
from aiohttp.http_writer import StreamWriter, _serialize_headers
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from mockai.http.protocol_errors import RequestHandler
from mockai.server.slow_clients import TimedAppRunner, TimedHandler, TimedServer

__all__ = ["FastAppRunner", "FastFront", "FastRequest", "FastRoutes", "FastSetup", "RequestReader", "response_bytes"]

# Route handler by path.
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
FastRoutes = Mapping[str, Route]


@dataclass(frozen=True)
class FastSetup:
    """What the fast front answers: ``routes`` (path to route handler, run through the application's
    middlewares as aiohttp runs them) while ``takes_requests()`` (nothing that needs aiohttp, such
    as a cassette), bodies up to ``max_body``."""

    routes: FastRoutes
    takes_requests: Callable[[], bool]
    max_body: int


_MAX_QUEUED = 16  # requests read ahead of their answers before reading pauses
_MAX_HEAD = 8190  # a longer head is aiohttp's (its limit on one line is this)
_MAX_HEADERS = 100  # (aiohttp refuses more than 128)
# Header lines of a token, a colon and printable ASCII (and tabs): read the same by any parser.
_HEADER_LINES = re.compile(rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\x20-\x7e\t]*\r\n)*")
# The start of such header lines, cut anywhere (the last one, or the CRLF ending the head, not whole).
_HEADER_LINES_START = re.compile(
    rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\x20-\x7e\t]*\r\n)*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?::[\x20-\x7e\t]*\r?)?|\r)?"
)
_HANDED_OVER = ("\ntransfer-encoding:", "\nexpect:", "\nupgrade:", "\ncontent-encoding:", "\nsec-websocket-key1:")
# Headers aiohttp's request parser refuses to see twice (Content-Length is read below, Transfer-Encoding handed over).
_ONCE = tuple(f"\n{name}:" for name in sorted(SINGLETON_HEADERS - {"content-length", "transfer-encoding", "host"}))
_EMPTY_QUERY: MultiDictProxy[str] = MultiDictProxy(MultiDict())


class Parsed:
    """One request read whole: its path, headers and body."""

    __slots__ = ("body", "headers", "path")

    def __init__(self, path: str, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body


class RequestReader:
    """Reads the plain form of request (module doc) for the request lines in ``lines`` (each with
    its path), keeping what the heads it read lately say: a load test, or a test suite, sends the
    same few heads again and again (emptied when full, so bounded whatever the heads are)."""

    def __init__(self, lines: Mapping[bytes, str], max_body: int) -> None:
        self.lines = lines
        self.max_body = max_body
        self._known: dict[bytes, Head] = {}
        # every start of a request line, up to its CR (a head cut before its line is whole)
        self._line_starts = frozenset((line + b"\r")[:cut] for line in lines for cut in range(len(line) + 2))

    def read(self, data: bytes) -> tuple[list[Parsed], int, int] | None:
        """The whole requests at the start of ``data``, how many bytes they take, and how many
        bytes the request cut off after them needs in all (0: not known yet); None when ``data``
        holds anything else (aiohttp's then)."""
        found: list[Parsed] = []
        at = 0
        size = len(data)
        known_heads = self._known
        while at < size:
            end = data.find(b"\r\n\r\n", at)
            if end < 0:  # a head not whole yet: waited for only while it may still be the plain form
                if size - at > _MAX_HEAD or not self._may_start_head(data, at):
                    return None
                return found, at, 0
            head = data[at:end]
            known = known_heads.get(head)
            if known is None:
                known = _read_head(head, self.lines)
                if len(known_heads) >= _KNOWN_HEADS:
                    known_heads.clear()
                known_heads[head] = known
            path, headers, length = known
            if length < 0 or length > self.max_body:
                return None
            start = end + 4
            if size - start < length:
                return found, at, start + length - at
            found.append(Parsed(path, headers, data[start : start + length]))
            at = start + length
        return found, at, 0

    def _may_start_head(self, data: bytes, at: int) -> bool:
        """Whether ``data[at:]``, a head cut short, may yet be the plain form: when not (a bare LF,
        say), aiohttp's parser may answer it without waiting for more, so it is handed over at once."""
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return data[at:] in self._line_starts
        return data[at:line_end] in self.lines and _HEADER_LINES_START.fullmatch(data, line_end + 2) is not None


Head = tuple[str, "CIMultiDictProxy[str]", int]  # path, headers, Content-Length (-1: not the plain form)
_NOT_PLAIN: Head = ("", CIMultiDictProxy(CIMultiDict()), -1)
_KNOWN_HEADS = 256


def _read_head(head: bytes, lines: Mapping[bytes, str]) -> Head:
    """What a request's head (its line and header lines, no final CRLF) says: path, headers and
    body length; :data:`_NOT_PLAIN` when it is not the plain form."""
    if len(head) > _MAX_HEAD:
        return _NOT_PLAIN
    line_end = head.find(b"\r\n")
    request_line = head if line_end < 0 else head[:line_end]
    path = lines.get(request_line)
    if path is None or line_end < 0:
        return _NOT_PLAIN
    block = head[line_end + 2 :] + b"\r\n"  # the header lines, each ending in CRLF
    if _HEADER_LINES.fullmatch(block) is None:
        return _NOT_PLAIN
    text = block.decode("ascii")
    probe = "\n" + text.lower()
    if any(mark in probe for mark in _HANDED_OVER) or text.count("\n") > _MAX_HEADERS:
        return _NOT_PLAIN
    if probe.count("\nhost:") != 1 or any(probe.count(mark) > 1 for mark in _ONCE):
        return _NOT_PLAIN  # aiohttp's 400: HTTP/1.1 without a Host, or a header it takes once given twice
    named = probe.find("\ncontent-length:")
    if named < 0 or probe.find("\ncontent-length:", named + 1) >= 0:
        return _NOT_PLAIN  # none (aiohttp's to answer), or two
    value = probe[named + 16 : probe.index("\r", named)].strip(" \t")
    if not value.isdigit() or len(value) > 15:
        return _NOT_PLAIN
    fields = (line.partition(":") for line in text.split("\r\n")[:-1])  # (nothing after the last CRLF)
    headers = [(name, field.strip(" \t")) for name, _, field in fields]
    if "\nconnection:" in probe and any(v.lower() != "keep-alive" for n, v in headers if n.lower() == "connection"):
        return _NOT_PLAIN
    return path, CIMultiDictProxy(CIMultiDict(headers)), int(value)


class FastRequest:
    """What the middleware and the routes answered here read of a request (aiohttp's names and
    meanings); it stands in for ``web.Request`` on this path only."""

    __slots__ = ("_body", "_protocol", "_writer", "app", "headers", "path", "remote", "transport")

    method = "POST"
    query_string = ""
    query = _EMPTY_QUERY
    match_info: Mapping[str, str] = {}
    version = HttpVersion11
    keep_alive = True
    schema = "http"

    def __init__(self, app: web.Application, parsed: Parsed, protocol: FastFront, remote: str | None) -> None:
        self.app = app
        self.path = parsed.path
        self.headers = parsed.headers  # (read-only, shared by the requests of one head)
        self._body = parsed.body
        self._protocol = protocol
        self._writer: StreamWriter | None = None
        self.transport = protocol.transport
        self.remote = remote

    @property
    def _payload_writer(self) -> StreamWriter:
        """Where a response the handler prepares itself is written (aiohttp's writer, made when
        asked: most answers are written whole by :func:`response_bytes`)."""
        if self._writer is None:
            self._writer = StreamWriter(self._protocol, self._protocol._loop)
        return self._writer

    @property
    def writer(self) -> StreamWriter:
        return self._payload_writer

    async def _prepare_hook(self, response: web.StreamResponse) -> None:
        """aiohttp's hook before a prepared response's headers (the application has no
        ``on_response_prepare`` handlers)."""

    @property
    def raw_path(self) -> str:
        return self.path

    @property
    def content_length(self) -> int:
        return len(self._body)

    async def read(self) -> bytes:
        return self._body


def response_bytes(response: web.StreamResponse) -> tuple[bytes, bytes, bool] | None:
    """The head and body aiohttp would send for ``response`` to a kept-alive HTTP/1.1 ``POST``, and
    whether the connection stays open; None for what only aiohttp can write (a prepared or
    streamed response, compression, cookies, a body that is not bytes)."""
    if not isinstance(response, web.Response) or response.prepared or response.chunked or response.compression:
        return None
    if getattr(response, "_cookies", None):  # (read without making the jar aiohttp makes when asked)
        return None
    body = response.body
    if body is None:
        body = b""
    elif not isinstance(body, bytes):
        return None
    status = response.status
    headers = response.headers
    if status in EMPTY_BODY_STATUS_CODES:  # (what aiohttp's Response._start and _prepare_headers do)
        headers.popall("Content-Length", None)
        headers.popall("Transfer-Encoding", None)
    else:
        if "Content-Length" not in headers:
            headers["Content-Length"] = str(len(body))
        if headers["Content-Length"] != "0":
            headers.setdefault("Content-Type", "application/octet-stream")
    if "Date" not in headers:
        headers["Date"] = rfc822_formatted_time()
    headers.setdefault("Server", SERVER_SOFTWARE)
    keep_alive = response.keep_alive is not False
    if not keep_alive and "Connection" not in headers:
        headers["Connection"] = "close"
    # aiohttp's own serialiser (a control character in a header raises ValueError, as there)
    head: bytes = _serialize_headers(f"HTTP/1.1 {status} {response.reason}", headers)
    return head, (b"" if status in EMPTY_BODY_STATUS_CODES else body), keep_alive


class FastFront(TimedHandler):
    """aiohttp's protocol handler, answering the plain generating requests itself (module doc); a
    connection whose request keeps it waiting for bytes is closed as :class:`TimedHandler` says,
    whether the request is read here or by aiohttp."""

    __slots__ = ("_fast", "_needed", "_queue", "_remote", "_running", "_unanswered")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        manager = self._manager
        self._fast: FastServer | None = manager if isinstance(manager, FastServer) else None
        self._queue: collections.deque[Parsed] = collections.deque()
        self._running: asyncio.Task[None] | None = None
        self._unanswered = bytearray()  # received, not answered yet: the start of a request, or aiohttp's
        self._needed = 0  # the bytes that request needs in all, when its head says
        peer = transport.get_extra_info("peername")
        self._remote = str(peer[0]) if isinstance(peer, (list, tuple)) and peer else None

    def data_received(self, data: bytes) -> None:
        if self._force_close or self._close:
            return
        fast = self._fast
        if fast is None:
            if self._running is not None:  # answers taken here still going: aiohttp's bytes wait, in order
                self._unanswered += data
            else:
                super().data_received(data)
            return
        unanswered = self._unanswered
        if unanswered:
            unanswered += data
            if len(unanswered) < self._needed:  # (a large body arriving: not read again each time)
                self._bytes_at = self._loop.time()
                return
            data = bytes(unanswered)
        started = not unanswered  # (a request begins in these bytes, when one is left unread)
        read = fast.reader.read(data) if fast.takes_requests() else None
        if read is None:
            self._hand_over(data)
            return
        requests, used, self._needed = read
        if unanswered:
            del unanswered[:used]
        elif used < len(data):
            unanswered += data[used:]
        if unanswered:  # a request not whole yet: its head and body are timed (TimedHandler)
            now = self._loop.time()
            self._bytes_at = now
            if started or used:
                self._head_since = now
            self._wait_for_client()
        if requests:
            fast.requests_count += len(requests)
            self._queue.extend(requests)
            if len(self._queue) >= _MAX_QUEUED and not self._buffer_paused:
                self._pause_reading_for_buffer()  # pipelined faster than answered: as aiohttp does
            if self._running is None:
                self._running = self._loop.create_task(self._answer_queued(fast))

    def _hand_over(self, data: bytes) -> None:
        """From now on the connection is aiohttp's: the bytes not answered go to its parser once the
        requests taken here are answered (in order)."""
        self._fast = None
        if not self._unanswered:  # (else the head the fast front timed goes on being timed from its start)
            self._head_since = None
        self._unanswered = bytearray()
        if self._running is None:
            super().data_received(data)
        else:
            self._unanswered += data

    def _client_deadline(self) -> float | None:
        if self._running is not None:  # answering
            return None
        if self._fast is None:
            return super()._client_deadline()
        if not self._unanswered or self._force_close or self._close:
            return None
        if self._needed:  # a body arriving
            return self._bytes_at + self._client_timeout
        return self._head_since + self._client_timeout if self._head_since is not None else None

    def _process_keepalive(self) -> None:
        if self._running is not None:  # busy here, though aiohttp's own loop looks idle
            self._keepalive_handle = self._loop.call_later(self._keepalive_timeout, self._process_keepalive)
            return
        super()._process_keepalive()

    async def _answer_queued(self, fast: FastServer) -> None:
        try:
            while self._queue:
                if not await self._answer(fast, self._queue.popleft()):
                    self._queue.clear()
                    return
                if self._buffer_paused and len(self._queue) <= _MAX_QUEUED // 2:
                    self._resume_reading_for_buffer()
                if self._paused:  # the client does not read: wait for it as aiohttp's writer does
                    await self._drain_helper()
        except ConnectionError:
            self._queue.clear()
        except asyncio.CancelledError:  # (shutdown, or a scripted reset that dropped the connection)
            self._queue.clear()
            raise
        finally:
            self._running = None
            now = self._loop.time()
            self._next_keepalive_close_time = now + self._keepalive_timeout
            if self._unanswered:  # a request arrived in part meanwhile: timed from the answer's end
                self._bytes_at = self._head_since = now
            if self._buffer_paused:
                self._resume_reading_for_buffer()
            if self._fast is None and self._unanswered and not (self._force_close or self._close):
                data, self._unanswered = bytes(self._unanswered), bytearray()
                super().data_received(data)
            self._wait_for_client()

    async def _answer(self, fast: FastServer, parsed: Parsed) -> bool:
        """Answer one request as aiohttp's handler would; whether the connection stays open."""
        request = cast(web.Request, FastRequest(fast.app, parsed, self, self._remote))
        try:
            response = await fast.routes[parsed.path](request)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as exc:  # escaped the front door (a bug): aiohttp's handler answers it
            response = self.handle_error(request, 500, exc)
        try:
            written = response_bytes(response)
            if written is None:  # prepared (a stream) or unusual: aiohttp's writer, as aiohttp would
                await response.prepare(request)
                await response.write_eof()
                keep_alive = response.keep_alive is not False
            else:
                head, body, keep_alive = written
                transport = self.transport
                if transport is None or transport.is_closing():
                    return False
                if len(body) < 65536:
                    transport.write(head + body)
                else:  # (Python 3.11's writelines joins them: a copy of megabytes, where two sends cost µs)
                    transport.write(head)
                    transport.write(body)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as exc:  # a header aiohttp refuses to write: it drops the connection
            self.log_exception("Unhandled exception", exc_info=exc)
            self.force_close()
            return False
        if not keep_alive:
            self.force_close()
        return keep_alive

    async def shutdown(self, timeout: float | None = 15.0) -> None:
        running = self._running
        if running is not None:
            try:
                await asyncio.wait_for(asyncio.shield(running), timeout)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                running.cancel()
        await super().shutdown(timeout)


class FastServer(TimedServer):
    """aiohttp's low-level server, making :class:`FastFront` handlers for the application."""

    app: web.Application
    reader: RequestReader
    routes: FastRoutes  # (each through the application's middlewares)
    takes_requests: Callable[[], bool]

    def __call__(self) -> RequestHandler:
        return FastFront(self, loop=self._loop, **self._kwargs)


def _through_middlewares(app: web.Application, route: Route) -> Route:
    """``route`` inside the application's middlewares, the first outermost (aiohttp's order)."""
    handler = route
    for middleware in reversed(app.middlewares):
        handler = functools.partial(middleware, handler=handler)
    return handler


class FastAppRunner(TimedAppRunner):
    """:class:`~mockai.server.slow_clients.TimedAppRunner` whose connections answer what ``setup``
    says through the fast front."""

    def __init__(self, app: web.Application, setup: FastSetup, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._setup = setup

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        setup = self._setup
        server.__class__ = FastServer
        fast = cast(FastServer, server)
        fast.app = self.app
        fast.routes = {path: _through_middlewares(self.app, route) for path, route in setup.routes.items()}
        fast.reader = RequestReader({f"POST {path} HTTP/1.1".encode(): path for path in setup.routes}, setup.max_body)
        fast.takes_requests = setup.takes_requests
        return server
