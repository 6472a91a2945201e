"""The Responses API's WebSocket mode: ``GET /v1/responses`` upgraded to a WebSocket, on which each
``response.create`` client event is answered by the events ``POST /v1/responses`` streams.

What the protocol is, as the official SDK (openai 3.60) speaks it:

* The client opens ``ws(s)://<base_url>/responses`` (``ResponsesConnectionManager._prepare_url``)
  with the client's auth headers (``Authorization: Bearer``) and default headers on the upgrade
  request (``_websocket_connection._websocket_connect_options``).  The key is checked there, before
  the upgrade, as ``POST`` checks it: a missing or wrong key is the same 401 (status and body) as an
  HTTP answer, which the SDK's ``websockets`` client raises as ``InvalidStatus``.
* Every client message is one JSON text message.  ``response.create`` carries the top-level fields
  of ``POST /v1/responses`` (``ResponsesResponseResource.create``), less ``stream`` ("implicit over
  WebSocket and should not be sent") and ``background`` ("not supported over WebSocket"), plus
  ``stream_id`` (the WebSocket lane) and ``generate``.
* Every server message is one JSON text message: the events of the SSE stream (the ``data:`` of
  each), or an ``error`` event ``{"type": "error", "error": {...}, "status": N}``
  (``ResponseWsError``: ``status`` "the HTTP status code associated with a WebSocket protocol
  error") for a request the API refuses before it streams.  An event of a response created with a
  ``stream_id`` echoes that ``stream_id`` (``ResponseWsCreated.stream_id`` and every other event's).
* One connection carries any number of responses: those of one lane (one ``stream_id``, or none)
  one after another in the order sent; those of different lanes at once (the ``stream_id`` doc:
  "Requests with the same ``stream_id`` are processed FIFO").

No second implementation of an answer: each ``response.create`` is made into the ``POST
/v1/responses`` it stands for (its fields, ``stream: true``, the upgrade request's headers) and
answered through the application's front door and the one pipeline (key, validation, scenario
rules, cassette, seeded plan, the SSE renderer, the store, the journal and the access log), exactly
as that POST is; what the pipeline writes is read back event by event and sent on the socket, each
event's JSON as it is.  So the events are the SSE stream's, byte for byte (sequence numbers and
obfuscation included), and the journal shows each ``response.create`` as the POST it stands for.
A scripted fault acts on the socket as on the stream: latency paces the messages, ``error_event``
sends the ``error`` and ``response.failed`` events, ``reset`` drops the connection, and a stream
ended early (``cut``, ``empty``) closes the connection (1011), since no more events will come.

Choices where no source says what the real API does (each marked "(unknown)" below):
``generate: false`` (a warm-up without output) is refused with an ``error`` event rather than
emulated; a ``response.steer`` always fails (:meth:`_Connection.steer_failed`: mockai's responses
are complete before it comes); ``background: true`` is refused (the SDK says it is not supported);
``stream`` sent anyway is ignored; a ``store: false`` response is not kept for the connection
(``previous_response_id`` naming it is the POST's 400 ``previous_response_not_found``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http import RawRequestMessage
from aiohttp.streams import StreamReader
from multidict import CIMultiDict, CIMultiDictProxy

from mockai.core.errors import APIError
from mockai.core.json_text import compact_bytes
from mockai.core.strict_json import loads
from mockai.http.auth import check_auth
from mockai.http.request_body import READ_IN_A_THREAD
from mockai.server.state import STATE

__all__ = ["ResponsesWebSocket", "is_upgrade"]

# The answer to one POST /v1/responses, as the application gives it (its front door and route).
Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]
Send = Callable[[bytes], Awaitable[None]]

# The events that end a response's stream: nothing of it comes after them.
_TERMINAL = frozenset({b"response.completed", b"response.incomplete", b"response.failed", b"error"})
# Headers of the upgrade that the POST a response.create stands for does not carry.
_UPGRADE_ONLY = frozenset(
    {
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "content-length",
        "content-type",
        "transfer-encoding",
        "content-encoding",
    }
)
# Close code when a scripted fault ends a stream early (cut, empty): the response will never end.
_STREAM_BROKEN = 1011


def is_upgrade(request: web.BaseRequest) -> bool:
    """Whether ``request`` asks for a WebSocket (``Upgrade: websocket``)."""
    return request.headers.get("Upgrade", "").strip().lower() == "websocket"


class ResponsesWebSocket:
    """The handler of ``GET /v1/responses`` upgraded to a WebSocket; ``answer`` answers one ``POST
    /v1/responses`` (the application's front door around :func:`~mockai.server.pipeline.create_response`)."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer

    async def handle(self, request: web.Request) -> web.StreamResponse:
        config = request.app[STATE].current.config
        socket = web.WebSocketResponse(max_msg_size=config.max_body_bytes)
        if not socket.can_prepare(request).ok:  # a GET that is no WebSocket handshake: the route's 405
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        # The key is checked before the upgrade: the POST's 401, as an HTTP answer.  (The SDK's
        # client reads any non-101 answer as a failed handshake, so an error event after the
        # upgrade would serve no better; unknown which the real API does.)
        check_auth(request, config.api_key)
        if "Origin" in request.headers and not config.cors:
            # A web page opens a WebSocket to any address without a CORS preflight: without --cors
            # (which lets browsers call /v1), a browser's handshake is refused, so a page the user
            # visits cannot drive the server.  Clients of the API send no Origin.
            message = "mockai: a browser's WebSocket (with an Origin) is refused: start mockai with --cors to allow it."
            raise APIError(403, message, type="invalid_request_error", code="cross_origin_refused")
        await socket.prepare(request)
        await _Connection(request, socket, self._answer).run()
        return socket


class _Connection:
    """One open socket: its lanes, and the responses under way on them."""

    def __init__(self, upgrade: web.Request, socket: web.WebSocketResponse, answer: Answer) -> None:
        self.upgrade, self.socket, self.answer = upgrade, socket, answer
        self.sending = asyncio.Lock()  # one message at a time, whichever lane sends it
        self.lanes: dict[str | None, tuple[asyncio.Lock, int]] = {}  # lane -> (its turn, creates queued)
        self.tasks: set[asyncio.Task[None]] = set()
        self.over = False  # the client closed, or the socket broke: nothing more is sent
        # Messages being answered (queued in a lane or running): at most _IN_FLIGHT, after which the
        # socket is not read until one is done, so a client that sends without reading, or opens
        # thousands of lanes, holds a bounded share of the server (the TCP window pushes back).
        self.slots = asyncio.Semaphore(_IN_FLIGHT)

    async def run(self) -> None:
        try:
            async for message in self.socket:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):  # the connection is over
                    break
                await self.slots.acquire()  # (released when its answer is sent: see start)
                data = message.data  # (text, or bytes: the SDK sends text; bytes are read alike)
                if len(data) > READ_IN_A_THREAD:  # parsed off the loop, as a large POST body is
                    self.dispatch(*await asyncio.to_thread(_parsed, data))
                else:
                    self.dispatch(*_parsed(data))
        finally:
            self.over = True
            for task in self.tasks:
                task.cancel()
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)

    def dispatch(self, event: Any, body: bytes | None) -> None:
        """Answer one client message (a ``response.create`` in its lane, after those before it);
        ``event`` as parsed (``_NOT_JSON``: it was not JSON), ``body`` the POST body it stands for."""
        if event is _NOT_JSON:  # the POST's words for a body that is not JSON
            self.refuse(APIError.invalid_json(), None)
            return
        if not isinstance(event, dict):
            self.refuse(APIError(400, "Invalid type for 'event': expected an object.", code="invalid_type"), None)
            return
        kind = event.get("type")
        lane = event.get("stream_id")
        if lane is not None and not isinstance(lane, str):
            message = "Invalid type for 'stream_id': expected a string, but got something else instead."
            self.refuse(APIError(400, message, param="stream_id", code="invalid_type"), None)
            return
        if lane is not None and len(lane) > _MAX_LANE_CHARS:  # (unknown: the real limit; every event echoes it)
            message = (
                f"Invalid 'stream_id': string too long. Expected a string with maximum length {_MAX_LANE_CHARS}, "
                f"but got a string with length {len(lane)} instead."
            )
            self.refuse(APIError(400, message, param="stream_id", code="string_above_max_length"), None)
            return
        if kind == "response.create" and body is not None:
            self.start(self.turn(event, lane, body))
        elif kind == "response.steer":
            self.start(self.steer_failed(event, lane))
        elif kind is None:
            self.refuse(
                APIError(400, "Missing required parameter: 'type'.", param="type", code="missing_required_parameter"),
                lane,
            )
        else:  # (the validator's wording for a value outside an enum)
            message = (
                f"Invalid value: {json.dumps(kind)}. Supported values are: 'response.create' and 'response.steer'."
            )
            self.refuse(APIError(400, message, param="type", code="invalid_value"), lane)

    def start(self, work: Awaitable[None]) -> None:
        """Run ``work``, the answer to the message whose slot ``run`` took: the slot is given back
        when it is done."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.slots.release()

    def refuse(self, error: APIError, lane: str | None) -> None:
        """Send ``error`` as an ``error`` event, in ``lane``'s turn."""

        async def refusal() -> None:
            async with self.lane(lane):
                await self.send(_error_event(error.status, error.to_dict(), lane))

        self.start(refusal())

    @contextlib.asynccontextmanager
    async def lane(self, lane: str | None) -> Any:
        """``lane``'s turn: the messages of one lane are answered one after another, in order."""
        lock, queued = self.lanes.get(lane) or (asyncio.Lock(), 0)
        self.lanes[lane] = (lock, queued + 1)
        try:
            async with lock:
                yield
        finally:
            lock, queued = self.lanes[lane]
            if queued == 1:
                del self.lanes[lane]  # (no lane is kept once idle: a client may name any number)
            else:
                self.lanes[lane] = (lock, queued - 1)

    async def turn(self, event: dict[str, Any], lane: str | None, body: bytes) -> None:
        """One ``response.create``: the POST it stands for (``body``), answered by the pipeline, sent on."""
        async with self.lane(lane):
            refusal = _websocket_refusal(event)
            if refusal is not None:
                await self.send(_error_event(refusal.status, refusal.to_dict(), lane))
                return
            events = _Events(self.send, lane)
            request = _post_request(self.upgrade, body, events)
            response = await self.answer(request)
            if not response.prepared:  # an error, or a JSON body: written as aiohttp would write it
                await response.prepare(request)
                await response.write_eof()
            if not self.over:  # (a stream cut short by the client's close is no broken stream)
                await events.finish(self.socket)

    async def steer_failed(self, event: dict[str, Any], lane: str | None) -> None:
        """A ``response.steer``: always ``response.steer.failed`` (openai-node 7.60's types), since
        a mockai response is complete before a steer can reach it: ``response_already_completed``
        for a response the server knows, else ``response_not_found``.  The messages paraphrase the
        codes' descriptions in those types (the live wording is not known)."""
        target = event.get("previous_response_id")
        state = self.upgrade.app[STATE].current
        known = isinstance(target, str) and state.responses.get(target) is not None
        code, message = (
            ("response_already_completed", "The response completed and is no longer accepting steering input.")
            if known
            else ("response_not_found", "The target response is not available on this connection.")
        )
        failed = {
            "type": "response.steer.failed",
            "error": {"code": code, "message": message, "type": "invalid_request_error"},
            "sequence_number": 0,
            "steer": {"input": event.get("input"), "previous_response_id": target},
        }
        if lane is not None:
            failed["stream_id"] = lane
        async with self.lane(lane):
            await self.send(compact_bytes(failed))

    async def send(self, payload: bytes) -> None:
        async with self.sending:
            if not self.socket.closed:
                with contextlib.suppress(ConnectionError):  # (the client went away meanwhile)
                    await self.socket.send_str(payload.decode())


