"""The cassette: recorded exchanges as versioned, readable YAML (JSON accepted), written atomically.

A cassette holds one entry per exchange::

    version: 1
    interactions:
    - request:
        method: POST
        path: /v1/chat/completions
        headers: {content-type: application/json, ...}
        body: {model: gpt-4o-mini, messages: [...]}      # the parsed JSON body
      response:
        status: 200
        latency: 0.0123                                   # seconds until the response headers
        headers: {content-type: application/json, x-request-id: req_..., ...}
        body: |                                           # the exact bytes, as text
          {"id": "chatcmpl-...", ...}

A streamed response has ``events`` instead of ``body``, one per line: ``{t: <seconds since the
response started>, data: <payload of a "data: …\\n\\n" event>}`` (``raw:`` holds any other framing),
so that replaying their concatenation gives back the recorded bytes exactly.

Secrets never reach the file: :mod:`mockai.replay.cassette_cleaning` removes them before an
exchange becomes an :class:`Interaction`, and the header says what was removed
(:func:`redaction_note`), bodies left as they were included.  Writing a cassette safely is
:mod:`mockai.replay.cassette_file`'s job.  Nothing here imports aiohttp.
"""

from __future__ import annotations

import base64
import json
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from mockai.core.redaction import REDACTED, SECRET_HEADERS, SECRET_NAME_PARTS, SECRET_QUERY_PARAMS
from mockai.core.version import __version__

__all__ = [
    "HEADER_FIRST_LINE",
    "NO_REDACTION",
    "VERSION",
    "Cassette",
    "CassetteError",
    "CassetteRequest",
    "CassetteResponse",
    "Interaction",
    "Redaction",
    "dump_cassette",
    "dump_document",
    "dump_header",
    "dump_interaction_json",
    "dump_interactions",
    "dump_json",
    "header_comments",
    "interactions_from",
    "load_cassette",
    "load_yaml",
    "mended_yaml",
    "parse_cassette",
    "redaction_note",
    "with_body_as_text",
]

VERSION = 1
# The first line of a YAML cassette mockai writes.
HEADER_FIRST_LINE = "mockai cassette: replay with `mockai serve --cassette FILE`."


class CassetteError(ValueError):
    """A cassette that cannot be read: the message names the file and the entry."""


@dataclass(frozen=True)
class Redaction:
    """What is removed before an exchange is written, besides :data:`SECRET_HEADERS`."""

    headers: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


NO_REDACTION = Redaction()


