"""Running the application: in the foreground (the CLI) or on a background thread (the plugin)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.server.app import ServerState, make_app

__all__ = ["MockServer", "ServerThread", "serve_forever"]


class MockServer:
    """One aiohttp server bound to ``config.host:config.port`` (0 picks a free port)."""

    def __init__(self, config: ServerConfig, sock: socket.socket | None = None) -> None:
        self.config = config
        self.state = ServerState(config)
        self.app = make_app(config, self.state)
        self._runner: web.AppRunner | None = None
        self._sock = sock
        self.port = config.port

    @property
    def base_url(self) -> str:
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/v1"

    async def start(self) -> str:
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site: web.BaseSite
        if self._sock is not None:
            site = web.SockSite(self._runner, self._sock)
        else:
            # A deep backlog: load tests open hundreds of connections at once.
            site = web.TCPSite(
                self._runner,
                self.config.host,
                self.config.port,
                reuse_port=self.config.workers > 1,
                backlog=2048,
            )
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def wait_for_signal() -> None:
    """Return when the process gets SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_forever(config: ServerConfig, announce: Callable[[str], None] = print) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    server = MockServer(config)
    url = await server.start()
    announce(url)
    try:
        await wait_for_signal()
    finally:
        await server.stop()


class ServerThread:
    """A server on its own event loop in a daemon thread: for sync code such as pytest fixtures."""

    def __init__(self, config: ServerConfig) -> None:
        self.server = MockServer(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="mockai-server", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def state(self) -> ServerState:
        return self.server.state

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.stop())
        self._loop.close()

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("mockai server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"mockai server failed to start: {self._error}") from self._error
        return self.base_url

    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the server's loop (state changes stay on one thread)."""
        done = threading.Event()

        def run() -> None:
            try:
                fn()
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(5.0)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10.0)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
