"""``mockai record --upstream URL --cassette FILE``: the standalone recording proxy.

:func:`make_recorder_app` forwards every ``/v1/...`` request through a
:class:`~mockai.replay.recorder.Recorder` (which passes each answer on as it arrives and appends the
exchange to the cassette); :func:`record_forever` runs it until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.http.responses import Handler, error_boundary, request_id_of
from mockai.replay.cassette import NO_REDACTION, Redaction, load_cassette
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.recorder import Recorder, new_session
from mockai.server.admin_guard import check_not_from_a_page
from mockai.server.listening import Listener, serve_until_signal

__all__ = ["make_recorder_app", "record_forever"]

RECORDER: web.AppKey[Recorder] = web.AppKey("mockai_recorder", Recorder)
SESSION: web.AppKey[list[aiohttp.ClientSession]] = web.AppKey("mockai_recorder_session", list)
# Where the proxy listens (host and port): the names a request to it may give as Host and Origin.
LISTENING: web.AppKey[ServerConfig] = web.AppKey("mockai_recorder_listening", ServerConfig)


def _time_based_id(request: web.Request) -> str:
    """Every exchange is new to the proxy: its request id is never the one of an earlier one."""
    return request_id_of(request, str(time.time_ns()).encode())


def _refusal(request: web.Request, exc: web.HTTPException) -> APIError:
    """The proxy's words for the HTTP errors aiohttp raises: only ``/v1/...`` is forwarded."""
    if exc.status == 404:
        message = f"mockai record forwards /v1/... paths only, not {request.path}"
        return APIError(404, message, auth_layer=True)
    return APIError(exc.status, exc.reason or "Request failed")


async def _proxy(request: web.Request) -> web.StreamResponse:
    check_not_from_a_page(request, request.app[LISTENING], "Recording (forwarding upstream)", "record")
    raw = await request.read()
    return await request.app[RECORDER].forward(request, raw, request.app[SESSION][0])


async def _open_session(app: web.Application) -> None:
    app[SESSION].append(new_session())


async def _close(app: web.Application) -> None:
    for session in app[SESSION]:
        await session.close()
    await asyncio.to_thread(app[RECORDER].file.flush)


def make_recorder_app(
    upstream: str,
    cassette: Path,
    redaction: Redaction = NO_REDACTION,
    max_body_bytes: int = 64 * 1024 * 1024,
    host: str = "127.0.0.1",
    port: int = 0,
) -> web.Application:
    """The recording proxy; an existing cassette is kept and appended to (it must load)."""
    existing = load_cassette(cassette) if cassette.exists() else None

    @web.middleware
    async def boundary(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await error_boundary(request, handler, max_body_bytes, id_of=_time_based_id, http_error=_refusal)

    app = web.Application(middlewares=[boundary], client_max_size=max_body_bytes)
    app[RECORDER] = Recorder(upstream, CassetteFile(cassette, existing), redaction)
    app[SESSION] = []
    app[LISTENING] = ServerConfig(host=host, port=port)
    app.on_startup.append(_open_session)
    app.on_cleanup.append(_close)
    app.router.add_route("*", "/v1/{tail:.*}", _proxy)
    app.router.add_route("*", "/v1", _proxy)
    return app


async def record_forever(
    upstream: str,
    cassette: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    redaction: Redaction = NO_REDACTION,
    announce: Callable[[str], None] = print,
) -> None:
    """Record until SIGINT or SIGTERM; in-flight exchanges finish and are written before exit."""
    app = make_recorder_app(upstream, cassette, redaction, host=host, port=port)
    await serve_until_signal(Listener(app, host, port, shutdown_timeout=30.0), announce)
