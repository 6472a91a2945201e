"""Helpers for the record/replay tests: ``mockai`` run as a real process, as users run it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class MockaiProcess:
    """``python -m mockai <args>`` with its announced base URL; stopped with SIGINT (or killed)."""

    def __init__(self, *args: str, cwd: Path | None = None, timeout: float = 20.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockai", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        found = list(re.finditer(r"http://\S+/v1", line))
        if not found:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"mockai {' '.join(args)} did not start: {line!r} {err.decode()!r}")
        self.url = found[-1].group(0)  # the address it serves on is announced last
        self.output = line
        self.errors = ""

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Stop the process and keep what it printed; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        self.output += out.decode(errors="replace")
        self.errors += err.decode(errors="replace")
        return self.proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@contextlib.contextmanager
def mockai_process(*args: str, cwd: Path | None = None) -> Iterator[MockaiProcess]:
    process = MockaiProcess(*args, cwd=cwd)
    try:
        yield process
    finally:
        if process.proc.poll() is None:
            process.stop()


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def files_containing(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``secret``."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


class AppThread:
    """Any aiohttp application (a hand-made upstream) served on 127.0.0.1 from a background thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> AppThread:
        self._thread.start()
        assert self._ready.wait(10), "upstream did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