# The envelope of a response.create: not part of the POST body it stands for.
_ENVELOPE = frozenset({"type", "stream_id", "generate"})
# Messages of one connection answered at once (see _Connection.slots), and a lane name's length.
_IN_FLIGHT = 8
_MAX_LANE_CHARS = 256
_NOT_JSON = object()


def _parsed(data: str | bytes) -> tuple[Any, bytes | None]:
    """A client message as parsed (``_NOT_JSON`` if it is not JSON), and, for an object, the POST
    body it stands for: its fields less the envelope, with ``stream: true`` (unknown: a stream
    sent anyway is ignored; over WebSocket it is implicit)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        event = loads(raw)
    except ValueError:
        return _NOT_JSON, None
    if not isinstance(event, dict):
        return event, None
    fields = {key: value for key, value in event.items() if key not in _ENVELOPE}
    fields["stream"] = True
    return event, compact_bytes(fields)


def _websocket_refusal(event: dict[str, Any]) -> APIError | None:
    """What the WebSocket refuses that a POST would take: ``background``, ``generate: false``."""
    if event.get("background") is True:  # (the SDK: "background is not supported over WebSocket")
        message = "Background responses are not supported in WebSocket mode."
        return APIError(400, message, param="background", code="unsupported_parameter")
    generate = event.get("generate")
    if generate is not None and not isinstance(generate, bool):
        message = "Invalid type for 'generate': expected a boolean, but got something else instead."
        return APIError(400, message, param="generate", code="invalid_type")
    if generate is False:  # (unknown: what a warm-up's events are; refused rather than guessed)
        message = "mockai does not emulate generate: false; send the turn's response.create instead."
        return APIError(400, message, param="generate", code="unsupported_value")
    return None


def _error_event(status: int, error: Any, lane: str | None) -> bytes:
    """``{"type": "error", "error": {...}, "status": N}`` (``ResponseWsError``), the error object as
    the POST's body holds it."""
    event: dict[str, Any] = {"type": "error", "error": error, "status": status}
    if lane is not None:
        event["stream_id"] = lane
    return compact_bytes(event)


