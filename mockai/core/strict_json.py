"""JSON read strictly, as the real API reads it: RFC 8259 text and nothing more.

Python's ``json`` is lenient in four ways that reach past the parser: it reads ``NaN`` and
``Infinity``, and a number beyond float's range (``1e999``) as infinity; it reads a lone surrogate
escape (``"\\ud800"``, a high or low half with no partner) as a string no UTF-8 encoder accepts, so
it fails later, in a digest, the journal or an answer; and given bytes it decodes them with
``surrogatepass``, so ``\\xed\\xa0\\x80`` (a surrogate encoded as if it were a character, not
UTF-8) reads too.  Here all of them are ``ValueError``, and so is nesting too deep to read
(``RecursionError``).  Everything read here encodes as UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["loads", "loads_text"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A number literal as a float; one beyond float's range (``1e999``) is not read as infinity,
    which JSON cannot hold: anywhere in a body it is the real API's "could not parse" (before, only
    where the schema looked at it; a hostile audit)."""
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise ValueError(f"{text[:40]} is beyond the range of a JSON number")
    return value


_INFINITY = float("inf")
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite)


def loads(raw: bytes) -> Any:
    """The JSON value of ``raw`` (UTF-8, or UTF-16/32 as ``json.loads`` detects them); ``ValueError``
    (``UnicodeDecodeError`` for bytes that are not text) otherwise."""
    # A body opening with "{" then a non-NUL byte is UTF-8 by json.detect_encoding's own rules.
    encoding = "utf-8" if raw[:1] == b"{" and raw[1:2] != b"\x00" else json.detect_encoding(raw)
    return loads_text(raw.decode(encoding))  # strict: the UTF codecs refuse encoded surrogates


def loads_text(text: str) -> Any:
    """The JSON value of ``text``; ``ValueError`` when it is not strict JSON (see the module)."""
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deep to read") from None
    if "\\ud" in text or "\\uD" in text:  # a surrogate escape: paired (an emoji, say) or lone
        _reject_lone_surrogates(value)
    return value


def _reject_lone_surrogates(value: Any) -> None:
    """``ValueError`` when a string or key of ``value`` holds a lone surrogate (the decoder joins a
    high and a low escape into one character, so any surrogate left is alone).  A loop, not
    recursion: a value nests as deep as the decoder allowed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key in item:
                _check_text(key)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a lone surrogate is not text") from None
