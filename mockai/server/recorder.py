"""Recording: a forwarding proxy that passes each exchange through as it arrives and writes it down.

``mockai record --upstream URL --cassette FILE`` runs :func:`make_recorder_app`: every ``/v1/...``
request goes upstream with the client's own credentials, the answer comes back to the client chunk
by chunk (a stream is never buffered), and the exchange is appended to the cassette, secrets removed,
before the response ends (only its last, empty chunk waits for the disk).
``mockai serve --record-mode new_episodes|all`` forwards through the same :class:`Recorder`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from mockai.chat.delivery import error_response
from mockai.core.errors import APIError
from mockai.http.headers import request_id
from mockai.replay.cassette import (
    NO_REDACTION,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    Redaction,
    clean_body,
    clean_query,
    clean_request_headers,
    clean_response_headers,
    load_cassette,
    split_events,
)
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import parse_body
from mockai.server.runner import wait_for_signal

__all__ = ["Recorder", "make_recorder_app", "record_forever", "upstream_url"]

log = logging.getLogger("mockai.server.recorder")

# Not passed on in either direction: hop-by-hop, and lengths/encodings (aiohttp decodes bodies).
_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "expect",
    }
)
# What aiohttp can always decode (no brotli / zstd package needed): bodies are recorded decoded.
_ACCEPT_ENCODING = "gzip, deflate"
_NOT_RETURNED = _HOP | {"content-encoding"}
_CLIENT_GONE = (ConnectionError, aiohttp.ClientConnectionResetError)

OnRecord = Callable[[Interaction], None]


def upstream_url(upstream: str, path_qs: str) -> str:
    """``https://api.openai.com/v1`` + ``/v1/models`` → ``https://api.openai.com/v1/models``."""
    base = upstream.rstrip("/")
    if base.endswith("/v1") and (path_qs == "/v1" or path_qs.startswith(("/v1/", "/v1?"))):
        base = base[:-3]
    return base + path_qs


def new_session() -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=600)
    return aiohttp.ClientSession(timeout=timeout, auto_decompress=True)


class Recorder:
    """Forwards requests to ``upstream`` and appends each exchange to ``file``."""

    def __init__(self, upstream: str, file: CassetteFile, redaction: Redaction = NO_REDACTION,
                 on_record: OnRecord | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the upstream must be an http:// or https:// URL, not {upstream!r}")
        self.upstream = upstream
        self.file = file
        self.redaction = redaction
        self.on_record = on_record

    async def forward(
        self, request: web.Request, raw: bytes, session: aiohttp.ClientSession,
        recorded_hook: Callable[[Interaction], None] | None = None,
    ) -> web.StreamResponse:
        """Pass one exchange through; it is on disk (and ``recorded_hook`` has run) before the
        response ends, so a client that has its whole answer never outruns the cassette."""
        loop = asyncio.get_running_loop()
        url = upstream_url(self.upstream, request.raw_path)
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in _HOP)
        if "Accept-Encoding" in headers:
            headers["Accept-Encoding"] = _ACCEPT_ENCODING
        sent = loop.time()
        try:
            upstream = await session.request(
                request.method, url, headers=headers, data=raw or None, allow_redirects=False
            )
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise APIError.upstream_unreachable(self.upstream, _describe(exc)) from None
        async with upstream:
            started = loop.time()
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in _NOT_RETURNED:
                    response.headers.add(name, value)
            await response.prepare(request)
            streamed = upstream.headers.get("Content-Type", "").startswith("text/event-stream")
            body = bytearray()
            events: list[tuple[float, bytes]] = []
            client_here, complete = True, True
            try:
                async for chunk in upstream.content.iter_any():
                    if streamed:
                        _split_into(events, body, chunk, loop.time() - started)
                    else:
                        body += chunk
                    if client_here:
                        try:
                            await response.write(chunk)
                        except _CLIENT_GONE:
                            client_here = False  # keep reading: the recording stays whole
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                complete = False
                log.warning("upstream dropped %s %s mid-answer: %s", request.method, request.path,
                            _describe(exc))
            if streamed and body:
                events.append((loop.time() - started, bytes(body)))
            reply_headers = clean_response_headers(upstream.headers.items(), self.redaction)
            recorded = RecordedResponse(
                upstream.status, reply_headers, b"" if streamed else bytes(body),
                tuple(events) if streamed else None, started - sent,
            )
        interaction = Interaction(self._request(request, raw), recorded)
        await self.record(interaction)
        if recorded_hook is not None:
            recorded_hook(interaction)
        if client_here and complete:
            with contextlib.suppress(*_CLIENT_GONE):
                await response.write_eof()
        elif request.transport is not None:
            request.transport.abort()
        return response

    def _request(self, request: web.Request, raw: bytes) -> RecordedRequest:
        body, text = parse_body(raw)
        return RecordedRequest(
            request.method,
            request.path,
            clean_query(request.query_string),
            clean_request_headers(request.headers.items(), self.redaction),
            clean_body(body, self.redaction),
            text,
        )

    async def record(self, interaction: Interaction) -> None:
        self.file.append(interaction)
        if self.on_record is not None:
            self.on_record(interaction)
        await asyncio.to_thread(self.file.flush)