@dataclass(frozen=True)
class CassetteRequest:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    # The parsed JSON body; ``None`` with ``text is None`` means no body.
    body: Any = None
    # The body when it is not JSON (or JSON nested too deep to write as YAML: matched as JSON).
    text: str | None = None

    def body_bytes(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode()


@dataclass(frozen=True)
class CassetteResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    # Streams: (seconds since the response started, raw event bytes); they concatenate to the body.
    events: tuple[tuple[float, bytes], ...] | None = None
    # Seconds from sending the request to receiving the response headers.
    latency: float = 0.0


@dataclass(frozen=True)
class Interaction:
    request: CassetteRequest
    response: CassetteResponse


@dataclass
class Cassette:
    interactions: list[Interaction] = field(default_factory=list)
    version: int = VERSION
    # What was removed from its exchanges when they were written (None: not known), for the header.
    redaction: Redaction | None = None


# --- YAML layout --------------------------------------------------------------------------------


class _Flow(dict[str, Any]):
    """A mapping written on one line (stream events)."""


# libyaml's emitter and parser when available (ten times faster), else PyYAML's own.
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def _event_to_yaml(offset: float, event: bytes) -> _Flow:
    out = _Flow(t=round(offset, 4))
    if event.startswith(b"data: ") and event.endswith(b"\n\n"):
        payload = event[6:-2]
        if b"\n" not in payload and b"\r" not in payload:
            try:
                out["data"] = payload.decode()
                return out
            except UnicodeDecodeError:
                pass
    try:
        out["raw"] = event.decode()
    except UnicodeDecodeError:
        out["raw_base64"] = base64.b64encode(event).decode()
    return out


def _headers_to_yaml(headers: Iterable[tuple[str, str]]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for name, value in headers:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _interaction_to_yaml(item: Interaction) -> dict[str, Any]:
    req = item.request
    request: dict[str, Any] = {"method": req.method, "path": req.path}
    if req.query:
        request["query"] = req.query
    request["headers"] = dict(req.headers)
    if req.text is not None:
        request["text"] = req.text
    elif req.body is not None:
        request["body"] = req.body
    res = item.response
    response: dict[str, Any] = {"status": res.status, "latency": round(res.latency, 4)}
    response["headers"] = _headers_to_yaml(res.headers)
    if res.events is not None:
        response["events"] = [_event_to_yaml(t, e) for t, e in res.events]
    else:
        try:
            response["body"] = res.body.decode()
        except UnicodeDecodeError:
            response["body_base64"] = base64.b64encode(res.body).decode()
    return {"request": request, "response": response}


def dump_interactions(items: Iterable[Interaction]) -> bytes:
    """The YAML list items (``- request: ...``) of ``items``: concatenations of these are valid."""
    data = [_interaction_to_yaml(i) for i in items]
    if not data:
        return b""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)
    return _open_ended(text).encode()


# PyYAML closes a document whose last value is a block scalar that keeps its trailing line breaks
# (a body ending in "\n\n": a WebVTT transcript) with the document end marker "...".  Fragments are
# joined and appended to: a marker between two list items made the whole cassette unloadable
# ("did not find expected <document start>").  Without it the value reads the same, its breaks
# kept up to the next, less indented, line or the end of the file.
_DOCUMENT_END = "...\n"


def _open_ended(text: str) -> str:
    return text[: -len(_DOCUMENT_END)] if text.endswith("\n" + _DOCUMENT_END) else text


def redaction_note(redaction: Redaction | None, earlier: int = 0) -> list[str]:
    """What was left out of a cassette's exchanges, in sentences, as its header says it.

    ``redaction`` None: not known (a cassette written by other means); ``earlier``: how many
    exchanges at the start were recorded before, by a run whose redaction is not known here.
    """
    headers = ", ".join(sorted(SECRET_HEADERS))
    params = ", ".join(sorted(SECRET_QUERY_PARAMS))
    parts = ", ".join(sorted(SECRET_NAME_PARTS))
    notes = [
        f"Never written, in requests or responses: the headers {headers}; the values of the query "
        f"parameters {params} are written as {REDACTED}. The same for every header and query "
        f"parameter whose name has one of these parts (between '-', '_' or '.'): {parts}."
    ]
    notes.append(
        f"An MCP tool's authorization and secret-named headers in a request body are written as {REDACTED}, "
        "and so is any of them an answer quotes back."
    )
    if redaction is None:
        notes.append("What else was redacted is not recorded: request and response bodies may be as sent and received.")
        return notes
    if redaction.headers:
        notes.append(f"Also not written: the headers {', '.join(sorted({h.lower() for h in redaction.headers}))}.")
    if redaction.fields:
        notes.append(
            f"Request body fields written as {REDACTED} (at any depth): {', '.join(redaction.fields)}. "
            "Response bodies were not redacted: they are written as received."
        )
    else:
        notes.append(
            "Bodies were NOT otherwise redacted: requests and responses are written as sent and received, "
            "so any other secret in a body is in this file (--redact-field NAME redacts a request field)."
        )
    if earlier:
        notes.append(
            f"This is what the last recording run removed; the first {earlier} exchange(s) were recorded "
            "before it, as that run was told."
        )
    return notes


def header_comments(redaction: Redaction | None = None, earlier: int = 0, first: str = HEADER_FIRST_LINE) -> bytes:
    """The comment lines saying what was redacted: ``first``, then :func:`redaction_note` wrapped."""
    lines = [first]
    for note in redaction_note(redaction, earlier):
        lines += textwrap.wrap(note, 100, break_long_words=False, break_on_hyphens=False)
    return "".join(f"# {line}\n" for line in lines).encode()


def dump_header(version: int, empty: bool, redaction: Redaction | None = None, earlier: int = 0) -> bytes:
    """What comes before the interactions of a YAML cassette: comments saying what was redacted."""
    comments = header_comments(redaction, earlier).decode()
    return (
        f"{comments}version: {version}\nrecorded_with: mockai {__version__}\ninteractions:{' []' if empty else ''}\n"
    ).encode()


def dump_document(data: Any) -> bytes:
    """A whole YAML document (a cassette's top-level mapping as loaded, unknown keys included) in
    the layout :func:`dump_interactions` writes."""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)
    return _open_ended(text).encode()


