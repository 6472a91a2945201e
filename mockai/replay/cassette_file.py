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

from mockai.replay.cassette import (
    Cassette,
    Interaction,
    Redaction,
    dump_header,
    dump_interaction_json,
    dump_interactions,
    dump_json,
    with_body_as_text,
)

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
    Each exchange is turned into YAML (or JSON) once, when it is appended: a flush only writes the
    bytes out again, so an exchange that cannot be written never reaches the list and never fails a
    later flush.  A request body nested too deep to write as YAML is written as its JSON text
    (:func:`~mockai.replay.cassette.with_body_as_text`); one that cannot be written even so is left
    out, with one error logged.

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
        self._as_json = path.suffix == ".json"
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._version = 0
        self._saved = 0
        # The written form of each exchange in the list; None: one loaded, not written out yet.
        self._fragments: list[bytes | None] = [None] * self.earlier

    def _dump(self, item: Interaction) -> bytes:
        return dump_interaction_json(item) if self._as_json else dump_interactions([item])

    def _written(self, item: Interaction) -> tuple[Interaction, bytes] | None:
        """``item`` as it will be written (its body as JSON text if it nests too deep) and its bytes."""
        try:
            return item, self._dump(item)
        except Exception as exc:  # nothing that fails here may reach the list
            failure = exc
        as_text = with_body_as_text(item)
        if as_text is not None:
            try:
                return as_text, self._dump(as_text)
            except Exception as exc:
                failure = exc
        req = item.request
        log.error(
            "mockai: %s %s not recorded: it cannot be written into %s (%s: %s)",
            req.method, req.path, self.path, type(failure).__name__, str(failure)[:200],
        )  # fmt: skip
        return None

    def append(self, interaction: Interaction) -> Interaction | None:
        """Add an exchange; what will be written (see the class), or None when it is left out."""
        written = self._written(interaction)
        if written is None:
            return None
        item, fragment = written
        with self._lock:
            self.cassette.interactions.append(item)
            self._fragments.append(fragment)
            self._version += 1
        return item

    def flush(self) -> None:
        with self._save_lock:
            with self._lock:
                if self._saved == self._version:
                    return
                version = self._version
                fragments = list(self._fragments)
                loaded = list(self.cassette.interactions[: self.earlier])
            for number, fragment in enumerate(fragments):
                if fragment is None:  # an exchange recorded before: written once, on the first flush
                    written = self._written(loaded[number])
                    fragments[number] = b"" if written is None else written[1]
            with self._lock:
                self._fragments[: len(fragments)] = fragments
            present = [f for f in fragments if f]
            if self._as_json:
                data = dump_json(self.cassette.version, present, self.redaction, self.earlier)
            else:
                header = dump_header(self.cassette.version, not present, self.redaction, self.earlier)
                data = header + b"".join(present)
            write_atomic(self.path, data)
            self._saved = version
