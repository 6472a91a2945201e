"""How much a reasoning model thinks: reasoning tokens by ``reasoning_effort``, and the budget
that ``max_completion_tokens`` leaves for the visible answer.

The real API counts reasoning inside ``max_completion_tokens`` (or ``max_tokens``): reasoning comes
first, the visible answer gets what is left, and when reasoning alone reaches the cap the answer
is empty with ``finish_reason: "length"``.  Reasoning grows with the effort: ``none`` gives 0,
``minimal`` a little, then ``low`` < ``medium`` < ``high`` (disjoint ranges, so for one request
a higher effort always reasons more).  The draw inside a range is seeded by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockai.core.model_capabilities import Capabilities

__all__ = ["EFFORT_RANGES", "effort_for", "reasoning_tokens", "token_cap"]

# effort -> (fewest, most) reasoning tokens; the ranges are disjoint and increasing.
EFFORT_RANGES: dict[str, tuple[int, int]] = {
    "none": (0, 0),
    "minimal": (0, 31),
    "low": (32, 191),
    "medium": (192, 511),
    "high": (512, 1535),
    "xhigh": (1536, 3071),
    "max": (3072, 6143),  # (gpt-5.6's; before, "max" fell back to the model's default, none: no reasoning)
}


def effort_for(body: Mapping[str, Any], caps: Capabilities) -> str | None:
    """The effort a request reasons at: ``None`` for a model that does not reason, else the
    request's ``reasoning_effort``, else the model's default (``medium`` when it has none)."""
    if not caps.reasoning:
        return None
    requested = body.get("reasoning_effort")
    if isinstance(requested, str) and requested in EFFORT_RANGES:
        return requested
    return caps.default_effort or "medium"


def reasoning_tokens(effort: str | None, draw: float, cap: int | None) -> int:
    """Reasoning tokens at ``effort`` for a seeded ``draw`` in [0, 1), at most ``cap``."""
    if effort is None:
        return 0
    low, high = EFFORT_RANGES[effort]
    tokens = min(high, low + int(draw * (high - low + 1)))
    return tokens if cap is None else min(tokens, cap)


def token_cap(body: Mapping[str, Any]) -> int | None:
    """``max_completion_tokens`` (or the legacy ``max_tokens``) when it is a positive integer."""
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    return cap if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0 else None
