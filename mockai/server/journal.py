"""The request journal: what each request was and who answered it, bounded by count and by bytes.

Every chat request is journaled, the rejected ones too (a 400, 401 or 413 is exactly what a user
debugging a test needs to see): its redacted headers, its body as received, its status and its
answer (a completion, the error envelope, recorded bytes).

Bounded twice: at most ``size`` entries and about ``max_bytes`` bytes of memory (estimated, on
the high side), the oldest evicted first; the newest entry is always kept.  A body of up to
:data:`BODY_KEPT_BYTES` is kept whole (as the bytes received, parsed again when the journal is
read); a larger one is kept cut down to about that size, long strings keeping their first
:data:`STRING_KEPT_CHARS` characters followed by ``…[truncated N bytes]`` (see
:mod:`mockai.core.json_budget`), so a test still sees the start of every request.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from mockai.core.json_budget import bounded_copy, json_cost
from mockai.core.plan import ErrorReply, PlannedReply, RawReply, Reply, ReplyPlan, plan_cost
from mockai.core.plan_excerpt import plan_excerpt
from mockai.core.records import record
from mockai.core.redaction import redact_body_secrets, redact_fields, redact_headers, redact_query
from mockai.server.access_log import note_answer

__all__ = ["BODY_KEPT_BYTES", "DEFAULT_JOURNAL_BYTES", "NOT_READ", "Describe", "Excerptable", "Journal", "JournalEntry"]

# How a surface shows a plan as its JSON answer (chat: the ``chat.completion`` object); called only
# when the journal is read, never when a request is recorded.
Describe = Callable[[ReplyPlan], dict[str, Any]]


@runtime_checkable
class Excerptable(Protocol):
    """A description that holds more than its plan (a Response's echo of the request: its
    instructions, its tools): for a large request or answer the journal keeps its excerpt."""

    def __call__(self, plan: ReplyPlan, /) -> dict[str, Any]: ...

    def excerpt(self) -> tuple[Describe, int]:
        """A description holding a bounded excerpt of what this one holds, and the bytes it holds
        beyond the plan (estimated on the high side)."""
        ...


DEFAULT_JOURNAL_BYTES = 32 << 20
# A body (or an answer, or the headers) up to this size is kept whole; larger ones are cut down.
BODY_KEPT_BYTES = 64 << 10
STRING_KEPT_CHARS = 4096
# An answer is kept as its reply (rendered when read) up to this estimated size, cut down above it.
ANSWER_KEPT_BYTES = 1 << 20
# What an entry costs besides its body, headers and answer (the tuple, its strings, the deque slot).
_ENTRY_COST = 512
# No limit: a body kept whole is only made safe to show (depth, lone surrogates) when read.
_WHOLE = 1 << 62


class _NotRead:
    """The body was never read (a 413 refused on its Content-Length)."""

    def __repr__(self) -> str:
        return "NOT_READ"


NOT_READ: Any = _NotRead()


# An entry's ``answer`` when its reply is kept but too large to show whole: cut when it is read.
_CUT_WHEN_SHOWN: dict[str, Any] = {}


@dataclass
class JournalEntry:
    seq: int
    method: str
    path: str
    query: str  # secrets already redacted
    headers: dict[str, str]  # secrets already redacted
    # The body as received: its JSON value, or its text when it is not JSON (None: no body).
    body: Any
    status: int
    source: str  # "seeded", "scenario:<rule>", "cassette", "rejected", "error", ...
    reply: Reply | None = field(default=None, repr=False)
    describe: Describe | None = field(default=None, repr=False)
    # The answer, already made (and cut down) when it was too large to keep as its reply.
    answer: dict[str, Any] | None = field(default=None, repr=False)
    # --redact-field: body keys never shown, in the request or the answer.
    redacted_fields: tuple[str, ...] = field(default=(), repr=False)

    @property
    def response(self) -> dict[str, Any] | None:
        """The answer as a JSON object: the completion, the error envelope or the recorded body."""
        answer: dict[str, Any] | None = redact_body_secrets(self._response())  # (a Response echoes its tools)
        return redact_fields(answer, self.redacted_fields) if self.redacted_fields else answer

    def _response(self) -> dict[str, Any] | None:
        reply = self.reply
        if reply is None:  # (an error's envelope is kept as its answer: see Journal.record)
            return self.answer
        if isinstance(reply, PlannedReply):
            described = self.describe(reply.plan) if self.describe is not None else None
            return _cut_answer(described) if self.answer is _CUT_WHEN_SHOWN else described
        if isinstance(reply, RawReply) and reply.body:
            try:
                loaded = json.loads(reply.body)
            except ValueError:
                return None
            return loaded if isinstance(loaded, dict) else None
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "source": self.source,
            "response": self.response,
        }


@record
class _Kept:
    """A body, already in the form it is shown in (cut down when it was large)."""

    value: Any


# What record() keeps: the arguments, the body as raw bytes (small) or a _Kept copy, and the
# entry's estimated cost; turned into a JournalEntry (headers redacted) only when the journal is
# read, so recording a small request costs a tuple and a few additions on the hot path.
_Record = tuple[
    int, str, str, str, Any, "bytes | _Kept", int, str, "Reply | None", "Describe | None", "dict[str, Any] | None", int
]


class Journal:
    """A ring buffer of the last ``size`` requests within about ``max_bytes``; ``total`` counts
    all of them.  ``size`` 0 keeps none (only counts); a negative size is treated as 0, never as
    unbounded; the newest entry is kept whatever ``max_bytes`` says."""

    def __init__(
        self,
        size: int = 1000,
        max_bytes: int = DEFAULT_JOURNAL_BYTES,
        *,
        redact_headers: tuple[str, ...] = (),
        redact_fields: tuple[str, ...] = (),
    ) -> None:
        # Secrets the user named (--redact-header, --redact-field), never shown, as the default ones.
        self.redacted_headers = redact_headers
        self.redacted_fields = redact_fields
        self.size = max(size, 0)
        self.max_bytes = max_bytes
        self._entries: deque[_Record] = deque()
        self.total = 0
        self.bytes = 0
        # The last seeded plan costed, and its cost: a load test repeating a request journals the
        # very same (immutable) plan again and again, and costing it walks all its choices.
        self._costed: tuple[ReplyPlan | None, int] = (None, 0)
        # The last headers costed, and their cost: the requests of one head (a load test sends a
        # few) share one read-only headers object (mockai.server.fast_front).
        self._headers_costed: tuple[Any, int] = (None, 0)

    def record(
        self,
        method: str,
        path: str,
        query: str,
        headers: Any,
        body: Any,
        status: int,
        source: str,
        reply: Reply | None = None,
        describe: Describe | None = None,
        *,
        raw: bytes | None = None,
    ) -> None:
        """Journal one request.  ``body``: its parsed JSON (or text), or :data:`NOT_READ`;
        ``raw``, when given, the bytes ``body`` was read from (kept instead of it when small)."""
        note_answer(source, body, raw)  # the access log's "who answered" (mockai.server.access_log)
        self.total += 1
        if self.size == 0:
            return
        if raw is not None and len(raw) <= BODY_KEPT_BYTES:  # the hot path: kept as received
            kept: bytes | _Kept = raw
            cost = 33 + len(raw)
        else:
            kept, cost = _keep_body(body, raw)
        if headers is self._headers_costed[0]:  # (the fast front shares one read-only head's headers)
            headers_cost = self._headers_costed[1]
        else:
            headers_cost = _headers_cost(headers)
            self._headers_costed = (headers, headers_cost)
        if headers_cost > BODY_KEPT_BYTES:
            headers = bounded_copy(
                redact_headers(headers, self.redacted_headers), BODY_KEPT_BYTES, max_string=STRING_KEPT_CHARS
            )
            headers_cost = _headers_cost(headers)
        answer = None
        if isinstance(reply, ErrorReply):  # its envelope: the exception's traceback holds the request
            answer = {"error": reply.error.to_dict()}  # (its frames: its body, read and parsed)
            reply = None
        if isinstance(reply, PlannedReply) and reply.plan is self._costed[0]:
            reply_cost = self._costed[1]
        else:
            reply_cost = _reply_cost(reply)
            if isinstance(reply, PlannedReply):
                self._costed = (reply.plan, reply_cost)
        if answer is not None:
            reply_cost = json_cost(answer)
        if reply_cost > ANSWER_KEPT_BYTES:  # a huge answer (or error message): shown cut down
            if answer is not None:
                answer = _cut_answer(answer)
                reply_cost = json_cost(answer)
            else:  # (made and cut when read: making it here held the loop for seconds, megabytes)
                answer = _CUT_WHEN_SHOWN
                if isinstance(reply, PlannedReply):  # (what is kept of it: an excerpt, not the plan)
                    reply = replace(reply, plan=plan_excerpt(reply.plan))
                    reply_cost = _reply_cost(reply)
        if (answer is _CUT_WHEN_SHOWN or not isinstance(kept, bytes)) and isinstance(describe, Excerptable):
            # A description holding parts of a large body (a Response's echo of its instructions):
            # the excerpt of it, and what that costs.
            describe, held = describe.excerpt()
            reply_cost += held
        cost += _ENTRY_COST + headers_cost + len(query) + reply_cost
        self._entries.append(
            (self.total, method, path, query, headers, kept, status, source, reply, describe, answer, cost)
        )
        self.bytes += cost
        entries = self._entries
        while len(entries) > self.size or (self.bytes > self.max_bytes and len(entries) > 1):
            self.bytes -= entries.popleft()[-1]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.read(self.kept()))

    def kept(self) -> list[_Record]:
        """What the journal holds now, oldest first: cheap (a copy of a list), for :meth:`read`."""
        return list(self._entries)

    def read(self, kept: list[_Record]) -> list[JournalEntry]:
        """The entries of ``kept`` as they are shown (bodies parsed, secrets redacted): the costly
        part of reading, which may run in a worker thread while the journal goes on."""
        return [self._entry(record) for record in kept]

    def _entry(self, record: _Record) -> JournalEntry:
        """An entry as it is read: secrets redacted, the body shown."""
        seq, method, path, query, headers, kept, status, source, reply, describe, answer, _ = record
        query, headers = redact_query(query), redact_headers(headers, self.redacted_headers)
        body = redact_body_secrets(_shown(kept))
        fields = self.redacted_fields
        if fields:
            body = redact_fields(body, fields)
        return JournalEntry(seq, method, path, query, headers, body, status, source, reply, describe, answer, fields)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
        self.bytes = 0


def _keep_body(body: Any, raw: bytes | None) -> tuple[_Kept, int]:
    """What the journal keeps of a body not kept as received (a large one), and its cost."""
    if body is NOT_READ:
        body = None if raw is None else _parsed(raw)
    kept = bounded_copy(body, BODY_KEPT_BYTES, max_string=STRING_KEPT_CHARS)
    return _Kept(kept), json_cost(kept)


def _shown(kept: bytes | _Kept) -> Any:
    """A kept body as the journal shows it."""
    if isinstance(kept, _Kept):
        return kept.value
    return bounded_copy(_parsed(kept), _WHOLE, max_string=_WHOLE)


def _parsed(raw: bytes) -> Any:
    """The JSON value of ``raw``; its text when it is not JSON; None when there is no body.
    (For showing a body only: lone surrogates it reads are escaped by bounded_copy.)"""
    if not raw:
        return None
    try:
        return json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _headers_cost(headers: Any) -> int:
    try:  # map and sum run in C, and no isinstance(…, Mapping): this is on the hot path
        return 96 * len(headers) + sum(map(len, headers.keys())) + sum(map(len, headers.values()))
    except (TypeError, AttributeError):  # not a mapping: nothing kept
        return 0


def _reply_cost(reply: Reply | None) -> int:
    """The estimated bytes a reply holds beyond what the rest of the server holds anyway."""
    if isinstance(reply, PlannedReply):
        # Seeded plans are shared with the known-bodies memo: counted here too, on the high side.
        return plan_cost(reply.plan)
    if reply is None:
        return 0
    return 64  # recorded bytes belong to the cassette, which holds them anyway


def _cut_answer(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    cut = bounded_copy(answer, ANSWER_KEPT_BYTES, max_string=BODY_KEPT_BYTES)
    return cut if isinstance(cut, dict) else None
