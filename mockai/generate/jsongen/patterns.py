"""Regular expressions of JSON Schemas, matched with a bound on the work of each match.

Python's :mod:`re` backtracks without limit (``^(a+)+$`` against 30 characters takes minutes), so
nothing here uses it to match text a schema's author controls.  Patterns are matched the way the
final validity check matches them, by ``jsonschema_rs``, with :data:`PATTERN_OPTIONS`: a
backtracking step limit (past it a match counts as failed) and a size limit on the compiled
pattern (past it the pattern does not compile).
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

__all__ = ["PATTERN_OPTIONS", "pattern_matcher", "pattern_price", "search"]

# Steps a backtracking match may take: about a tenth of a millisecond.
BACKTRACK_LIMIT = 10_000
# The compiled size of a pattern: what compiling it may cost (about 1.5 ms at most).
SIZE_LIMIT = 1 << 18
PATTERN_OPTIONS: Any = jsonschema_rs.FancyRegexOptions(
    backtrack_limit=BACKTRACK_LIMIT, size_limit=SIZE_LIMIT, dfa_size_limit=SIZE_LIMIT
)
# A pattern that compiles within this size compiles fast (most do: ``^[a-z]+$``, ``\d{3}-\d{4}``);
# one that does not (lookarounds around Unicode classes such as ``(?=x)\w{16}``) may take the
# whole size limit.
_PROBE_OPTIONS: Any = jsonschema_rs.FancyRegexOptions(
    backtrack_limit=BACKTRACK_LIMIT, size_limit=1 << 15, dfa_size_limit=1 << 15
)
CHEAP_PATTERN_TICKS = 20
COSTLY_PATTERN_TICKS = 2_000


@functools.lru_cache(maxsize=512)
def pattern_matcher(pattern: str) -> Any:
    """A validator that accepts the strings ``pattern`` finds a match in, or None when it does not
    compile (within the size limit)."""
    try:
        return jsonschema_rs.validator_for({"pattern": pattern}, pattern_options=PATTERN_OPTIONS, offline=True)
    except Exception:  # not a regex jsonschema_rs compiles
        return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (False for a pattern that does not compile,
    or a match past the step limit)."""
    matcher = pattern_matcher(pattern)
    return matcher is not None and bool(matcher.is_valid(text))


@functools.lru_cache(maxsize=1024)
def pattern_price(pattern: str) -> int:
    """Ticks (see :mod:`mockai.generate.jsongen.budget`) one compile of ``pattern`` is priced at:
    a pattern's price depends only on the pattern, so a request's work count is the same on every
    machine, and whether the pattern was compiled before or not."""
    try:
        jsonschema_rs.validator_for({"pattern": pattern}, pattern_options=_PROBE_OPTIONS, offline=True)
    except Exception:  # larger than the probe's size limit, or not a regex at all
        return COSTLY_PATTERN_TICKS
    return CHEAP_PATTERN_TICKS + len(pattern) // 4
