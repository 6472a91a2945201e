"""The request journal: what each request was and who answered it, bounded in size."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockai.plan import ErrorReply, PlannedReply, RawReply, Reply
from mockai.redaction import redact_headers
from mockai.render_json import completion_dict

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


class Journal:
    """A ring buffer of the last ``size`` requests; ``total`` counts all of them."""

    def __init__(self, size: int = 1000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(size, 0) or None)
        self._disabled = size == 0
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
        entry = JournalEntry(self.total, method, path, query, redact_headers(headers), body, status, source, reply)
        self._entries.append(entry)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
