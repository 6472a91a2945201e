"""Writing cassettes safely: atomic replacement, and appends from concurrent exchanges.

A recorder killed at any moment (even SIGKILL) leaves the previous cassette or the new one, never
a torn file: every write goes to a temporary file in the same folder, is flushed to disk, then
replaces the cassette with :func:`os.replace`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

from mockai.replay.cassette import Cassette, Interaction, dump_cassette, dump_header, dump_interactions

__all__ = ["CassetteFile", "write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: readers (and a crash) see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class CassetteFile:
    """A cassette being recorded: appends are cheap and thread-safe; :meth:`flush` writes atomically.

    Concurrent exchanges each :meth:`append` then :meth:`flush`; flushes are serialised and a flush
    that finds nothing new returns at once, so every exchange is on disk when its flush returns.
    Each exchange is turned into YAML once: a flush only writes the bytes out again.
    """

    def __init__(self, path: Path, cassette: Cassette | None = None) -> None:
        self.path = path
        self.cassette = cassette if cassette is not None else Cassette()
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._version = 0
        self._saved = 0
        self._fragments: list[bytes] = []

    def append(self, interaction: Interaction) -> None:
        with self._lock:
            self.cassette.interactions.append(interaction)
            self._version += 1

    def flush(self) -> None:
        with self._save_lock:
            with self._lock:
                if self._saved == self._version:
                    return
                version = self._version
                snapshot = Cassette(list(self.cassette.interactions), self.cassette.version)
            if self.path.suffix == ".json":
                data = dump_cassette(snapshot, as_json=True)
            else:
                new = snapshot.interactions[len(self._fragments) :]
                self._fragments.extend(dump_interactions([item]) for item in new)
                data = dump_header(snapshot.version, not self._fragments) + b"".join(self._fragments)
            write_atomic(self.path, data)
            self._saved = version
