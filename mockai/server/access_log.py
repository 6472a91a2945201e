"""The access log of ``mockai serve``: one line per request on stderr.

    05:21:03.123 200 POST /v1/chat/completions gpt-4o-mini seeded 1.4 ms
    05:21:03.180 404 POST /v1/chat/completions gpt-4o no-match 0.9 ms

time (local, to the millisecond), status, method and path, model, who answered, duration.  With
``--log-format json`` each line is one JSON object: ``time`` (UTC, ISO 8601), ``status``,
``method``, ``path``, ``model``, ``source``, ``ms``.  It is off unless the configuration asks for
it (:attr:`ServerConfig.access_log <mockai.core.config.ServerConfig.access_log>`): the CLI turns it
on, the pytest plugin and ``MockAI`` leave it off.

The contract, for every surface (chat, Responses, embeddings, ...):

* The front door (:mod:`mockai.server.app`) runs every request through :meth:`AccessLog.observe`
  (around the error boundary) when the log is on.  It opens a request-scoped note (a context
  variable) and writes the line once the answer has been sent (a stream: after its last byte),
  with the status of the response.
* Who answered is read from that note, which :func:`note_answer` fills.  The journal calls it in
  :meth:`Journal.record <mockai.server.journal.Journal.record>`, so a surface that journals its
  requests, as every ``/v1`` surface does, is covered without a line of its own.  A request
  nobody journals (``GET /v1/models``, the admin API) shows ``-`` as its source.
* The model is the ``model`` of the JSON body the journal was given, else the ``{model}`` of the
  route (``GET /v1/models/{model}``), else ``-``.

Never in a line: headers (API keys, auth), the query string, bodies.  Model, path and source are
shown with control characters escaped and cut to :data:`FIELD_CHARS`, so a request cannot forge
lines.  A request whose client went away before the answer was sent is logged with status 499.

Cost and safety: on the event loop, a slot object, a context variable and one formatted line per
request.  The lines are written by a thread (:mod:`mockai.server.line_writer`): whole lines, so
``--workers`` sharing one stderr never interleave inside a line, and a stderr nobody reads (a full
pipe) never stalls the server.
"""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii
from typing import Any, Literal

from aiohttp import web

from mockai.http.responses import Handler, error_boundary
from mockai.server.line_writer import LineWriter

__all__ = ["ACCESS_LOG", "FIELD_CHARS", "AccessLog", "access_log_for", "note_answer"]

Format = Literal["text", "json"]

FIELD_CHARS = 120
_CLIENT_GONE = 499  # nginx's "client closed request": no status was sent
# Only the start of a body not already parsed is read for its model (a cassette replay's).
_MODEL_SCAN_BYTES = 64 << 10


class _Note:
    """Who answered the request in progress, filled by :func:`note_answer`."""

    __slots__ = ("body", "raw", "source")

    def __init__(self) -> None:
        self.source: str | None = None
        self.body: Any = None
        self.raw: bytes | None = None


_NOTE: ContextVar[_Note | None] = ContextVar("mockai_access_note", default=None)


def note_answer(source: str, body: Any, raw: bytes | None = None) -> None:
    """Say who answered the request being handled (``source``: ``seeded``, ``scenario:<rule>``,
    ``cassette``, ``rejected``, ...) and its body (parsed JSON, or ``raw`` bytes); a no-op when no
    access log is watching."""
    note = _NOTE.get()
    if note is not None:
        note.source, note.body, note.raw = source, body, raw


def access_log_for(setting: str) -> AccessLog | None:
    """The access log a ``ServerConfig.access_log`` setting asks for (None for ``off``)."""
    if setting == "text":
        return AccessLog("text")
    if setting == "json":
        return AccessLog("json")
    return None


class AccessLog:
    """Makes one line per request and hands it to a :class:`LineWriter`; see the module docstring."""

    def __init__(self, fmt: Format, writer: LineWriter | None = None) -> None:
        self._format: Format = fmt
        self.writer = writer or LineWriter()
        self._second = -1
        self._second_text = ""

    async def observe(self, request: web.Request, handler: Handler, max_body_bytes: int) -> web.StreamResponse:
        """``handler(request)`` inside the error boundary (as the front door runs it), then its line."""
        note = _Note()
        token = _NOTE.set(note)
        start = time.perf_counter()
        status = _CLIENT_GONE
        try:
            response = await error_boundary(request, handler, max_body_bytes)
            status = response.status
            return response
        finally:
            _NOTE.reset(token)
            ms = (time.perf_counter() - start) * 1000.0
            model = _model(note) or request.match_info.get("model")
            self.writer.add(self.line(request.method, request.path, status, model, note.source, ms))

    def line(self, method: str, path: str, status: int, model: str | None, source: str | None, ms: float) -> str:
        """The line (ending in a newline) for one request."""
        now = time.time()
        second = int(now)
        if second != self._second:  # strftime once a second, not once a request
            self._second = second
            if self._format == "json":
                self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            else:
                self._second_text = time.strftime("%H:%M:%S", time.localtime(second))
        millis = f"{self._second_text}.{int(now % 1 * 1000):03d}"
        if self._format == "json":  # built by hand: json.dumps costs four times the whole line
            return (
                f'{{"time": "{millis}Z", "status": {status}, "method": {_json(method)}, "path": {_json(path)}, '
                f'"model": {_json(model)}, "source": {_json(source)}, "ms": {round(ms, 2)!r}}}\n'
            )
        shown_model = "-" if model is None else _shown(model)
        shown_source = "-" if source is None else _shown(source)
        return f"{millis} {status} {_shown(method)} {_shown(path)} {shown_model} {shown_source} {ms:.1f} ms\n"

    def close(self) -> None:
        """Write the lines still pending (the application's cleanup)."""
        self.writer.close()


# The application's access log (None: off), set by make_app, read by the front door.
ACCESS_LOG: web.AppKey[AccessLog | None] = web.AppKey("mockai_access_log")


def _model(note: _Note) -> str | None:
    body = note.body
    if not isinstance(body, dict) and note.raw and len(note.raw) <= _MODEL_SCAN_BYTES:
        try:
            body = json.loads(note.raw)
        except (ValueError, RecursionError):
            return None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def _json(text: str | None) -> str:
    """``text`` as a JSON string (ASCII only: no U+2028 for a line splitter to cut at), or null."""
    return "null" if text is None else encode_basestring_ascii(_cut(text))


def _cut(text: str) -> str:
    return text if len(text) <= FIELD_CHARS else text[: FIELD_CHARS - 1] + "…"


def _shown(text: str) -> str:
    """``text`` on one line: control characters and spaces escaped, cut to FIELD_CHARS."""
    text = _cut(text)
    if text.isprintable() and " " not in text:
        return text
    return "".join(map(_escaped, text))


def _escaped(ch: str) -> str:
    if ch == " ":  # fields are separated by spaces
        return "\\x20"
    return ch if ch.isprintable() else ascii(ch)[1:-1]
