"""Writing cassettes safely: atomic replacement, and appends from concurrent exchanges.

A recorder killed at any moment (even SIGKILL) leaves the previous cassette or the new one, never
a torn file: every write goes to a temporary file in the same folder, is flushed to disk, then
replaces the cassette with :func:`os.replace`.  The temporary files a killed writer leaves
(``.<name>.XXXXXXXX.tmp`` beside the cassette) are removed when the next recording of that
cassette starts (:func:`remove_stale_temp_files`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from pathlib import Path

from mockai.replay.cassette import Cassette, Interaction, Redaction, dump_cassette, dump_header, dump_interactions

__all__ = ["CassetteFile", "remove_stale_temp_files", "write_atomic"]

log = logging.getLogger("mockai")

# What tempfile.mkstemp names (see write_atomic): the prefix, 8 characters of its alphabet, the suffix.
_TEMP_NAME = "{prefix}[a-z0-9_]{{8}}\\.tmp"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Remove the temporary files :func:`write_atomic` left beside ``path`` when it was killed
    mid-write; the names removed (only names it makes: ``.<name>.XXXXXXXX.tmp``)."""
    pattern = re.compile(_TEMP_NAME.format(prefix=re.escape(_temp_prefix(path))))
    removed: list[Path] = []
    try:
        candidates = list(path.parent.iterdir())
    except OSError:  # no folder yet: nothing left over
        return removed
    for candidate in candidates:
        if pattern.fullmatch(candidate.name) and candidate.is_file() and not candidate.is_symlink():
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    if removed:
        log.info("removed %d temporary file(s) a killed recording left beside %s", len(removed), path)
    return removed


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: readers (and a crash) see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
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

    Opening one removes what a killed recording of the same cassette left behind.  ``redaction``
    is what the header says was removed (the :class:`~mockai.replay.recorder.Recorder` writing
    into the file sets it); exchanges already in ``cassette`` are said to be recorded before.
    """

    def __init__(self, path: Path, cassette: Cassette | None = None, redaction: Redaction | None = None) -> None:
        self.path = path
        self.cassette = cassette if cassette is not None else Cassette()
        self.redaction = redaction
        self.earlier = len(self.cassette.interactions)
        remove_stale_temp_files(path)
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
                snapshot = Cassette(list(self.cassette.interactions), self.cassette.version, self.redaction)
            if self.path.suffix == ".json":
                data = dump_cassette(snapshot, as_json=True, earlier=self.earlier)
            else:
                new = snapshot.interactions[len(self._fragments) :]
                self._fragments.extend(dump_interactions([item]) for item in new)
                header = dump_header(snapshot.version, not self._fragments, self.redaction, self.earlier)
                data = header + b"".join(self._fragments)
            write_atomic(self.path, data)
            self._saved = version
