"""Writing cassettes safely: atomic replacement, appends that keep what is on disk, and writers
in several processes.

A recorder killed at any moment (even SIGKILL) leaves the previous cassette or the new one, never
a torn file: every write goes to a temporary file in the same folder, is flushed to disk, then
replaces the cassette with :func:`os.replace`.  The temporary files a killed writer leaves
(``.<name>.XXXXXXXX.tmp`` beside the cassette) are removed when the next recording of that
cassette starts (:func:`remove_stale_temp_files`).

Several recorders may share one cassette (two ``mockai record`` runs, pytest-xdist workers): each
write holds an OS lock (:func:`fcntl.flock` on ``.<name>.lock`` beside the cassette, removed when
released), reads the cassette as it is on disk and writes it back with its own new exchanges
after the last one there, so exchanges another process wrote are kept, in order.  What is on disk
is kept byte for byte (comments, keys mockai does not know, formatting): new exchanges are
appended to its text.  A cassette that is a symbolic link is written where the link points.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockai.core.version import __version__
from mockai.replay.cassette import (
    HEADER_FIRST_LINE,
    Cassette,
    CassetteError,
    Interaction,
    Redaction,
    dump_document,
    dump_header,
    dump_interaction_json,
    dump_interactions,
    dump_json,
    header_comments,
    interactions_from,
    load_yaml,
    mended_yaml,
    redaction_note,
    with_body_as_text,
)

__all__ = ["CassetteFile", "lock_path", "remove_stale_temp_files", "write_atomic"]

log = logging.getLogger("mockai")

# POSIX: writers in several processes are serialised.  Elsewhere only the threads of one process are.
_fcntl: Any = None
with contextlib.suppress(ImportError):
    _fcntl = importlib.import_module("fcntl")

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


def lock_path(path: Path) -> Path:
    """The file whose OS lock the writers of cassette ``path`` hold: ``.<name>.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


_unlocked_warned: set[Path] = set()


def _warn_unlocked(lock: Path, exc: OSError) -> None:
    if lock not in _unlocked_warned:
        _unlocked_warned.add(lock)
        log.warning(
            "mockai: cannot lock %s (%s): another process writing the same cassette may overwrite its exchanges",
            lock, exc.strerror or exc,
        )  # fmt: skip


