"""How large a generated value may be, and how much work one request may spend generating values.

Sizes come from the real API's own limits: a completion holds at most the model's output tokens
(16,384 for gpt-4o), about four characters each, so no answer is longer than
:data:`MAX_VALUE_CHARS`; a schema whose smallest value is longer cannot be answered.

Work is counted in ticks, each about a microsecond of CPU: a schema visited, a number drawn, two
schemas merged, a candidate checked (priced by the size of the schema it is checked against, plus
compiling it the first time, patterns included), characters produced.  One :class:`WorkBudget`
is shared by every value a request generates (all its choices, tool calls and the response
format), so the work one request can make the server do is bounded whatever its schemas, ``n`` and
tools: :data:`REQUEST_TICKS`, about 30 ms (three choices of three calls each to nested schemas
fit); a request that needs more is refused.  The count is
deterministic: the same request succeeds or is refused on every machine.
"""

from __future__ import annotations

__all__ = [
    "GENERATE_TICKS", "MAX_OUTPUT_TOKENS", "MAX_VALUE_CHARS", "NUMBER_TICKS", "REQUEST_TICKS", "TOO_LONG",
    "VISIT_TICKS", "BudgetExhausted", "WorkBudget",
]  # fmt: skip

MAX_OUTPUT_TOKENS = 16_384  # gpt-4o's max output tokens (platform docs, model page)
MAX_VALUE_CHARS = 4 * MAX_OUTPUT_TOKENS  # about four characters a token
TOO_LONG = f"its smallest value is longer than a completion can be ({MAX_VALUE_CHARS} characters)"
# Ticks one request may spend: a few milliseconds of CPU (tests/generate/test_generation_budget.py
# measures the worst schemas we know of).
REQUEST_TICKS = 30_000
CHARS_PER_TICK = 64
GENERATE_TICKS = 40  # a value begun (the root's validator and checker looked up, the value checked)
VISIT_TICKS = 10  # a schema visited (resolving $ref and allOf, choosing a type)
NUMBER_TICKS = 15  # a number drawn (exact fractions for bounds and multipleOf)


class BudgetExhausted(Exception):
    """The request's work budget ran out while generating a value."""


class WorkBudget:
    """Ticks left for one request's generated values (see the module docstring)."""

    __slots__ = ("left", "limit")

    def __init__(self, ticks: int = REQUEST_TICKS) -> None:
        self.limit = ticks
        self.left = ticks

    @property
    def spent(self) -> int:
        return self.limit - self.left

    def spend(self, ticks: int) -> None:
        """Take ``ticks``; :class:`BudgetExhausted` once more were taken than the budget holds."""
        self.left -= ticks
        if self.left < 0:
            raise BudgetExhausted

    def spend_chars(self, chars: int) -> None:
        self.spend(1 + chars // CHARS_PER_TICK)
