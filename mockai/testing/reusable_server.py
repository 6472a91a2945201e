"""One server reused by many tests: renewed between them, with nothing left running across.

Starting a server per test costs a thread, an event loop and a socket; renewing the state of one
server costs a few dataclasses.  :class:`ReusableServer` keeps one :class:`~mockai.server.runner.ServerThread`
and, between tests, :meth:`~ReusableServer.settle` cancels every request still in flight (a hung
request, a stream the test never finished reading): its connection is dropped and its journal entry
lands in the test that made it, never in the next one.  Idle keep-alive connections stay open, so a
client cached by application code keeps working.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.server.app import ServerState
from mockai.server.runner import ServerThread

__all__ = ["ReusableServer"]

T = TypeVar("T")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ReusableServer:
    """A :class:`ServerThread` plus a record of the requests it is answering right now."""

    def __init__(self, config: ServerConfig) -> None:
        self.thread = ServerThread(config)
        self._inflight: dict[asyncio.Task[Any], web.Request] = {}
        inflight = self._inflight

        @web.middleware
        async def track_inflight(request: web.Request, handler: Handler) -> web.StreamResponse:
            task = asyncio.current_task()
            if task is None:  # pragma: no cover - aiohttp always runs handlers in a task
                return await handler(request)
            inflight[task] = request
            try:
                return await handler(request)
            finally:
                inflight.pop(task, None)

        # Innermost, after the error boundary; the app is frozen only when the server starts.
        self.thread.server.app.middlewares.append(track_inflight)

    @property
    def config(self) -> ServerConfig:
        """The configuration the server was started with (host, port, body limit)."""
        return self.thread.server.config

    @property
    def state(self) -> ServerState:
        return self.thread.state

    @property
    def base_url(self) -> str:
        return self.thread.base_url

    def start(self) -> str:
        return self.thread.start()

    def stop(self) -> None:
        self.thread.stop()

    @property
    def running(self) -> bool:
        return self.thread._thread.is_alive()

    def run(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Call ``fn`` on the server's loop (where state lives) and return its result or raise."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self.thread._loop.call_soon_threadsafe(call)
        return future.result(timeout)

    def run_coroutine(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.thread._loop).result(timeout)

    def renew(self, config: ServerConfig, then: Callable[[ServerState], None] | None = None) -> None:
        """A fresh state (journal, rules, stored completions) under ``config``, same socket.

        ``then(state)`` runs right after.  With no request in flight (the usual case between two
        tests, after :meth:`settle`) this runs here, on the caller's thread: the server's thread
        only touches the state while it answers a request, and waking it up costs more than the
        renewal itself on a busy machine.  Otherwise it runs on the server's loop.
        """

        def renew() -> None:
            self.state.renew(config)
            if then is not None:
                then(self.state)

        if self._inflight:
            self.run(renew)
        else:
            renew()

    def inflight_count(self) -> int:
        # Read from any thread: len() of a dict is atomic, and hopping threads costs more.
        return len(self._inflight)

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the requests in flight to finish; True when none is left."""
        if not self._inflight:
            return True

        async def wait() -> bool:
            tasks = list(self._inflight)
            if tasks:
                await asyncio.wait(tasks, timeout=timeout)
            return not self._inflight

        return self.run_coroutine(wait(), timeout + 5.0)

    def settle(self, grace: float = 0.05) -> int:
        """Let requests in flight finish for ``grace`` s, then cancel the rest; return how many."""
        if not self._inflight:  # the usual case: no hop to the server's thread
            return 0

        async def cancel() -> int:
            if self._inflight:
                await asyncio.wait(list(self._inflight), timeout=grace)
            stuck = dict(self._inflight)
            for task, request in stuck.items():
                if request.transport is not None:
                    request.transport.abort()
                task.cancel()
            if stuck:
                await asyncio.wait(list(stuck), timeout=5.0)
            return len(stuck)

        return self.run_coroutine(cancel(), grace + 10.0)