def _post_request(upgrade: web.Request, raw: bytes, writer: AbstractStreamWriter) -> web.Request:
    """The ``POST /v1/responses`` of body ``raw`` that a ``response.create`` stands for: the upgrade
    request's headers (its key among them) and connection, its answer written to ``writer``."""
    headers = CIMultiDict((name, value) for name, value in upgrade.headers.items() if name.lower() not in _UPGRADE_ONLY)
    headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(raw))
    message = RawRequestMessage(
        "POST",
        upgrade.raw_path,
        upgrade.version,
        CIMultiDictProxy(headers),
        tuple((name.encode(), value.encode("utf-8", "surrogateescape")) for name, value in headers.items()),
        False,  # should_close
        None,  # compression
        False,  # upgrade
        False,  # chunked
        upgrade.rel_url,
    )
    payload = StreamReader(upgrade.protocol, 1 << 16, loop=asyncio.get_running_loop())
    payload.feed_data(raw)
    payload.feed_eof()
    request = web.Request(
        message,
        payload,
        upgrade.protocol,
        writer,
        upgrade.task,
        asyncio.get_running_loop(),
        client_max_size=max(upgrade.client_max_size, len(raw)),
    )
    request._match_info = upgrade.match_info  # (as Request.clone does: request.app is the application's)
    return request


class _Events(AbstractStreamWriter):
    """Where the pipeline writes the answer of one ``response.create``: each SSE event's JSON is sent
    on as it is written (paced as the stream is); an error's body is kept for its ``error`` event."""

    def __init__(self, send: Send, lane: str | None) -> None:
        self.send, self.lane = send, lane
        self.status = 0
        self.stream = False
        self.ended = False  # whether the stream sent its terminal event
        self.pending = b""  # a stream's bytes not yet a whole event
        self.body = bytearray()

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        self.status = int(status_line.split(" ", 2)[1])
        self.stream = headers.get("Content-Type", "").startswith("text/event-stream")

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.output_size += len(chunk)
        if not self.stream:
            self.body += chunk
            return
        self.pending += bytes(chunk)
        while b"\n\n" in self.pending:
            event, _, self.pending = self.pending.partition(b"\n\n")
            await self.event(event)

    async def event(self, event: bytes) -> None:
        kind = b""
        for line in event.split(b"\n"):
            if line.startswith(b"event: "):
                kind = line[7:]
            elif line.startswith(b"data: "):
                self.ended = self.ended or kind in _TERMINAL
                await self.send(_in_lane(line[6:], self.lane))

    async def write_eof(self, chunk: bytes = b"") -> None:
        if chunk:
            await self.write(chunk)

    async def drain(self) -> None:
        return None

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        return None

    def enable_chunking(self) -> None:
        return None

    async def finish(self, socket: web.WebSocketResponse) -> None:
        """After the pipeline answered: an error as its ``error`` event; a stream that ended before
        its terminal event (a ``cut`` or ``empty`` fault) closes the connection, as it would end the
        HTTP stream; a 499 (the client went away) sends nothing."""
        if self.stream:
            if not self.ended and not socket.closed:
                await socket.close(code=_STREAM_BROKEN, message=b"stream ended early")
            return
        if self.status == 499:
            return
        try:
            parsed = json.loads(bytes(self.body))
        except ValueError:
            parsed = None
        if self.status == 200:  # (a JSON answer where a stream was asked for: a recording's; sent as it is)
            await self.send(bytes(self.body))
            return
        error = parsed.get("error") if isinstance(parsed, dict) else None
        if not isinstance(error, dict):
            error = APIError.server_error().to_dict()
        await self.send(_error_event(self.status, error, self.lane))


def _in_lane(payload: bytes, lane: str | None) -> bytes:
    """An event's JSON, with the ``stream_id`` of its lane when the create named one (its keys stay
    ``type`` first, then in alphabetical order, as the stream writes them)."""
    if lane is None:
        return payload
    try:
        event = json.loads(payload)
    except ValueError:  # (a ``malformed`` fault's half event: sent as it is)
        return payload
    if not isinstance(event, dict):
        return payload
    event["stream_id"] = lane
    ordered = {"type": event.pop("type")} if "type" in event else {}
    ordered.update(sorted(event.items()))
    return compact_bytes(ordered)
