"""JSON values kept within a byte budget: what they cost in memory, and bounded copies of them.

The journal keeps the bodies of the requests it lists, the in-memory store the completions it
stores: both are bounded by bytes as well as by count, so they need what a JSON value costs
(:func:`json_cost`, an estimate of the Python objects, on the high side) and, for the journal, a
copy of a large value cut down to a budget (:func:`bounded_copy`): long strings keep their start,
followed by ``…[truncated N bytes]``; an array or object that does not fit ends with a marker of
what was left out; nesting deeper than ``max_depth`` is replaced by a marker.  A test reading the
journal still sees the start of every request.

Bounded copies are also safe to serialise: lone surrogates (``"\\ud800"`` parses, but is not
UTF-8) are shown as their escape, and recursion is bounded by ``max_depth``.
Pure functions, no I/O.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["DEPTH_MARKER", "bounded_copy", "emptied_below", "json_cost", "truncation_marker"]

# Containers are estimated before they are filled: a list 56 + 8 a slot, a dict 64 + 48 a key
# (both on the high side of CPython's own tables); numbers about 32.  Strings and filled
# containers are measured (sys.getsizeof: exact for the object itself, O(1)).
_LIST, _LIST_SLOT, _DICT, _DICT_SLOT, _SCALAR = 56, 8, 64, 48, 32
# A cut string keeps at least this many characters, however small the budget left.
_MIN_KEPT = 64
DEPTH_MARKER = "…[nested too deep]"


def truncation_marker(removed_bytes: int) -> str:
    """What ends a cut string: ``…[truncated N bytes]`` (N: UTF-8 bytes left out)."""
    return f"…[truncated {removed_bytes} bytes]"


def json_cost(value: Any, max_depth: int = 200) -> int:
    """Bytes of memory the parsed JSON ``value`` holds, on the high side (an object met twice is
    counted twice; deeper than ``max_depth``: not looked into)."""
    if isinstance(value, str):
        return sys.getsizeof(value)
    if max_depth <= 0:
        return _SCALAR
    if isinstance(value, dict):
        total = sys.getsizeof(value)
        for key, item in value.items():
            total += json_cost(key, 0) + json_cost(item, max_depth - 1)
        return total
    if isinstance(value, (list, tuple)):
        return sys.getsizeof(value) + sum(json_cost(item, max_depth - 1) for item in value)
    return sys.getsizeof(value) if isinstance(value, int) else _SCALAR


def bounded_copy(value: Any, max_bytes: int, *, max_string: int = 4096, max_depth: int = 100) -> Any:
    """A copy of ``value`` costing about ``max_bytes`` at most (see :func:`json_cost`).

    In document order: strings longer than ``max_string`` characters (or than what is left of the
    budget) keep their start and end with :func:`truncation_marker`; once the budget is spent an
    array ends with ``"…[N more items]"`` and an object with the key ``"…"`` and the value
    ``"[N more keys]"``; values nested deeper than ``max_depth`` become :data:`DEPTH_MARKER`.
    A value within the budget comes back equal (lone surrogates aside, shown escaped).
    """
    return _Cutter(max_bytes, max_string).copy(value, max_depth)


class _Cutter:
    def __init__(self, budget: int, max_string: int) -> None:
        self.left = budget
        self.max_string = max_string

    def copy(self, value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return self.mapping(value, depth) if depth > 0 else self.text(DEPTH_MARKER)
        if isinstance(value, (list, tuple)):
            return self.sequence(value, depth) if depth > 0 else self.text(DEPTH_MARKER)
        self.left -= _SCALAR
        return value

    def mapping(self, value: dict[Any, Any], depth: int) -> dict[Any, Any]:
        self.left -= _DICT
        out: dict[Any, Any] = {}
        for done, (key, item) in enumerate(value.items()):
            if self.left <= 0:
                out["…"] = f"[{len(value) - done} more keys]"
                break
            self.left -= _DICT_SLOT
            out[self.text(key) if isinstance(key, str) else key] = self.copy(item, depth - 1)
        return out

    def sequence(self, value: list[Any] | tuple[Any, ...], depth: int) -> list[Any]:
        self.left -= _LIST
        out: list[Any] = []
        for done, item in enumerate(value):
            if self.left <= 0:
                out.append(f"…[{len(value) - done} more items]")
                break
            self.left -= _LIST_SLOT
            out.append(self.copy(item, depth - 1))
        return out

    def text(self, value: str) -> str:
        keep = min(self.max_string, max(self.left - 80, _MIN_KEPT))
        if len(value) > keep:
            removed = len(value) - keep if value.isascii() else _utf8_len(value[keep:])
            value = value[:keep] + truncation_marker(removed)
        value = _printable(value)
        self.left -= sys.getsizeof(value)
        return value


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _printable(text: str) -> str:
    """``text``, with lone surrogates (not encodable as UTF-8) written as their ``\\udXXX`` escape."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def emptied_below(value: Any, depth: int) -> Any:
    """``value`` with its arrays and objects ``depth`` levels down emptied (of the same type): a
    JSON value the recursive encoders and validators can walk however deep it was."""
    if isinstance(value, Mapping):
        return {k: emptied_below(v, depth - 1) for k, v in value.items()} if depth > 0 else {}
    if isinstance(value, list):
        return [emptied_below(v, depth - 1) for v in value] if depth > 0 else []
    return value
