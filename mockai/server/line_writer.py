"""Lines written to stderr by a thread of their own, so the event loop never waits on a pipe.

:meth:`LineWriter.add` (from the loop) costs a deque append.  The thread wakes every
:data:`FLUSH_SECONDS` and writes what is pending, whole lines, at most :data:`FLUSH_BYTES` a
write: below ``PIPE_BUF``, so processes sharing one stderr (``--workers``) never interleave inside
a line.  A stderr nobody reads blocks only the thread; past :data:`MAX_PENDING` unwritten lines,
new ones are dropped, and counted in a line of their own once writing works again.  A stderr that
is closed or gone makes the lines vanish, never an error.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator

__all__ = ["FLUSH_BYTES", "FLUSH_SECONDS", "MAX_PENDING", "LineWriter", "LogLines", "logs_off_the_loop"]

FLUSH_SECONDS = 0.05
FLUSH_BYTES = 4000
MAX_PENDING = 20_000


def _to_stderr(text: str) -> None:
    stream = sys.stderr  # looked up each time: a test may have replaced it
    if stream is not None:
        stream.write(text)
        stream.flush()


class LineWriter:
    """Writes the lines given to :meth:`add` with ``write`` (stderr's by default), from a thread
    started on the first line; :meth:`close` writes what is left and stops it."""

    def __init__(self, write: Callable[[str], None] = _to_stderr) -> None:
        self._write = write
        self._pending: deque[str] = deque()
        self._dropped = 0  # counted by add() only
        self._reported = 0  # counted by the thread only
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, line: str) -> None:
        """Queue ``line`` (ending in a newline) to be written soon."""
        if len(self._pending) >= MAX_PENDING:
            self._dropped += 1
            return
        self._pending.append(line)
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="mockai-access-log", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        """Write what is pending (waiting at most ``timeout`` s on a blocked stderr) and stop."""
        self._closed = True
        thread = self._thread
        if thread is not None:
            self._wake.set()
            thread.join(timeout)
        else:
            self._drain()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(FLUSH_SECONDS)
            self._drain()
        self._drain()

    def _drain(self) -> None:
        pending = self._pending
        chunk: list[str] = []
        size = 0
        while pending:
            line = pending.popleft()
            if chunk and size + len(line) > FLUSH_BYTES:
                self._emit(chunk)
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            self._emit(chunk)
        dropped = self._dropped - self._reported
        if dropped:
            self._reported += dropped
            self._emit([f"mockai: {dropped} access log line(s) dropped: stderr was not read fast enough\n"])

    def _emit(self, lines: list[str]) -> None:
        with contextlib.suppress(OSError, ValueError):  # stderr closed or gone: the server keeps answering
            self._write("".join(lines))


class LogLines(logging.Handler):
    """A logging handler that hands each record's text to a :class:`LineWriter`: a warning or a
    traceback logged on the event loop never waits on a stderr nobody reads."""

    def __init__(self, writer: LineWriter | None = None) -> None:
        super().__init__(logging.WARNING)
        self.writer = writer or LineWriter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.add(self.format(record) + "\n")
        except Exception:  # (logging must never raise into the server)
            self.handleError(record)

    def close(self) -> None:
        self.writer.close()
        super().close()


# The loggers a server writes to: mockai's own, asyncio's (the loop's exception handler), aiohttp's.
_SERVER_LOGGERS = ("mockai", "asyncio", "aiohttp")


@contextlib.contextmanager
def logs_off_the_loop() -> Iterator[None]:
    """While serving (``mockai serve``, ``record``, a worker): records of the server's loggers are
    written by a thread of their own, unless the application configured logging itself (a handler
    on the root logger or on that logger).  Without this, Python's last-resort handler writes them
    to stderr from the event loop, which then stops for good once a pipe nobody reads is full (an
    audit: about 25 tracebacks)."""
    if logging.getLogger().handlers:
        yield
        return
    handler = LogLines()
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    added = [logger for logger in map(logging.getLogger, _SERVER_LOGGERS) if not logger.handlers]
    for logger in added:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in added:
            logger.removeHandler(handler)
        handler.close()
