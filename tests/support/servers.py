"""Running mockai for a test: in this process (``running_server``, what the fixtures in conftest.py
use) or as a child process the way users run it (``MockaiProcess``, ``run_cli``); a hand-made
upstream (``AppThread``); and ``wait_for``, polling with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from mockai.core.config import ServerConfig
from mockai.server.runner import ServerThread

T = TypeVar("T")
ServerFactory = Callable[..., ServerThread]
MOCKAI = (sys.executable, "-m", "mockai")


@contextlib.contextmanager
def running_server(config: ServerConfig | None = None, **overrides: Any) -> Iterator[ServerThread]:
    """A mockai server on a free port of 127.0.0.1, in a thread of this process, for the block:
    ``config`` as given, or a ``ServerConfig`` of ``overrides``."""
    if config is None:
        overrides.setdefault("port", 0)
        config = ServerConfig(**overrides)
    with ServerThread(config) as server:
        yield server


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 10.0, interval: float = 0.01) -> T:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class MockaiProcess:
    """``python -m mockai ARGS`` in a child process, as users run it (``command`` replaces
    ``python -m mockai``); ``url`` is the base URL it announces, waited for unless ``announced``
    is false.  What it prints goes to files, so it can be read while it runs."""

    def __init__(
        self, *args: str, cwd: Path | None = None, command: list[str] | None = None, announced: bool = True
    ) -> None:
        self.args = args
        folder = Path(tempfile.mkdtemp(prefix="mockai-process-"))
        weakref.finalize(self, shutil.rmtree, folder, True)
        self._stdout, self._stderr = folder / "stdout", folder / "stderr"
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self.proc = subprocess.Popen([*(command or MOCKAI), *args], stdout=out, stderr=err, cwd=cwd)
        self.url = self.announced_url() if announced else ""

    @property
    def output(self) -> str:
        """What it printed on stdout so far."""
        return self._stdout.read_bytes().decode(errors="replace")

    @property
    def errors(self) -> str:
        """What it printed on stderr so far."""
        return self._stderr.read_bytes().decode(errors="replace")

    def announced_url(self, timeout: float = 60.0) -> str:
        """The base URL it announces on its first line (the address it serves on comes last);
        fails, with what it printed, if it exits or says nothing first (a deadline a loaded CI box
        meets: an idle machine starts a server in about half a second)."""

        def announced() -> list[str] | bool:
            first, newline, _ = self.output.partition("\n")
            return (re.findall(r"http://\S+/v1", first) if newline else []) or self.proc.poll() is not None

        with contextlib.suppress(AssertionError):
            wait_for(announced, "the announcement", timeout)
        found = announced()
        if not isinstance(found, list):
            self.kill()
            raise AssertionError(f"mockai {' '.join(self.args)} did not start: {self.output!r} {self.errors!r}")
        return found[-1]

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Send ``sig`` (killed if it has not exited after ``timeout``); returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@contextlib.contextmanager
def mockai_process(*args: str, cwd: Path | None = None) -> Iterator[MockaiProcess]:
    """``python -m mockai ARGS`` serving for the block, then stopped with SIGINT, as Ctrl-C does."""
    process = MockaiProcess(*args, cwd=cwd)
    try:
        yield process
    finally:
        if process.proc.poll() is None:
            process.stop()


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m mockai ARGS`` to its end, with what it printed (for commands that stop by themselves)."""
    return subprocess.run([*MOCKAI, *args], capture_output=True, text=True, timeout=timeout)


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


@contextlib.contextmanager
def recording(app: Any, cassette: Path) -> Iterator[MockaiProcess]:
    """``mockai record`` in front of ``app`` (a hand-made aiohttp upstream), into ``cassette``."""
    with (
        AppThread(app) as upstream,
        mockai_process("record", "--upstream", upstream.url, "--cassette", str(cassette), "--port", "0") as recorder,
    ):
        yield recorder
