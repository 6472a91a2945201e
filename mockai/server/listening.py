"""Putting an aiohttp application on a socket: the one way ``serve``, ``record``, the workers and the
test thread listen (runner setup, site, the bound port, the base URL, cleanup)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import socket
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from mockai.http.protocol_errors import AppRunner
from mockai.server.fast_front import FastAppRunner, FastSetup

__all__ = ["Listener", "Server", "base_url", "serve_until_signal", "wait_for_signal"]


def base_url(host: str, port: int) -> str:
    """``http://host:port/v1``, with an IPv6 host in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class Listener:
    """``app`` answering on ``host:port`` (0 picks a free port), or on ``sock`` when one is given.

    ``port`` is the requested port until :meth:`start`, the bound one after it.  ``reuse_port`` and
    ``backlog`` are passed to the listening socket; ``shutdown_timeout`` is how long :meth:`stop`
    lets requests in flight finish; ``fast``: what the fast front answers
    (:mod:`mockai.server.fast_front`), else every request is aiohttp's.
    """

    def __init__(
        self,
        app: web.Application,
        host: str,
        port: int,
        *,
        shutdown_timeout: float,
        sock: socket.socket | None = None,
        reuse_port: bool | None = None,
        backlog: int = 128,
        fast: FastSetup | None = None,
    ) -> None:
        self.app = app
        self._fast = fast
        self.host = host
        self.port = port
        self._shutdown_timeout = shutdown_timeout
        self._sock = sock
        self._reuse_port = reuse_port
        self._backlog = backlog
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return base_url(self.host, self.port)

    async def start(self) -> str:
        """Start the application (its startup hooks run) and listen; the base URL."""
        # Malformed HTTP is answered as the real API's JSON 400, with no traceback (protocol_errors).
        make = AppRunner if self._fast is None else functools.partial(FastAppRunner, setup=self._fast)
        runner = make(self.app, access_log=None, handle_signals=False, shutdown_timeout=self._shutdown_timeout)
        await runner.setup()
        self._runner = runner
        site: web.BaseSite
        if self._sock is not None:
            site = web.SockSite(runner, self._sock)
        else:
            site = web.TCPSite(runner, self.host, self.port, reuse_port=self._reuse_port, backlog=self._backlog)
        try:
            await site.start()
        except BaseException:
            await self.stop()
            raise
        addresses = runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        return self.base_url

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish, run the cleanup hooks; idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


async def wait_for_signal() -> None:
    """Return when the process gets SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


class Server(Protocol):
    """What :func:`serve_until_signal` runs: a :class:`Listener`, or a server built on one."""

    async def start(self) -> str: ...

    async def stop(self) -> None: ...


async def serve_until_signal(server: Server, announce: Callable[[str], None]) -> None:
    """Start ``server``, announce its base URL, and serve until SIGINT or SIGTERM; then stop cleanly."""
    announce(await server.start())
    try:
        await wait_for_signal()
    finally:
        await server.stop()
