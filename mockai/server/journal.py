"""The request journal: what each request was and who answered it, bounded in size."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mockai.core.plan import ErrorReply, PlannedReply, RawReply, Reply, ReplyPlan
from mockai.core.redaction import redact_headers

__all__ = ["Describe", "Journal", "JournalEntry"]

# How a surface shows a plan as its JSON answer (chat: the ``chat.completion`` object); called only
# when the journal is read, never when a request is recorded.
Describe = Callable[[ReplyPlan], dict[str, Any]]


@dataclass
class JournalEntry:
    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]  # secrets already redacted
    body: Any  # the parsed JSON body (None when it was not JSON)
    status: int
    source: str  # "seeded", "scenario:<rule>", "cassette", "error", ...
    reply: Reply | None = field(default=None, repr=False)
    describe: Describe | None = field(default=None, repr=False)

    @property
    def response(self) -> dict[str, Any] | None:
        """The answer as a JSON object: the completion, the error envelope or the recorded body."""
        reply = self.reply
        if isinstance(reply, PlannedReply):
            return self.describe(reply.plan) if self.describe is not None else None
        if isinstance(reply, ErrorReply):
            return {"error": reply.error.to_dict()}
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


# What record() keeps: the arguments as given, turned into a JournalEntry (headers redacted)
# only when the journal is read, so recording costs a tuple on the hot path.
_Record = tuple[int, str, str, str, Any, Any, int, str, "Reply | None", "Describe | None"]


class Journal:
    """A ring buffer of the last ``size`` requests; ``total`` counts all of them.

    ``size`` 0 keeps none (only counts); a negative size is treated as 0, never as unbounded.
    """

    def __init__(self, size: int = 1000) -> None:
        self._disabled = size <= 0
        self._entries: deque[_Record] = deque(maxlen=max(size, 1))
        self.total = 0

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
    ) -> None:
        self.total += 1
        if self._disabled:
            return
        self._entries.append((self.total, method, path, query, headers, body, status, source, reply, describe))

    def __iter__(self) -> Iterator[JournalEntry]:
        entries = [
            JournalEntry(seq, method, path, query, redact_headers(headers), body, status, source, reply, describe)
            for seq, method, path, query, headers, body, status, source, reply, describe in list(self._entries)
        ]
        return iter(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