def _acquire(lock: Path) -> int | None:
    """An open descriptor of ``lock`` holding its exclusive lock; None when it cannot be locked.

    The holder removes the file before it lets go, so a waiter may wake up holding a file no
    longer there: it then starts again with whatever file now has that name."""
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            _warn_unlocked(lock, exc)
            return None
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX)
        except OSError as exc:  # a file system without locks
            os.close(fd)
            _warn_unlocked(lock, exc)
            return None
        held = os.fstat(fd)
        try:
            named = os.stat(lock)
        except FileNotFoundError:
            named = None
        if named is not None and (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino):
            return fd
        os.close(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the lock that serialises the writers of cassette ``path``, in every process."""
    lock = lock_path(path)
    fd = _acquire(lock) if _fcntl is not None else None
    try:
        yield
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(lock)  # while still held: see _acquire
            os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


# --- the redaction notes in a cassette -------------------------------------------------------------

# The first line of the comments written before appended exchanges when the last note above them
# says other redactions (the header's first line is HEADER_FIRST_LINE).
_SEGMENT_FIRST_LINE = "The exchanges below were recorded by mockai"
_NOTE_BLOCK = re.compile(
    rb"^# (?:" + re.escape(HEADER_FIRST_LINE.encode()) + rb"|" + re.escape(_SEGMENT_FIRST_LINE.encode())
    + rb")[^\n]*\n(?:#[^\n]*\n)*",
    re.MULTILINE,
)  # fmt: skip
_HEADER_BLOCK = re.compile(rb"# " + re.escape(HEADER_FIRST_LINE.encode()) + rb"\n(?:#[^\n]*\n)*")
# How the sentence redaction_note adds for exchanges recorded before the last run begins.
_EARLIER = "This is what the last recording run removed"
_EMPTY_LIST = re.compile(rb"^interactions:[ \t]*\[[ \t]*\][ \t]*$", re.MULTILINE)
_COMMENT_LINES = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\n)*")
_JSON_TOP_NOTE = re.compile(rb'^  "redaction": \[.*?^  \]', re.MULTILINE | re.DOTALL)


def _note_lines(block: bytes) -> list[bytes]:
    """The lines of a note's comments that say what was removed (not its first line, nor the
    sentence about exchanges recorded before)."""
    lines = block.splitlines()[1:]
    for number, line in enumerate(lines):
        if line.startswith(f"# {_EARLIER}".encode()):
            return lines[:number]
    return lines


def _note_sentences(sentences: list[Any]) -> list[Any]:
    return [s for s in sentences if not (isinstance(s, str) and s.startswith(_EARLIER))]


def _parse_note(text: str) -> tuple[Redaction | None, int]:
    """What a note written by :func:`redaction_note` says (check by writing it again)."""
    found = re.search(r"the first (\d+) exchange\(s\) were recorded before it", text)
    earlier = int(found.group(1)) if found else 0
    if "What else was redacted is not recorded" in text:
        return None, earlier
    headers = re.search(r"Also not written: the headers (.*?)\.(?: |$)", text)
    fields = re.search(r"\(at any depth\): (.*?)\. Response bodies were not redacted", text)
    return (
        Redaction(
            tuple(headers.group(1).split(", ")) if headers else (),
            tuple(fields.group(1).split(", ")) if fields else (),
        ),
        earlier,
    )


def _own_header(text: bytes) -> int | None:
    """Where the comments starting ``text`` end, when they are a header exactly as mockai writes
    it (nobody added to it or changed it): only then may it be written again."""
    found = _HEADER_BLOCK.match(text)
    if found is None:
        return None
    block = found.group(0)
    redaction, earlier = _parse_note(" ".join(line[2:] for line in block.decode().splitlines()[1:]))
    return found.end() if header_comments(redaction, earlier) == block else None


def _own_json_note(note: Any) -> bool:
    if not isinstance(note, list) or not all(isinstance(s, str) for s in note):
        return False
    return redaction_note(*_parse_note(" ".join(note))) == note


def _json_value(value: Any, indent: int) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent).encode()


def _with_json_note(fragment: bytes, note: list[str]) -> bytes:
    """One exchange of a JSON cassette (see dump_interaction_json) with a ``redaction`` member first."""
    first, _, rest = fragment.partition(b"\n")
    return first + b'\n      "redaction": ' + _json_value(note, 6) + b",\n" + rest


def _json_append(text: bytes, fragments: list[bytes]) -> bytes | None:
    """``text`` (a JSON object whose last member is the ``interactions`` array) with ``fragments``
    at the end of that array, everything else as it was; None when it does not end so."""
    end = len(text.rstrip())
    if end == 0 or text[end - 1 : end] != b"}":
        return None
    close = len(text[: end - 1].rstrip()) - 1
    if close < 0 or text[close : close + 1] != b"]":
        return None
    before = len(text[:close].rstrip())
    joined = b",\n".join(fragments)
    if text[before - 1 : before] == b"[":
        return text[:before] + b"\n" + joined + b"\n  " + text[close:]
    return text[:before] + b",\n" + joined + text[before:]


@dataclass(frozen=True)
class _Seen:
    """The exchanges a write found on disk: all of them (``whole``), or those others added since."""

    items: list[Interaction]
    whole: bool


class CassetteFile:
    """A cassette being recorded: appends are cheap and thread-safe; :meth:`flush` writes atomically.

    Concurrent exchanges each :meth:`append` then :meth:`flush`; flushes are serialised (in this
    process by a lock, across processes by the OS lock of :func:`lock_path`) and a flush that finds
    nothing new returns at once, so every exchange is on disk when its flush returns.

    A flush writes this object's new exchanges after what the cassette holds on disk at that
    moment: what is written there (comments, keys mockai does not know, exchanges another process
    recorded) stays byte for byte, and ``cassette.interactions`` takes in the exchanges others
    added, in order.  A layout that cannot be appended to (``interactions`` not the last block
    list) is written again whole, keeping every exchange and key but not comments; a cassette
    that no longer reads is never replaced (the flush raises :class:`CassetteError`, the exchanges
    wait for the next one).  A cassette that is a symbolic link is written where it points.

    Each exchange is turned into YAML (or JSON) once, when it is appended, so an exchange that
    cannot be written never reaches the list and never fails a later flush.  A request body nested
    too deep to write as YAML is written as its JSON text
    (:func:`~mockai.replay.cassette.with_body_as_text`); one that cannot be written even so is left
    out, with one error logged.

    Opening one removes what a killed recording of the same cassette left behind.  ``redaction``
    is what is removed from the exchanges appended (the :class:`~mockai.replay.recorder.Recorder`
    writing into the file sets it).  The header says it; when the last note before the appended
    exchanges says other redactions, mockai's own header is written again (the exchanges before
    are said to be recorded before), or, when it was edited (or others were noted since), a
    comment before the appended exchanges says it (in JSON, a ``redaction`` member of the first).
    """

    def __init__(self, path: Path, cassette: Cassette | None = None, redaction: Redaction | None = None) -> None:
        self.path = path
        self.cassette = cassette if cassette is not None else Cassette()
        self.redaction = redaction
        self.earlier = len(self.cassette.interactions)
        self._as_json = path.suffix == ".json"
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        # The written form of each exchange in the list; None: one loaded or read, not written here.
        self._fragments: list[bytes | None] = [None] * self.earlier
        self._mine: list[bytes] = []  # the written form of the exchanges appended here, in order
        self._on_disk = 0  # how many of those are on disk
        self._disk_count = self.earlier  # the exchanges on disk when this object last read or wrote it
        self._known: tuple[int, bytes] | None = None  # the size and digest of the YAML it last wrote
        target = self.target()
        if target.parent.is_dir():
            with _locked(target):  # no writer is between mkstemp and os.replace: every temp file is stale
                remove_stale_temp_files(target)

    def target(self) -> Path:
        """The file written: ``path``, or the file it points to when it is a symbolic link."""
        return Path(os.path.realpath(self.path))

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
            self._mine.append(fragment)
        return item

    def flush(self) -> None:
        with self._save_lock:
            with self._lock:
                start = self._on_disk
                batch = self._mine[start:]
                if not batch:
                    return
                upto = len(self.cassette.interactions)  # what is on disk, then this batch
            target = self.target()
            target.parent.mkdir(parents=True, exist_ok=True)
            with _locked(target):
                disk = _read(target)
                seen: _Seen | None = None
                if disk is None:  # never written, or removed: all this object holds
                    self._write_whole(target, upto, len(batch))
                elif self._as_json:
                    seen = self._append_json(target, disk, batch)
                else:
                    seen = self._append_yaml(target, disk, batch)
            with self._lock:
                self._on_disk = start + len(batch)
                if seen is not None:
                    known = len(self.cassette.interactions) - (len(self._mine) - start)  # on disk before
                    at = 0 if seen.whole else known
                    self.cassette.interactions[at:known] = seen.items
                    self._fragments[at:known] = [None] * len(seen.items)

    def _save(self, target: Path, data: bytes, count: int) -> None:
        write_atomic(target, data)
        self._known = None if self._as_json else (len(data), _digest(data))
        self._disk_count = count

    def _unreadable(self, what: str) -> CassetteError:
        return CassetteError(
            f"{self.path}: new exchanges not written yet: the cassette on disk {what}; it is left as it "
            "is (once it reads again, the next exchange recorded writes them all)"
        )

    def _seen(self, items: list[Any], first: int, whole: bool) -> _Seen | None:
        """The exchanges read from disk, for ``cassette.interactions``; None when they do not read."""
        if not items and not whole:
            return None
        try:
            return _Seen(interactions_from(items, str(self.path), first), whole)
        except CassetteError as exc:
            log.warning("mockai: %s: exchanges written by others do not read (%s): kept as they are", self.path, exc)
            return None

    def _write_whole(self, target: Path, upto: int, count: int) -> None:
        """Write the first ``upto`` exchanges of the list, with a header: the last ``count`` are new."""
        with self._lock:
            fragments = self._fragments[:upto]
            items = self.cassette.interactions[:upto]
        for number, fragment in enumerate(fragments):
            if fragment is None:  # one loaded or read: written out once
                written = self._written(items[number])
                fragments[number] = b"" if written is None else written[1]
        with self._lock:
            self._fragments[:upto] = fragments
        present = [f for f in fragments if f]
        earlier = upto - count  # recorded before: their redaction is not known here
        if self._as_json:
            data = dump_json(self.cassette.version, present, self.redaction, earlier)
        else:
            data = dump_header(self.cassette.version, not present, self.redaction, earlier) + b"".join(present)
        self._save(target, data, len(present))

    # --- YAML ------------------------------------------------------------------------------------

    def _my_note(self) -> bytes:
        return header_comments(self.redaction, 0, f"{_SEGMENT_FIRST_LINE} {__version__}:")

    def _note_differs(self, text: bytes) -> bool | None:
        """Whether the last redaction note in ``text`` says other than this object's; None: no note."""
        blocks = list(_NOTE_BLOCK.finditer(text))
        if not blocks:
            return None
        return _note_lines(blocks[-1].group(0)) != _note_lines(self._my_note())

    def _append_yaml(self, target: Path, disk: bytes, batch: list[bytes]) -> _Seen | None:
        extra = self._appended_since(disk)
        items = None if extra is None else _appended_items(extra)
        if extra is None or items is None:
            return self._append_yaml_to_whole(target, disk, batch)
        # What this object wrote last, then exchanges another writer appended (as this one does).
        comment = self._my_note() if self._note_differs(extra) else b""
        seen = self._seen(items, self._disk_count, False)
        self._save(target, disk + comment + b"".join(batch), self._disk_count + len(items) + len(batch))
        return seen

    def _appended_since(self, disk: bytes) -> bytes | None:
        """What follows the YAML this object wrote last; None: that was changed, or is not known."""
        if self._known is None:
            return None
        size, digest = self._known
        if len(disk) < size or _digest(memoryview(disk)[:size]) != digest:
            return None
        return disk[size:]

    def _append_yaml_to_whole(self, target: Path, disk: bytes, batch: list[bytes]) -> _Seen | None:
        """Append to a cassette read whole (first written by others, or changed since)."""
        try:
            old = load_yaml(disk)
        except yaml.YAMLError as exc:
            raise self._unreadable(f"is not valid YAML ({str(exc)[:200]})") from None
        disk = mended_yaml(disk)  # (what an earlier mockai broke is written mended)
        base = disk if not disk or disk.endswith(b"\n") else disk + b"\n"
        if old is None:  # empty, or nothing but comments: a header after them
            header = dump_header(self.cassette.version, False, self.redaction)
            self._save(target, base + header + b"".join(batch), len(batch))
            return _Seen([], whole=True)
        items = self._interactions_of(old, "a mapping")
        if "interactions" not in old:
            base += b"interactions:\n"
        elif not items:
            base = _EMPTY_LIST.sub(b"interactions:", base)
        comment = b""
        if self._note_differs(base) is not False:
            own = _own_header(base)
            if own is not None and _NOTE_BLOCK.search(base, own) is None:  # mockai's header is the last note
                base = header_comments(self.redaction, len(items)) + base[own:]
            else:
                comment = self._my_note()
        data = base + comment + b"".join(batch)
        expected = {**old, "interactions": items + load_yaml(b"".join(batch))}
        try:
            appended = load_yaml(data) == expected
        except yaml.YAMLError:
            appended = False
        if not appended:
            log.warning(
                "mockai: %s cannot be appended to ('interactions' is not its last block list): it is written "
                "again whole, every exchange and key kept, its comments and formatting not",
                self.path,
            )
            rest = {key: value for key, value in old.items() if key != "interactions"}
            document = dump_document({**rest, "interactions": expected["interactions"]})
            data = header_comments(self.redaction, len(items)) + document
        seen = self._seen(items, 0, whole=True) if len(items) != self._disk_count else None
        self._save(target, data, len(items) + len(batch))
        return seen

    def _interactions_of(self, old: Any, kind: str) -> list[Any]:
        """The exchanges of a cassette read from disk (``kind``: what its document must be)."""
        if not isinstance(old, dict):
            raise self._unreadable(f"is not {kind}")
        items = old.get("interactions")
        if items is not None and not isinstance(items, list):
            raise self._unreadable("has 'interactions' that are not a list")
        return items or []

    # --- JSON ------------------------------------------------------------------------------------

    def _append_json(self, target: Path, disk: bytes, batch: list[bytes]) -> _Seen | None:
        try:
            old = json.loads(disk)
        except ValueError as exc:
            raise self._unreadable(f"is not valid JSON ({str(exc)[:200]})") from None
        items = self._interactions_of(old, "a JSON object")
        mine = redaction_note(self.redaction, 0)
        noted = [item["redaction"] for item in items if isinstance(item, dict) and "redaction" in item]
        in_effect = noted[-1] if noted else old.get("redaction")
        expected = dict(old)
        text, fragments = disk, list(batch)
        new_items = [json.loads(f) for f in fragments]
        if not isinstance(in_effect, list) or _note_sentences(in_effect) != mine:
            if not noted and _own_json_note(in_effect) and _JSON_TOP_NOTE.search(disk):
                expected["redaction"] = redaction_note(self.redaction, len(items))
                replacement = b'  "redaction": ' + _json_value(expected["redaction"], 2)
                text = _JSON_TOP_NOTE.sub(lambda _: replacement, disk, count=1)
            else:
                fragments[0] = _with_json_note(fragments[0], mine)
                new_items[0] = {"redaction": mine, **new_items[0]}
        expected["interactions"] = items + new_items
        data = _json_append(text, fragments) if "interactions" in old else None
        try:
            appended = data is not None and json.loads(data) == expected
        except ValueError:
            appended = False
        if data is None or not appended:
            if "interactions" in old:
                log.warning(
                    "mockai: %s cannot be appended to ('interactions' is not its last member): it is written "
                    "again whole, every exchange and key kept, its formatting not",
                    self.path,
                )
            data = json.dumps(expected, indent=2, ensure_ascii=False).encode() + b"\n"
        seen = self._seen(items, 0, whole=True) if len(items) != self._disk_count else None
        self._save(target, data, len(items) + len(batch))
        return seen


def _appended_items(extra: bytes) -> list[Any] | None:
    """The exchanges in ``extra``, text appended to a cassette as :class:`CassetteFile` appends (a
    block list at column 0, comments); None when it is something else."""
    if not extra:
        return []
    if not extra.endswith(b"\n"):
        return None
    try:
        loaded = load_yaml(extra)
    except yaml.YAMLError:
        return None
    comments = _COMMENT_LINES.match(extra)
    rest = extra[comments.end() :] if comments is not None else extra
    if loaded is None and not rest:
        return []
    if isinstance(loaded, list) and rest.startswith(b"- "):
        return loaded
    return None
