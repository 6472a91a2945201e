"""One request as the reply sources see it, and what a reply source is.

A reply source (scenario rules, a cassette) looks at a :class:`RequestContext` and answers with a
:class:`~mockai.core.plan.Reply`, or ``None`` to let the next source answer; seeded generation
answers what no source did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from mockai.core.plan import Reply

__all__ = ["ReplySource", "RequestContext"]


@dataclass
class RequestContext:
    """One validated request: what it was, and the number the server gave it."""

    method: str
    path: str
    query: str
    sent_headers: Mapping[str, str]  # as sent (the request's own headers: not copied per request)
    body: dict[str, Any]
    raw: bytes
    seq: int
    # Decides the id of the completion a plan for this request carries, from the id the request
    # itself would give (stored completions give a repeated ``store: true`` request a fresh one);
    # None keeps the request's own id.
    assign_id: Callable[[str], str] | None = None
    # What the server counted of the prompt before answering (mockai.server.prompt_cache's
    # PromptPrefixes), when it did so off the event loop for a large or heavy request; else None.
    counted: Any = None

    @cached_property
    def headers(self) -> dict[str, str]:
        """The headers by lower-cased name (a repeated name: its last value), made when a reply
        source first asks (seeded generation never does)."""
        return {k.lower(): v for k, v in self.sent_headers.items()}


class ReplySource(Protocol):
    """Something that may answer a request: scenarios, a cassette, …"""

    name: str

    async def choose(self, ctx: RequestContext) -> Reply | None: ...
