"""One server reused by many tests: renewed between them, with nothing left running across.

Starting a server per test costs a thread, an event loop and a socket; renewing the state of one
server costs a few dataclasses.  :class:`ReusableServer` is a :class:`~mockai.server.runner.ServerThread`
whose :meth:`~ReusableServer.settle`, between tests, cancels every request still in flight (a hung
request, a stream the test never finished reading): its connection is dropped and its journal entry
lands in the test that made it, never in the next one.  Idle keep-alive connections stay open, so a
client cached by application code keeps working.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.http.responses import Handler
from mockai.server.runner import ServerThread
from mockai.server.state import ServerState

__all__ = ["ReusableServer"]


class ReusableServer(ServerThread):
    """A :class:`ServerThread` plus a record of the requests it is answering right now."""

    def __init__(self, config: ServerConfig) -> None:
        super().__init__(config)
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
        self.server.app.middlewares.append(track_inflight)

    def renew(
        self, config: ServerConfig | None = None, then: Callable[[ServerState], None] | None = None
    ) -> ServerState:
        """A fresh state (journal, rules, stored completions) under ``config``, same socket.

        ``then(state)`` runs right after.  With no request in flight (the usual case between two
        tests, after :meth:`settle`) this runs here, on the caller's thread: the server's thread
        only touches the state while it answers a request, and waking it up costs more than the
        renewal itself on a busy machine.  Otherwise it runs on the server's loop.
        """

        def renew() -> ServerState:
            state = self.server.renew(config)
            if then is not None:
                then(state)
            return state

        return self.run(renew) if self._inflight else renew()

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
