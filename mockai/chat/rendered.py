"""One server's memos of what it just rendered: JSON bodies and SSE streams, by plan.

Keyed by the plan itself (the very object: memoised seeded plans come back as the same object,
and identity costs nothing to check, where hashing a plan walks all of it).  An entry keeps its
plan alive, so its id cannot be reused while it is there.  Plans are immutable and renderings pure
functions of them: a hit gives the same bytes.  Each server has its own (see ServerState), so
servers in one process share nothing.
"""

from __future__ import annotations

from mockai.core.memo import Memo
from mockai.core.plan import ReplyPlan

__all__ = ["EventsKey", "RenderMemos"]

# (id of the plan, include_usage, include_obfuscation, tokens_per_chunk, want_logprobs): plain
# values only, so that hashing the key runs no Python code (see mockai.core.memo).
EventsKey = tuple[int, bool, bool, int, bool]


def _body_size(key: int, hit: tuple[ReplyPlan, bytes]) -> int:
    return 2 * len(hit[1]) + 512


def _events_size(key: EventsKey, hit: tuple[ReplyPlan, tuple[bytes, ...]]) -> int:
    return 512 + sum(len(event) + 40 for event in hit[1])


class RenderMemos:
    """Bounded memos of rendered JSON bodies and SSE event lists."""

    def __init__(self) -> None:
        # Kept from the second rendering of a plan on (see Memo's second_sight): a plan rendered
        # once is usually a distinct request's, never asked for again.
        self.bodies: Memo[int, tuple[ReplyPlan, bytes]] = Memo(256, 4 << 20, _body_size, second_sight=True)
        self.events: Memo[EventsKey, tuple[ReplyPlan, tuple[bytes, ...]]] = Memo(
            128, 8 << 20, _events_size, second_sight=True
        )
