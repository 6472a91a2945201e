"""JSON text laid out as the real API lays it out: 2-space indent, non-ASCII kept as is.

:func:`indented_bytes` is the hot path's encoder: ``orjson`` with ``OPT_INDENT_2`` writes exactly
the layout of ``json.dumps(value, indent=2, ensure_ascii=False)`` (same separators, same escapes:
``\\n``-style for the usual controls, lowercase ``\\u00XX`` for the others, nothing else escaped;
``{}`` and ``[]`` when empty) and the same shortest round-trip digits for every float.  It writes
only some floats differently: below 1e-4 it says ``0.00001`` or ``1e-7`` where Python says
``1e-05`` and ``1e-07``.  No string can hold a raw newline (the encoder escapes it), so in the
indented text every number stands alone on its line after its key; such a line is rewritten with
Python's ``repr`` of the float it denotes (the digits round-trip, so it is the same float).  What
orjson refuses (integers beyond 64 bits, a lone surrogate, a non-string key, a type JSON does not
know, nesting deeper than 255) is written by the pure-Python :func:`dumps_indented`.  NaN and
Infinity, which orjson writes as ``null``, must not reach it: the values rendered are built from
plans and from strictly read JSON (:mod:`mockai.core.strict_json`), which has neither.

:func:`dumps_indented` is the same text without orjson: ``json.dumps(indent=2)`` cannot use the C
encoder (CPython < 3.13) and walks the value with nested generators; this takes about half the
time, with the C string escaper, and falls back to ``json`` for anything unusual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any

import orjson

__all__ = [
    "PIECE",
    "ascii_compact_text",
    "canonical_bytes",
    "compact_bytes",
    "dumps_indented",
    "indented_bytes",
    "indented_bytes_in_pieces",
]

_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
# Where orjson may have written a float unlike Python: 0.0000ddd (Python: d.dde-05) or a one-digit
# negative exponent (Python pads it to two).  Found with bytes.find; most bodies have neither.
_ODD_MARKS = (b"0.0000", b"e-")
# A line whose value is such a number: indent, optional "key": , the number, optional comma.
_ODD_FLOAT_LINE = re.compile(rb'( *(?:"(?:[^"\\\n]|\\.)*": )?)(-?(?:0\.0000\d*|\d(?:\.\d+)?e-\d))(,?)')


def indented_bytes(value: Any, *, floats: bool = True) -> bytes:
    """``(json.dumps(value, indent=2, ensure_ascii=False) + "\\n").encode()``, at C speed, for a
    value with no NaN or Infinity (see the module).  ``floats=False``: the caller knows the value
    holds no float, so orjson's text needs no look for the few it writes unlike Python (two scans
    of the whole text: about 3 us for 2 KB)."""
    try:
        out = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return (dumps_indented(value) + "\n").encode()
    if floats and (_ODD_MARKS[0] in out or _ODD_MARKS[1] in out):
        return _python_floats(out)
    return out


# A list longer than this is written by indented_bytes_in_pieces a piece of this many items at a time.
PIECE = 500


def indented_bytes_in_pieces(value: Any, holders: list[tuple[dict[str, Any], str]], piece: int = PIECE) -> bytes:
    """:func:`indented_bytes` of ``value``, the lists at ``holders`` (a dict inside ``value`` and
    its key) written a piece of ``piece`` items at a time and spliced in at their depth: one call of
    the encoder over tens of megabytes holds the interpreter 60 ms and more (orjson never lets go),
    in which an event loop waiting on the worker thread that renders answers nothing.  The same
    bytes (tests/core/test_json_pieces.py).  ``value`` is left as it was."""
    parked: list[tuple[bytes, list[Any], dict[str, Any], str]] = []
    for number, (holder, key) in enumerate(holders):
        items = holder[key]
        marker = f"\x00mockai-piece-{number}\x00"  # (written "\u0000mockai-piece-N\u0000")
        parked.append((indented_bytes(marker)[:-1], items, holder, key))
        holder[key] = marker
    try:
        out = indented_bytes(value)
    finally:
        for _, items, holder, key in parked:
            holder[key] = items
    segments: list[bytes] = []  # (joined once: each splice of its own would copy the whole text)
    done = 0
    for at, written, items in sorted((out.find(written), written, items) for written, items, _, _ in parked):
        line = out.rfind(b"\n", 0, at) + 1
        indent = b" " * (len(out[line:at]) - len(out[line:at].lstrip(b" ")))
        segments.append(out[done:at])
        segments += _list_in_pieces(items, piece, indent)
        done = at + len(written)
    segments.append(out[done:])
    return b"".join(segments)


def _list_in_pieces(items: list[Any], piece: int, indent: bytes) -> list[bytes]:
    """The segments of ``items`` as :func:`indented_bytes` writes a list whose key line is
    indented by ``indent``."""
    if not items:
        return [b"[]"]
    segments = [b"[\n"]
    for start in range(0, len(items), piece):
        text = indented_bytes(items[start : start + piece])  # "[\n  {...},\n  {...}\n]\n"
        segments += (b",\n" if start else b"", indent, text[2:-3].replace(b"\n", b"\n" + indent))
    segments.append(b"\n" + indent + b"]")
    return segments


def compact_bytes(value: Any) -> bytes:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()``, at C speed: orjson's
    text, which is the same but for the floats it writes unlike Python (see the module); a text
    that may hold one, or that orjson refuses, is json's."""
    return _orjson_else(value, 0, _compact)


