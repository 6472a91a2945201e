"""Readable, deterministic filler text: sentences drawn from a fixed vocabulary by a seeded RNG.

The draws are exactly ``rng.choice`` and ``rng.random`` in the order written here (a
:class:`random.Random`: :func:`_choice` makes ``choice``'s own ``getrandbits`` calls), so a seed
gives the same text as ever, in a third of the time.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["paragraph", "phrase", "sentence"]

_SUBJECTS = (
    "The system", "A careful test", "This answer", "The mock server", "Every request", "The model",
    "A good plan", "The team", "Your code", "The result", "A small change", "The client",
)  # fmt: skip
_VERBS = (
    "checks", "returns", "describes", "explains", "builds", "measures", "keeps", "follows",
    "handles", "reports", "compares", "records",
)  # fmt: skip
_ADJECTIVES = (
    "simple", "clear", "steady", "quick", "careful", "useful", "stable", "precise", "honest",
    "plain", "complete", "repeatable",
)  # fmt: skip
_NOUNS = (
    "result", "answer", "message", "pattern", "request", "response", "stream", "value", "record",
    "detail", "example", "outcome", "summary", "signal", "question", "budget",
)  # fmt: skip
_TAILS = (
    "for every case", "without surprises", "in a few steps", "as expected", "on each run",
    "with the same seed", "before the deadline", "in plain words", "from start to finish",
    "at a steady pace", "for the next test", "with little effort",
)  # fmt: skip


def _choice(getrandbits: Callable[[int], int], words: tuple[str, ...]) -> str:
    """``rng.choice(words)`` for a :class:`random.Random` whose ``getrandbits`` is given: the very
    draws ``Random._randbelow`` makes (``k = n.bit_length()`` bits, again while ``>= n``), without
    its two method calls."""
    n = len(words)
    k = n.bit_length()
    r = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return words[r]


def sentence(rng: random.Random) -> str:
    """One sentence such as 'The model returns a clear answer on each run.'"""
    bits = rng.getrandbits
    text = f"{_choice(bits, _SUBJECTS)} {_choice(bits, _VERBS)} a {_choice(bits, _ADJECTIVES)} {_choice(bits, _NOUNS)}"
    if rng.random() < 0.7:
        return f"{text} {_choice(bits, _TAILS)}."
    return text + "."


def paragraph(rng: random.Random, min_sentences: int = 1, max_sentences: int = 4, verbosity: str = "medium") -> str:
    """A few sentences; ``verbosity`` ``low`` says the first half of them, ``high`` twice as many
    and two more (the same draws, so a lower verbosity is never longer)."""
    count = rng.randint(min_sentences, max_sentences)
    count = {"low": (count + 1) // 2, "high": 2 * count + 2}.get(verbosity, count)
    return " ".join([sentence(rng) for _ in range(count)])


def phrase(rng: random.Random) -> str:
    """A short phrase for generated JSON strings, e.g. 'steady signal'."""
    bits = rng.getrandbits
    return f"{_choice(bits, _ADJECTIVES)} {_choice(bits, _NOUNS)}"