def dump_interaction_json(item: Interaction) -> bytes:
    """One exchange as it stands in a JSON cassette's ``interactions`` list (indented, no comma)."""
    text = json.dumps(_interaction_to_yaml(item), indent=2, ensure_ascii=False)
    # Indented at "\n" only: a string may hold U+2028 or U+0085 as they are (ensure_ascii=False).
    return "\n".join(f"    {line}" for line in text.split("\n")).encode()


def dump_json(version: int, fragments: Iterable[bytes], redaction: Redaction | None = None, earlier: int = 0) -> bytes:
    """A JSON cassette of the exchanges ``fragments`` (from :func:`dump_interaction_json`)."""
    data = {
        "version": version,
        "recorded_with": f"mockai {__version__}",
        "redaction": redaction_note(redaction, earlier),
        "interactions": [],
    }
    text = json.dumps(data, indent=2, ensure_ascii=False).encode()
    items = [f for f in fragments if f]
    if items:
        assert text.endswith(b"[]\n}")
        text = text[:-4] + b"[\n" + b",\n".join(items) + b"\n  ]\n}"
    return text + b"\n"


def with_body_as_text(item: Interaction) -> Interaction | None:
    """``item`` with its JSON request body written as JSON text (``text:``), for a body nested too
    deep to write as YAML or indented JSON; the index reads such a text as JSON again.  None when
    even that cannot be made."""
    req = item.request
    if req.text is not None or req.body is None:
        return None
    try:
        text = json.dumps(req.body, ensure_ascii=False)  # the C encoder: no indentation, deeper reach
    except (RecursionError, ValueError, TypeError):
        return None
    return replace(item, request=replace(req, body=None, text=text))


def dump_cassette(cassette: Cassette, *, as_json: bool = False, earlier: int = 0) -> bytes:
    if as_json:
        fragments = [dump_interaction_json(i) for i in cassette.interactions]
        return dump_json(cassette.version, fragments, cassette.redaction, earlier)
    header = dump_header(cassette.version, not cassette.interactions, cassette.redaction, earlier)
    return header + dump_interactions(cassette.interactions)


# --- loading ------------------------------------------------------------------------------------


