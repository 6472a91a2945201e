"""Which recorded exchange answers a request, and why none did.

Requests match on method, path, query (parameter order ignored) and the JSON body compared
semantically: key order and whitespace are ignored, ``1`` equals ``1.0``, and the fields named in
``ignore`` (dotted paths such as ``user`` or ``stream_options.include_obfuscation``) are left out.
The lookup is a dictionary keyed by a hash of that canonical form, so its cost does not grow with
the cassette.  Identical requests are answered in recorded order.

Pure: no aiohttp.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from mockai.core import strict_json
from mockai.core.redaction import REDACTED, redact_body_secrets, redact_fields
from mockai.replay.cassette import CassetteRequest, Interaction
from mockai.replay.cassette_cleaning import clean_query

__all__ = ["DEFAULT_IGNORE", "CassetteIndex", "differences", "multipart_parts", "parse_body"]

# Fields that identify the caller rather than the question: they do not change the answer.
DEFAULT_IGNORE: tuple[str, ...] = ("user", "metadata")

_ABSENT = object()
_Key = tuple[str, str, str, str]


def parse_body(raw: bytes) -> tuple[Any, str | None]:
    """``(json_value, None)`` for a JSON body, ``(None, text)`` otherwise, ``(None, None)`` if empty."""
    if not raw.strip():
        return None, None
    try:
        return strict_json.loads(raw), None  # what the server accepts as JSON, nothing more
    except ValueError:  # UnicodeDecodeError included
        return None, raw.decode(errors="replace")


def _recorded_body(req: CassetteRequest) -> tuple[Any, str | None]:
    """A recorded request's body as :func:`parse_body` reads it: a ``text`` that is JSON (a body
    nested too deep to write as YAML is recorded as its JSON text) matches as that JSON."""
    if req.text is None:
        return req.body, None
    return parse_body(req.text.encode())


_PARAM = re.compile(r';\s*([A-Za-z*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
# A form field's value is compared as it is up to this length; longer ones, and files, by digest.
_SHOWN_VALUE = 200


def multipart_parts(text: str) -> list[dict[str, str]] | None:
    """The parts of a ``multipart/form-data`` body (as :func:`parse_body` keeps it: text), without
    the boundary the client drew at random: each part's name, filename and content type, and its
    value (a file's, or a long one's, as a digest); None when ``text`` is not such a body."""
    first, newline, _ = text.partition("\r\n")
    boundary = first[2:].rstrip(" \t")
    closing = f"\r\n--{boundary}--"
    if not first.startswith("--") or not newline or not boundary or len(boundary) > 200:
        return None
    end = text.rfind(closing)
    if end < 0 or text[end + len(closing) :].strip("\r\n"):
        return None
    parts: list[dict[str, str]] = []
    for chunk in ("\r\n" + text[:end]).split(f"\r\n--{boundary}")[1:]:
        head, blank, content = chunk.partition("\r\n\r\n")
        if not blank:
            return None
        part: dict[str, str] = {}
        for line in head.split("\r\n"):
            name, colon, value = line.partition(":")
            name = name.strip().lower()
            if not colon:
                continue
            if name == "content-disposition":
                for match in _PARAM.finditer(value):
                    key = match.group(1).lower()
                    if key in ("name", "filename"):
                        part[key] = match.group(2) if match.group(2) is not None else match.group(3)
            elif name == "content-type":
                part["content_type"] = value.strip()
        if "filename" in part or len(content) > _SHOWN_VALUE:
            digest = hashlib.sha256(content.encode(errors="surrogatepass")).hexdigest()
            part["sha256"] = f"{digest} ({len(content)} characters)"
        else:
            part["value"] = content
        parts.append(part)
    return parts


def _canonical_scalar(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _canonical(value: Any) -> Any:
    """``value`` with string keys and integral floats as ints."""
    try:
        return _canonical_recursive(value)
    except RecursionError:  # a body nests as deep as strict JSON reads it: deeper than recursion here
        return _canonical_loop(value)


def _canonical_recursive(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical_recursive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_recursive(v) for v in value]
    return _canonical_scalar(value)


def _canonical_loop(value: Any) -> Any:
    """:func:`_canonical` as a loop, for a value nested deeper than the recursion limit allows."""
    if not isinstance(value, (dict, list)):
        return _canonical_scalar(value)
    root: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, dict[str, Any] | list[Any]]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            if isinstance(item, (dict, list)):
                copy: Any = {} if isinstance(item, dict) else []
                stack.append((item, copy))
            else:
                copy = _canonical_scalar(item)
            if isinstance(target, dict):
                target[str(key)] = copy
            else:
                target.append(copy)
    return root


def _strip(value: Any, path: list[str]) -> Any:
    if not isinstance(value, dict) or not path or path[0] not in value:
        return value
    head, rest = path[0], path[1:]
    out = dict(value)
    if rest:
        out[head] = _strip(value[head], rest)
    else:
        del out[head]
    return out


def _query(query: str) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(clean_query(query), keep_blank_values=True)))


def differences(recorded: Any, sent: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where two JSON values differ: ``(path, recorded, sent)``, ``_ABSENT`` for a missing member."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in [*recorded, *(k for k in sent if k not in recorded)]:
            sub = f"{path}.{key}" if path else key
            out += differences(recorded.get(key, _ABSENT), sent.get(key, _ABSENT), sub)
        return out
    if isinstance(recorded, list) and isinstance(sent, list):
        out = []
        for i in range(max(len(recorded), len(sent))):
            a = recorded[i] if i < len(recorded) else _ABSENT
            b = sent[i] if i < len(sent) else _ABSENT
            out += differences(a, b, f"{path}[{i}]")
        return out
    same = type(recorded) is type(sent) and recorded == sent
    return [] if same else [(path or "body", recorded, sent)]


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _redacted_names(bodies: Iterable[Any]) -> list[str]:
    """The names of the object keys whose value is ``<redacted>`` in ``bodies`` (at any depth)."""
    found: dict[str, None] = {}
    stack = [body for body in bodies if isinstance(body, (dict, list))]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if item == REDACTED:
                    found[key] = None
                elif isinstance(item, (dict, list)):
                    stack.append(item)
        else:
            stack.extend(item for item in value if isinstance(item, (dict, list)))
    return list(found)


class CassetteIndex:
    """Recorded exchanges by canonical request; each key replays its answers in order."""

    def __init__(
        self,
        interactions: Iterable[Interaction] = (),
        ignore: Iterable[str] = DEFAULT_IGNORE,
        redacted: Iterable[str] = (),
    ) -> None:
        self._ignore = [name.split(".") for name in ignore if name]
        interactions = list(interactions)
        # The fields recorded as <redacted> (--redact-field at record time) are left out of matching
        # too, whether or not the replaying server was given the same flags: a record/replay audit
        # found every such exchange a miss on a plain replay.
        self._redacted = tuple(dict.fromkeys([*redacted, *_redacted_names(i.request.body for i in interactions)]))
        self._items: list[Interaction] = []
        self._by_key: dict[_Key, list[int]] = {}
        self._cursor: dict[_Key, int] = {}
        self._routes: set[tuple[str, str]] = set()
        for item in interactions:
            self.add(item)

    def __len__(self) -> int:
        return len(self._items)

    def _comparable(self, body: Any, text: str | None) -> Any:
        if text is not None:
            parts = multipart_parts(text)
            return {"(text)": text} if parts is None else {"(multipart)": parts}
        body = redact_fields(redact_body_secrets(body), self._redacted)  # (as the cassette wrote it)
        for path in self._ignore:
            body = _strip(body, path)
        return _canonical(body)

    def _key(self, method: str, path: str, query: str, body: Any, text: str | None) -> _Key:
        canonical = json.dumps(self._comparable(body, text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
        return method.upper(), path, _query(query), digest

    def add(self, item: Interaction, *, played: bool = False) -> None:
        """Index one more exchange (``played``: it was just answered live, do not replay it now)."""
        req = item.request
        key = self._key(req.method, req.path, req.query, *_recorded_body(req))
        self._items.append(item)
        slots = self._by_key.setdefault(key, [])
        slots.append(len(self._items) - 1)
        if played:
            self._cursor[key] = len(slots)
        self._routes.add((req.method.upper(), req.path))

    def take(self, method: str, path: str, query: str, raw: bytes, *, repeat_last: bool) -> Interaction | None:
        """The next recorded answer to this request; after the last, the last again if ``repeat_last``."""
        body, text = parse_body(raw)
        key = self._key(method, path, query, body, text)
        slots = self._by_key.get(key)
        if not slots:
            return None
        position = self._cursor.get(key, 0)
        if position >= len(slots):
            if not repeat_last:
                return None
            position = len(slots) - 1
        self._cursor[key] = position + 1
        return self._items[slots[position]]

    def knows(self, method: str, path: str) -> bool:
        """Whether any exchange was recorded for this method and path."""
        return (method.upper(), path) in self._routes

    def rewind(self) -> None:
        """Replay every key from its first recorded answer again."""
        self._cursor.clear()

    def explain_miss(self, method: str, path: str, query: str, raw: bytes) -> str:
        """Name the nearest recorded request and the first field that differs."""
        if not self._items:
            return "it has no recorded exchanges"
        body, text = parse_body(raw)
        sent = self._comparable(body, text)
        best: tuple[int, int, list[tuple[str, Any, Any]]] | None = None
        for number, item in enumerate(self._items):
            req = item.request
            diffs: list[tuple[str, Any, Any]] = []
            if req.method.upper() != method.upper():
                diffs.append(("method", req.method, method))
            if req.path != path:
                diffs.append(("path", req.path, path))
            if _query(req.query) != _query(query):
                diffs.append(("query", req.query, query))
            try:
                diffs += differences(self._comparable(*_recorded_body(req)), sent)
            except RecursionError:
                diffs.append(("body", "(nested too deep to compare)", "(nested too deep to compare)"))
            if best is None or len(diffs) < len(best[2]):
                best = (len(diffs), number, diffs)
        assert best is not None
        _, number, diffs = best
        req = self._items[number].request
        where = f"interaction #{number} ({req.method} {req.path})"
        if not diffs:
            return f"{where} matches, but each of its recorded answers was already replayed"
        field, recorded, sent_value = diffs[0]
        more = f" (and {len(diffs) - 1} more)" if len(diffs) > 1 else ""
        return (
            f"the nearest is {where}, which differs at `{field}`: recorded {_show(recorded)}, "
            f"sent {_show(sent_value)}{more}"
        )