def _split_into(events: list[tuple[float, bytes]], pending: bytearray, chunk: bytes, offset: float) -> None:
    """Move every complete SSE event of ``pending + chunk`` to ``events``; keep the rest pending."""
    pending += chunk
    done, rest = split_events(bytes(pending))
    events.extend((offset, piece) for piece in done)
    pending[:] = rest


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error.strerror or str(exc.os_error)
    return str(exc) or type(exc).__name__


# --- the standalone recorder (``mockai record``) --------------------------------------------------

RECORDER: web.AppKey[Recorder] = web.AppKey("mockai_recorder", Recorder)
SESSION: web.AppKey[list[aiohttp.ClientSession]] = web.AppKey("mockai_recorder_session", list)


@web.middleware
async def _boundary(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    req_id = request_id(request.method.encode() + request.path.encode() + str(time.time_ns()).encode())
    try:
        return await handler(request)
    except APIError as error:
        return error_response(error, req_id)
    except web.HTTPException as exc:
        if exc.status == 404:
            message = f"mockai record forwards /v1/... paths only, not {request.path}"
            return error_response(APIError(404, message, auth_layer=True), req_id)
        return error_response(APIError(exc.status, exc.reason or "Request failed"), req_id)
    except Exception:
        log.exception("recorder failed on %s %s", request.method, request.path)
        return error_response(APIError.server_error(), req_id)


async def _proxy(request: web.Request) -> web.StreamResponse:
    raw = await request.read()
    return await request.app[RECORDER].forward(request, raw, request.app[SESSION][0])


async def _open_session(app: web.Application) -> None:
    app[SESSION].append(new_session())


async def _close(app: web.Application) -> None:
    for session in app[SESSION]:
        await session.close()
    await asyncio.to_thread(app[RECORDER].file.flush)


def make_recorder_app(upstream: str, cassette: Path, redaction: Redaction = NO_REDACTION,
                      max_body_bytes: int = 64 * 1024 * 1024) -> web.Application:
    """The recording proxy; an existing cassette is kept and appended to (it must load)."""
    existing = load_cassette(cassette) if cassette.exists() else None
    app = web.Application(middlewares=[_boundary], client_max_size=max_body_bytes)
    app[RECORDER] = Recorder(upstream, CassetteFile(cassette, existing), redaction)
    app[SESSION] = []
    app.on_startup.append(_open_session)
    app.on_cleanup.append(_close)
    app.router.add_route("*", "/v1/{tail:.*}", _proxy)
    app.router.add_route("*", "/v1", _proxy)
    return app


async def record_forever(
    upstream: str, cassette: Path, host: str = "127.0.0.1", port: int = 8000,
    redaction: Redaction = NO_REDACTION, announce: Callable[[str], None] = print,
) -> None:
    """Record until SIGINT or SIGTERM; in-flight exchanges finish and are written before exit."""
    app = make_recorder_app(upstream, cassette, redaction)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=30.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None)
    bound = sockets[0].getsockname()[1] if sockets else port
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{bound}/v1")
    try:
        await wait_for_signal()
    finally:
        await runner.cleanup()