class _Reader:
    """Typed access to one entry, with errors that say where."""

    def __init__(self, source: str, where: str, data: Any) -> None:
        self.source = source
        self.where = where
        if not isinstance(data, dict):
            raise self.error(f"expected a mapping, got {type(data).__name__}")
        self.data: dict[str, Any] = data

    def error(self, message: str) -> CassetteError:
        return CassetteError(f"{self.source}: {self.where}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise self.error(f"missing '{key}'")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            kinds = (kind,) if isinstance(kind, type) else kind
            names = what or " or ".join(k.__name__ for k in kinds)
            raise self.error(f"'{key}' must be {names}, got {value!r:.60}")
        return value

    def child(self, key: str) -> _Reader:
        return _Reader(self.source, f"{self.where}.{key}", self.get(key, dict, what="a mapping"))


def _headers_from(reader: _Reader, key: str) -> list[tuple[str, str]]:
    raw = reader.get(key, dict, {}, "a mapping of header names to values")
    out: list[tuple[str, str]] = []
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        for one in values:
            if not isinstance(one, (str, int, float)) or isinstance(one, bool):
                raise reader.error(f"header {name!r} must be a string, got {one!r:.60}")
            out.append((str(name).lower(), str(one)))
    return out


def _event_from(reader: _Reader, index: int, data: Any) -> tuple[float, bytes]:
    event = _Reader(reader.source, f"{reader.where}.events[{index}]", data)
    offset = float(event.get("t", (int, float), 0.0, "a number of seconds"))
    if "data" in event.data:
        return offset, b"data: " + str(event.get("data", (str, int))).encode() + b"\n\n"
    if "raw" in event.data:
        return offset, event.get("raw", str).encode()
    if "raw_base64" in event.data:
        return offset, _b64(event, "raw_base64")
    raise event.error("an event needs 'data', 'raw' or 'raw_base64'")


def _b64(reader: _Reader, key: str) -> bytes:
    try:
        return base64.b64decode(reader.get(key, str), validate=True)
    except ValueError:
        raise reader.error(f"'{key}' is not valid base64") from None


def _interaction_from(source: str, index: int, data: Any) -> Interaction:
    entry = _Reader(source, f"interaction #{index}", data)
    if isinstance(entry.data.get("request"), dict) and "uri" in entry.data["request"]:
        raise entry.error("this looks like a VCR.py cassette: convert it with `mockai cassette import FILE -o OUT`")
    req = entry.child("request")
    method = req.get("method", str).upper()
    path = req.get("path", str)
    if not path.startswith("/"):
        raise req.error(f"'path' must start with '/', got {path!r:.60}")
    text = req.get("text", str, None)
    request = CassetteRequest(
        method,
        path,
        str(req.get("query", str, "")),
        dict(_headers_from(req, "headers")),
        req.data.get("body"),
        text,
    )
    res = entry.child("response")
    status = res.get("status", int)
    if not 100 <= status <= 599:
        raise res.error(f"'status' must be an HTTP status code, got {status}")
    events: tuple[tuple[float, bytes], ...] | None = None
    body = b""
    if "events" in res.data:
        items = res.get("events", list, what="a list of events")
        events = tuple(_event_from(res, i, e) for i, e in enumerate(items))
    elif "body_base64" in res.data:
        body = _b64(res, "body_base64")
    else:
        body = res.get("body", str, "").encode()
    latency = float(res.get("latency", (int, float), 0.0, "a number of seconds"))
    response = CassetteResponse(status, tuple(_headers_from(res, "headers")), body, events, latency)
    return Interaction(request, response)


def parse_cassette(text: str | bytes, source: str = "<cassette>") -> Cassette:
    """Parse cassette text (YAML, or JSON when ``source`` ends in ``.json``)."""
    as_json = source.endswith(".json")
    try:
        data = json.loads(text) if as_json else load_yaml(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CassetteError(f"{source}: not valid {'JSON' if as_json else 'YAML'}: {exc}") from None
    if data is None:
        return Cassette()
    top = _Reader(source, "top level", data)
    version = top.get("version", int)
    if version > VERSION:
        raise top.error(f"cassette version {version} is newer than this mockai reads ({VERSION}): upgrade")
    if version < 1:
        raise top.error(f"unknown cassette version {version}")
    items = top.get("interactions", list, [], "a list")
    return Cassette(interactions_from(items, source), version)


def load_yaml(text: str | bytes) -> Any:
    """YAML text as plain data (safe: no tags that make objects); raises ``yaml.YAMLError``.  A
    cassette an earlier mockai broke (see :func:`_open_ended`) is read as it was meant."""
    try:
        return yaml.load(text, Loader=_SafeLoader)  # safe
    except yaml.YAMLError:
        raw = text.encode() if isinstance(text, str) else text
        mended = mended_yaml(raw)
        if mended is raw:
            raise
        return yaml.load(mended, Loader=_SafeLoader)  # safe


_MARKER_BETWEEN_ITEMS = b"\n...\n- "


def mended_yaml(text: bytes) -> bytes:
    """``text`` without the document end markers an earlier mockai wrote between a cassette's
    exchanges (the same object when there are none)."""
    return text.replace(_MARKER_BETWEEN_ITEMS, b"\n- ") if _MARKER_BETWEEN_ITEMS in text else text


def interactions_from(items: list[Any], source: str = "<cassette>", first: int = 0) -> list[Interaction]:
    """The exchanges of a loaded ``interactions`` list (``first``: the number of the first, for errors)."""
    return [_interaction_from(source, first + i, item) for i, item in enumerate(items)]


def load_cassette(path: Path) -> Cassette:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CassetteError(f"{path}: no such cassette") from None
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_cassette(data, str(path))
