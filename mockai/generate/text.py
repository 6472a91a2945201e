"""Readable, deterministic filler text: sentences drawn from a fixed vocabulary by a seeded RNG."""

from __future__ import annotations

import random

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


def sentence(rng: random.Random) -> str:
    """One sentence such as 'The model returns a clear answer on each run.'"""
    words = [
        rng.choice(_SUBJECTS),
        rng.choice(_VERBS),
        "a",
        rng.choice(_ADJECTIVES),
        rng.choice(_NOUNS),
    ]
    if rng.random() < 0.7:
        words.append(rng.choice(_TAILS))
    return " ".join(words) + "."


def paragraph(rng: random.Random, min_sentences: int = 1, max_sentences: int = 4, verbosity: str = "medium") -> str:
    """A few sentences; ``verbosity`` ``low`` says the first half of them, ``high`` twice as many
    and two more (the same draws, so a lower verbosity is never longer)."""
    count = rng.randint(min_sentences, max_sentences)
    count = {"low": (count + 1) // 2, "high": 2 * count + 2}.get(verbosity, count)
    return " ".join(sentence(rng) for _ in range(count))


def phrase(rng: random.Random) -> str:
    """A short phrase for generated JSON strings, e.g. 'steady signal'."""
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
