"""The request journal: what each request was and who answered it, bounded in size."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockai.chat.render_json import completion_dict
from mockai.core.plan import ErrorReply, PlannedReply, RawReply, Reply
from mockai.core.redaction import redact_headers

__all__ = ["Journal", "JournalEntry"]


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

    @property
    def response(self) -> dict[str, Any] | None:
        """The answer as a JSON object: the completion, the error envelope or the recorded body."""
        reply = self.reply
        if isinstance(reply, PlannedReply):
            return completion_dict(reply.plan)
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
_Record = tuple[int, str, str, str, Any, Any, int, str, "Reply | None"]


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
    ) -> None:
        self.total += 1
        if self._disabled:
            return
        self._entries.append((self.total, method, path, query, headers, body, status, source, reply))

    def __iter__(self) -> Iterator[JournalEntry]:
        entries = [
            JournalEntry(seq, method, path, query, redact_headers(headers), body, status, source, reply)
            for seq, method, path, query, headers, body, status, source, reply in list(self._entries)
        ]
        return iter(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
