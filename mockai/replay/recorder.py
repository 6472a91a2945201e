"""Recording: forward one exchange upstream, pass the answer on as it arrives, and write it down.

The request goes upstream with the client's own credentials, the answer comes back to the client
chunk by chunk (a stream is never buffered), and the exchange is appended to the cassette, secrets
removed, before the response ends (only its last, empty chunk waits for the disk).
``mockai record`` (:mod:`mockai.server.recorder`) and ``mockai serve --record-mode
new_episodes|all`` both forward through a :class:`Recorder`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from mockai.core.errors import APIError
from mockai.replay.cassette import NO_REDACTION, CassetteRequest, CassetteResponse, Interaction, Redaction
from mockai.replay.cassette_cleaning import (
    clean_body,
    clean_query,
    clean_request_headers,
    clean_response_headers,
    scrub_secrets,
    secrets_sent,
    split_events,
)
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import parse_body

__all__ = ["OnRecord", "Recorder", "new_session", "upstream_url"]

log = logging.getLogger(__name__)

# Not passed on in either direction: hop-by-hop, and lengths/encodings (aiohttp decodes bodies).
_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "expect",
    }
)  # fmt: skip
# What aiohttp can always decode (no brotli / zstd package needed): bodies are recorded decoded.
_ACCEPT_ENCODING = "gzip, deflate"
_NOT_RETURNED = _HOP | {"content-encoding"}
# mockai's admin token is mockai's: never sent on to the real API.
_NOT_FORWARDED = _HOP | {"x-mockai-admin-token"}
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

    def __init__(
        self, upstream: str, file: CassetteFile, redaction: Redaction = NO_REDACTION, on_record: OnRecord | None = None
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the upstream must be an http:// or https:// URL, not {upstream!r}")
        self.upstream = upstream
        self.file = file
        self.redaction = redaction
        file.redaction = redaction  # the cassette's header says what this recorder removes
        self.on_record = on_record

    async def forward(
        self,
        request: web.Request,
        raw: bytes,
        session: aiohttp.ClientSession,
        recorded_hook: OnRecord | None = None,
    ) -> web.StreamResponse:
        """Pass one exchange through; it is on disk (and ``recorded_hook`` has run) before the
        response ends, so a client that has its whole answer never outruns the cassette.

        An answer the upstream dropped midway is passed on as far as it came and not recorded
        (replaying it would turn a failure into a whole 200); ``recorded_hook`` still runs."""
        loop = asyncio.get_running_loop()
        headers = _upstream_headers(request)
        sent = loop.time()
        try:
            upstream = await session.request(
                request.method, upstream_url(self.upstream, request.raw_path), headers=headers,
                data=raw or None, allow_redirects=False,
            )  # fmt: skip
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise APIError.upstream_unreachable(self.upstream, _describe(exc)) from None
        async with upstream:
            started = loop.time()
            response = await _start_reply(request, upstream)
            passed = await _pass_on(request, upstream, response, started)
            reply_headers = clean_response_headers(upstream.headers.items(), self.redaction)
            secrets = secrets_sent(request.headers.items(), request.query_string, self.redaction, parse_body(raw)[0])
            body, events = passed.body, passed.events
            if secrets:  # (an upstream's answer may echo the key it refused)
                body = scrub_secrets(body, secrets)
                events = None if events is None else tuple((t, scrub_secrets(e, secrets)) for t, e in events)
            recorded = CassetteResponse(upstream.status, reply_headers, body, events, started - sent)
        # The response has started: from here nothing may raise (the server would write a 500 into it).
        try:
            interaction = Interaction(self._request(request, raw), recorded)
            if passed.complete:  # an answer the upstream dropped midway is not recorded (see _pass_on)
                interaction = await self.record(interaction) or interaction
            if recorded_hook is not None:
                recorded_hook(interaction)
        except Exception as exc:  # logged: the client still gets its answer
            log.error(
                "mockai: %s %s not recorded: %s: %s", request.method, request.path, type(exc).__name__, str(exc)[:200]
            )
        if passed.client_here and passed.complete:
            with contextlib.suppress(*_CLIENT_GONE):
                await response.write_eof()
        elif request.transport is not None:
            request.transport.abort()
        return response

    def _request(self, request: web.Request, raw: bytes) -> CassetteRequest:
        body, text = parse_body(raw)
        return CassetteRequest(
            request.method,
            request.path,
            clean_query(request.query_string),
            clean_request_headers(request.headers.items(), self.redaction),
            clean_body(body, self.redaction),
            text,
        )

    async def record(self, interaction: Interaction) -> Interaction | None:
        """Append the exchange and write the cassette; what was written (its request body may be
        JSON text, see :class:`CassetteFile`), or None when it could not be written at all."""
        stored = await asyncio.to_thread(self.file.append, interaction)  # turned into YAML there
        if stored is None:
            return None
        if self.on_record is not None:
            self.on_record(stored)
        await asyncio.to_thread(self.file.flush)
        return stored


def _upstream_headers(request: web.Request) -> CIMultiDict[str]:
    """The client's headers as they go upstream: no hop-by-hop ones, encodings aiohttp decodes."""
    headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED)
    if "Accept-Encoding" in headers:
        headers["Accept-Encoding"] = _ACCEPT_ENCODING
    return headers


async def _start_reply(request: web.Request, upstream: aiohttp.ClientResponse) -> web.StreamResponse:
    """The client's response, prepared with the upstream status and headers (no hop-by-hop ones)."""
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
    for name, value in upstream.headers.items():
        if name.lower() not in _NOT_RETURNED:
            response.headers.add(name, value)
    await response.prepare(request)
    return response


@dataclass(frozen=True, slots=True)
class _Passed:
    """What went through: the body, or a stream's events (each with its offset), and how it ended."""

    body: bytes
    events: tuple[tuple[float, bytes], ...] | None
    client_here: bool  # False once writing to the client failed (it went away)
    complete: bool  # False when the upstream dropped the answer midway


async def _pass_on(
    request: web.Request, upstream: aiohttp.ClientResponse, response: web.StreamResponse, started: float
) -> _Passed:
    """Copy the upstream answer to the client chunk by chunk, keeping what passes."""
    loop = asyncio.get_running_loop()
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
        log.warning(
            "upstream dropped %s %s mid-answer (%s): not recorded", request.method, request.path, _describe(exc)
        )
    if not streamed:
        return _Passed(bytes(body), None, client_here, complete)
    if body:
        events.append((loop.time() - started, bytes(body)))
    return _Passed(b"", tuple(events), client_here, complete)


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
