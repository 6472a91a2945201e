"""Putting an aiohttp application on a socket: the one way ``serve``, ``record``, the workers and the
test thread listen (runner setup, site, the bound port, the base URL, cleanup, slow clients'
bounds), and the report of connections the process cannot accept (:class:`AcceptErrors`)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import signal
import socket
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from mockai.server.fast_front import FastAppRunner, FastSetup
from mockai.server.line_writer import logs_off_the_loop
from mockai.server.slow_clients import CLIENT_TIMEOUT, IDLE_TIMEOUT, TimedAppRunner

__all__ = [
    "AcceptErrors",
    "Listener",
    "Server",
    "base_url",
    "quiet_accept_errors",
    "serve_until_signal",
    "wait_for_signal",
]

log = logging.getLogger("mockai")


def base_url(host: str, port: int) -> str:
    """``http://host:port/v1``, with an IPv6 host in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class Listener:
    """``app`` answering on ``host:port`` (0 picks a free port), or on ``sock`` when one is given.

    ``port`` is the requested port until :meth:`start`, the bound one after it.  ``reuse_port`` and
    ``backlog`` are passed to the listening socket; ``shutdown_timeout`` is how long :meth:`stop`
    lets requests in flight finish; ``fast``: what the fast front answers
    (:mod:`mockai.server.fast_front`), else every request is aiohttp's.  ``idle_timeout`` and
    ``client_timeout`` bound how long a connection may keep mockai waiting for its bytes
    (:mod:`mockai.server.slow_clients`).
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
        idle_timeout: float = IDLE_TIMEOUT,
        client_timeout: float = CLIENT_TIMEOUT,
    ) -> None:
        self.app = app
        self._fast = fast
        self._idle_timeout = idle_timeout
        self._client_timeout = client_timeout
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
        # Connections that keep it waiting for their bytes are closed (slow_clients).
        make = TimedAppRunner if self._fast is None else functools.partial(FastAppRunner, setup=self._fast)
        runner = make(
            self.app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=self._shutdown_timeout,
            keepalive_timeout=self._idle_timeout,
            client_timeout=self._client_timeout,
        )
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
    """Return when the process gets SIGINT or SIGTERM.  (The process serves on this loop: what it
    cannot accept is reported by :func:`quiet_accept_errors`.)"""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    quiet_accept_errors(loop)
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
    with logs_off_the_loop():
        announce(await server.start())
        try:
            await wait_for_signal()
        finally:
            await server.stop()


# What asyncio's accept loop meets when the process is out of file descriptors or memory.
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
ACCEPT_REPORT_SECONDS = 5.0


class AcceptErrors:
    """An event loop's exception handler: connections the process cannot accept for want of file
    descriptors or memory are one short line on the ``mockai`` logger, without a traceback, at most
    one every ``every`` seconds (the first at once, then how many more there were); anything else
    goes to the loop's default handler, unchanged.

    asyncio reports each failed ``accept()`` with its traceback, once per connection waiting in the
    backlog (2048 here), and tries again a second later: at the open-file limit that was a
    hundred megabytes of stderr in seconds, and a loop blocked for good on a stderr nobody reads.
    """

    def __init__(self, every: float = ACCEPT_REPORT_SECONDS) -> None:
        self.every = every
        self._quiet_until = float("-inf")  # loop time until which errors are counted, not written
        self._counted = 0  # since the last line
        self._last: OSError | None = None
        self._report: asyncio.TimerHandle | None = None

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message")
        if not (
            isinstance(exc, OSError)
            and exc.errno in _OUT_OF_RESOURCES
            and isinstance(message, str)
            and "accept" in message
        ):
            loop.default_exception_handler(context)
            return
        self._counted += 1
        self._last = exc
        if self._report is not None:
            return
        if loop.time() >= self._quiet_until:
            self._write(loop)
        else:
            self._report = loop.call_at(self._quiet_until, self._write, loop)

    def _write(self, loop: asyncio.AbstractEventLoop) -> None:
        self._report = None
        counted, self._counted = self._counted, 0
        exc = self._last
        if not counted or exc is None:
            return
        self._quiet_until = loop.time() + self.every
        reason = f"{exc.strerror or exc} ({errno.errorcode.get(exc.errno or 0, exc.errno)})"
        if counted == 1:
            log.warning("cannot accept a connection: %s; trying again every second", reason)
        else:
            log.warning(
                "cannot accept connections: %s, %d times in the last %g s; trying again every second",
                reason,
                counted,
                self.every,
            )


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Report what ``loop``'s servers cannot accept with :class:`AcceptErrors`, unless the loop
    already has an exception handler of its own (a loop mockai runs on: the CLI's, a worker's, the
    test thread's)."""
    if loop.get_exception_handler() is None:
        loop.set_exception_handler(AcceptErrors())
