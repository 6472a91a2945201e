"""Running the application: in the foreground (the CLI) or on a background thread (the plugin)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from mockai.core.config import ServerConfig
from mockai.server.app import fast_setup, make_app
from mockai.server.listening import Listener, quiet_accept_errors, serve_until_signal
from mockai.server.state import STATE, ServerState

__all__ = ["MockServer", "ServerThread", "serve_forever"]

T = TypeVar("T")


class MockServer(Listener):
    """The mock application listening on ``config.host:config.port`` (0 picks a free port), or on
    ``sock`` (the workers' shared socket)."""

    def __init__(self, config: ServerConfig, sock: socket.socket | None = None) -> None:
        # A deep backlog: load tests open hundreds of connections at once.
        app = make_app(config, ServerState(config))
        super().__init__(
            app,
            config.host,
            config.port,
            shutdown_timeout=1.0,
            sock=sock,
            reuse_port=config.workers > 1,
            backlog=2048,
            fast=fast_setup(app),
            idle_timeout=config.idle_timeout,
            client_timeout=config.client_timeout,
        )
        self.config = config

    @property
    def state(self) -> ServerState:
        """The state the application answers from right now."""
        return self.app[STATE].current

    def renew(self, config: ServerConfig | None = None) -> ServerState:
        """Answer from a fresh state under ``config`` (else the current one's) from now on; call it
        on the server's loop, or while no request is in flight.  The fresh state."""
        holder = self.app[STATE]
        return holder.renew(config or holder.current.config)


async def serve_forever(config: ServerConfig, announce: Callable[[str], None] = print) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    await serve_until_signal(MockServer(config), announce)


class ServerThread:
    """A server on its own event loop in a daemon thread: for sync code such as pytest fixtures.

    The server's state lives on that loop: change it from another thread with :meth:`run` (or
    :meth:`run_coroutine`), which wait for the result and raise what the call raised.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.server = MockServer(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="mockai-server", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def config(self) -> ServerConfig:
        """The configuration the server was started with (host, port, body limit)."""
        return self.server.config

    @property
    def state(self) -> ServerState:
        return self.server.state

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def running(self) -> bool:
        """Whether the server's thread is alive (started and not stopped)."""
        return self._thread.is_alive()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        quiet_accept_errors(self._loop)  # (the loop is this thread's own)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.stop())
        _finish_tasks(self._loop)
        self._loop.close()

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("mockai server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"mockai server failed to start: {self._error}") from self._error
        return self.base_url

    def run(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Call ``fn`` on the server's loop (where state lives); its result, or what it raised.

        Raises :class:`concurrent.futures.TimeoutError` (the built-in ``TimeoutError`` since Python
        3.11) when the loop has not run it within ``timeout`` seconds; it then never runs.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return  # the caller gave up waiting
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        return _result(future, timeout)

    def run_coroutine(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the server's loop; its result, or what it raised (cancelled after ``timeout`` s)."""
        return _result(asyncio.run_coroutine_threadsafe(coro, self._loop), timeout)

    def renew(self, config: ServerConfig | None = None) -> ServerState:
        """A fresh state under ``config`` (else the current one's), swapped in on the server's loop."""
        return self.run(lambda: self.server.renew(config))

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10.0)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still running on ``loop`` and let it end, as ``asyncio.run`` does before it
    closes its loop: a connection's handler can outlive the server's shutdown (aiohttp reading the
    rest of a body a client left without sending, for up to its lingering time), and a loop closed
    under it leaves a task asyncio reports as destroyed while pending."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())


def _result(future: concurrent.futures.Future[T], timeout: float) -> T:
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise
