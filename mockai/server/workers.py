"""``mockai serve --workers N``: N server processes answering on one port.

On Linux every worker binds the port itself with ``SO_REUSEPORT`` and the kernel spreads the
connections across them.  Elsewhere the parent opens one listening socket and the workers share
it.  With ``--port 0`` the parent reserves a concrete port first, so that every worker listens on
the same one; the URL is announced once, when all workers listen.  SIGINT or SIGTERM stops them
all; a worker that dies is reported on stderr and replaced.

Seeded answers are a pure function of the server seed and the request, so every worker gives the
same bytes.  What a server *remembers* is per worker: the request journal and the admin API under
``/_mockai/``, scenario sequences and ``times`` counters, and, without ``--store-path``, stored
completions, stored responses and conversations.  Recording a cassette
from several processes would lose exchanges, so record modes other than ``none`` are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from mockai.core.config import ServerConfig
from mockai.server.listening import base_url, wait_for_signal
from mockai.server.port_in_use import listen_error

__all__ = ["check_workers_config", "serve_workers"]

_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0
# A replacement that dies within this many seconds of starting is not replaced again.
_CRASH_LOOP = 5.0
_REUSEPORT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def check_workers_config(config: ServerConfig) -> list[str]:
    """Notes for the user about per-worker state; raises ValueError for what cannot work."""
    if config.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {config.workers}")
    if config.latency_profile:
        from mockai.server.latency_profile import parse_profile

        parse_profile(config.latency_profile)  # refused here, before any worker starts
    if config.scenarios:
        from mockai.scenarios.file_format import load_path

        for path in config.scenarios:
            load_path(path)  # a broken file is refused here too, not by every worker it would start
    if config.record_mode != "none":
        raise ValueError(
            f"--workers {config.workers} cannot record (--record-mode {config.record_mode}): several "
            "processes appending to one cassette would lose exchanges; record with one worker"
        )
    # Stored completions warn for themselves (mockai.chat.store.routes).
    notes = [
        f"{config.workers} workers answer the same seeded bytes, but each keeps its own request journal "
        "(/_mockai/ admin calls reach one worker)"
    ]
    if config.scenarios:
        notes.append("scenario sequences and 'times' limits count per worker, not per server")
    return notes


def serve_workers(config: ServerConfig, announce: Callable[[str], None]) -> int:
    """Run ``config.workers`` server processes on one port until SIGINT / SIGTERM; the exit code."""
    try:
        notes = check_workers_config(config)
    except ValueError as exc:
        print(f"mockai: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"mockai: note: {note}", file=sys.stderr)
    try:
        reserved = _reserve(config.host, config.port)
    except OSError as exc:
        print(listen_error(config.host, config.port, exc), file=sys.stderr)
        return 2
    port = int(reserved.getsockname()[1])
    pool = _Pool(replace(config, port=port), None if _REUSEPORT else reserved)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(reserved.close)
        cleanup.callback(pool.stop)
        error = pool.start_all()
        if error is not None:
            print(f"mockai: {error}", file=sys.stderr)
            return 2
        if _REUSEPORT:
            reserved.close()  # the workers listen now; the reservation has done its job
        announce(base_url(config.host, port))
        return pool.supervise()
    return 0  # pragma: no cover (the with block returns)


def _reserve(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (a concrete port when 0): with SO_REUSEPORT where the kernel
    spreads connections over the workers' own sockets, else listening, for the workers to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if _REUSEPORT:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if not _REUSEPORT:
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class _Worker:
    def __init__(self, index: int, process: BaseProcess, conn: Connection, replacement: bool) -> None:
        self.index = index
        self.process = process
        self.conn = conn
        self.replacement = replacement
        self.started = time.monotonic()


class _Pool:
    def __init__(self, config: ServerConfig, shared: socket.socket | None) -> None:
        self.config = config
        self.shared = shared
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.stopping = False

    def _spawn(self, index: int, replacement: bool = False) -> _Worker:
        parent, child = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_worker_main, args=(self.config, child, self.shared), name=f"mockai-worker-{index}", daemon=True
        )
        process.start()
        child.close()
        return _Worker(index, process, parent, replacement)

    def start_all(self) -> str | None:
        """Start every worker and wait until each listens; the first error, if any."""
        self.workers = [self._spawn(i) for i in range(self.config.workers)]
        for worker in self.workers:
            error = _await_ready(worker)
            if error is not None:
                return error
        return None

    def supervise(self) -> int:
        """Wait for a signal; replace workers that die.  The exit code."""
        wake_r, wake_w = socket.socketpair()
        wake_w.setblocking(False)

        def on_signal(signum: int, frame: Any) -> None:
            self.stopping = True
            with contextlib.suppress(OSError):
                wake_w.send(b"\0")

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not self.stopping:
                ready = wait([*(w.process.sentinel for w in self.workers), wake_r])
                for worker in [w for w in self.workers if w.process.sentinel in ready]:
                    if not self.stopping and not self._replace(worker):
                        return 1
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            wake_r.close()
            wake_w.close()

    def _replace(self, dead: _Worker) -> bool:
        dead.process.join()
        code = dead.process.exitcode
        lived = time.monotonic() - dead.started
        print(
            f"mockai: worker {dead.index} (pid {dead.process.pid}) exited with code {code} after {lived:.1f} s",
            file=sys.stderr,
        )
        if lived < _CRASH_LOOP and dead.replacement:
            print("mockai: it was itself a replacement and died at once; stopping", file=sys.stderr)
            return False
        fresh = self._spawn(dead.index, replacement=True)
        error = _await_ready(fresh)
        self.workers[self.workers.index(dead)] = fresh
        if error is not None:
            print(f"mockai: worker {dead.index} could not be replaced: {error}", file=sys.stderr)
            return False
        print(f"mockai: worker {dead.index} replaced (pid {fresh.process.pid})", file=sys.stderr)
        return True

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.process.terminate()  # SIGTERM: the worker shuts down cleanly
        deadline = time.monotonic() + _STOP_TIMEOUT
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _await_ready(worker: _Worker) -> str | None:
    if not worker.conn.poll(_START_TIMEOUT):
        return f"worker {worker.index} did not start within {_START_TIMEOUT:.0f} s"
    try:
        kind, detail = worker.conn.recv()
    except EOFError:
        worker.process.join(5.0)
        return f"worker {worker.index} exited while starting (code {worker.process.exitcode})"
    return None if kind == "ready" else str(detail)


# --- in the worker process ------------------------------------------------------------------------


def _worker_main(config: ServerConfig, conn: Connection, shared: socket.socket | None) -> None:
    # SIGTERM (from the parent) or SIGINT (Ctrl-C reaches the whole process group) stop the worker.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config, conn, shared))


async def _serve(config: ServerConfig, conn: Connection, shared: socket.socket | None) -> None:
    from mockai.server.runner import MockServer

    try:
        server = MockServer(config, sock=shared)
        await server.start()
    except OSError as exc:
        conn.send(("error", f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"))
        return
    except Exception as exc:  # configuration errors (bad scenario, cassette, …)
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", server.base_url))
    conn.close()
    try:
        await wait_for_signal()
    finally:
        await server.stop()