def ascii_compact_text(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"))`` (non-ASCII escaped), at C speed: orjson's text
    when it is ASCII without DEL, which json escapes too (so every string was written alike), and
    has no float orjson writes unlike Python; json's otherwise.  Tools offered in every request of
    an agent loop are counted so: json's encoder took 23 us for six tools' 2.9 KB, this about 2."""
    try:
        out = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return _ascii_compact(value)
    if not out.isascii() or b"\x7f" in out or _ODD_MARKS[0] in out or _ODD_MARKS[1] in out:
        return _ascii_compact(value)
    return out.decode("ascii")


def canonical_bytes(value: Any) -> bytes:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``
    (what request digests hash), at C speed: orjson sorts keys by their UTF-8 bytes, which is
    Python's order of code points for any string it accepts (it refuses a lone surrogate); floats
    as :func:`compact_bytes`.  ``RecursionError`` from json for a value nested too deep for it."""
    return _orjson_else(value, orjson.OPT_SORT_KEYS, _canonical)


def _orjson_else(value: Any, option: int, encode: Callable[[Any], str]) -> bytes:
    """orjson's compact text of ``value`` (with ``option``), or ``encode``'s where orjson refuses
    the value or may have written a float unlike Python."""
    try:
        out = orjson.dumps(value, option=option)
    except (TypeError, orjson.JSONEncodeError):
        return encode(value).encode()
    if _ODD_MARKS[0] in out or _ODD_MARKS[1] in out:
        return encode(value).encode()
    return out


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_ascii_compact = json.JSONEncoder(separators=(",", ":")).encode
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _python_floats(out: bytes) -> bytes:
    """``out`` with every line holding a float orjson wrote unlike Python rewritten as Python
    writes it."""
    lines: set[int] = set()
    for mark in _ODD_MARKS:
        at = out.find(mark)
        while at >= 0:
            lines.add(out.rfind(b"\n", 0, at) + 1)
            at = out.find(mark, at + 1)
    pieces: list[bytes] = []
    done = 0
    for start in sorted(lines):
        end = out.find(b"\n", start)
        found = _ODD_FLOAT_LINE.fullmatch(out, start, end)
        if found is not None:
            pieces += [out[done:start], found[1], float.__repr__(float(found[2])).encode(), found[3]]
            done = end
    pieces.append(out[done:])
    return b"".join(pieces)


class _Unusual(Exception):
    pass


_INFINITY = float("inf")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _indented(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float_text(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual
            out.append(separator)
            out.append(encode_basestring(key))
            out.append(": ")
            _indented(item, out, inner)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indented(item, out, inner)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise _Unusual


def dumps_indented(value: Any) -> str:
    """Exactly ``json.dumps(value, indent=2, ensure_ascii=False)``, faster."""
    out: list[str] = []
    try:
        _indented(value, out, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)
