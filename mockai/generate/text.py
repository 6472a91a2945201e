"""Readable, deterministic filler text: sentences drawn from a fixed vocabulary by a seeded RNG.

The draws are exactly ``rng.choice`` and ``rng.random`` in the order written here (a
:class:`random.Random`: :func:`_choice` makes ``choice``'s own ``getrandbits`` calls), so a seed
gives the same text as ever, in a third of the time.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mockai.generate.tokenizer import tokenize

__all__ = ["paragraph", "paragraph_tokens", "phrase", "sentence"]

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


def _pick(getrandbits: Callable[[int], int], n: int) -> int:
    """``rng._randbelow(n)`` for a :class:`random.Random` whose ``getrandbits`` is given: the very
    draws it makes (``k = n.bit_length()`` bits, again while ``>= n``), without its method calls."""
    k = n.bit_length()
    r = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def _choice(getrandbits: Callable[[int], int], words: tuple[str, ...]) -> str:
    """``rng.choice(words)``, drawn as :func:`_pick` draws."""
    return words[_pick(getrandbits, len(words))]


def _tokens(words: tuple[str, ...], lead: str = " ") -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(tokenize(lead + word)) for word in words)


# Each word's tokens after the space that precedes it (a subject's also at the paragraph's start,
# with none): every piece of a sentence ends where a token surely ends (a letter before a space or
# a full stop), so a sentence's tokens are its pieces' tokens one after the other, and tokenizing
# the text again would give the same (tests/generate/test_text_draws.py holds them equal).
_SUBJECT_TOKENS = (_tokens(_SUBJECTS, ""), _tokens(_SUBJECTS))
_VERB_TOKENS, _ADJECTIVE_TOKENS, _NOUN_TOKENS, _TAIL_TOKENS = map(_tokens, (_VERBS, _ADJECTIVES, _NOUNS, _TAILS))
_A, _STOP = tuple(tokenize(" a")), tuple(tokenize("."))


def sentence(rng: random.Random) -> str:
    """One sentence such as 'The model returns a clear answer on each run.'"""
    return _sentence(rng, 0)[0]


def _sentence(rng: random.Random, after: int) -> tuple[str, tuple[str, ...]]:
    """A sentence and its tokens, ``after`` 1 when it follows another (a space before it)."""
    bits = rng.getrandbits
    s = _pick(bits, len(_SUBJECTS))
    v = _pick(bits, len(_VERBS))
    a = _pick(bits, len(_ADJECTIVES))
    n = _pick(bits, len(_NOUNS))
    text = f"{_SUBJECTS[s]} {_VERBS[v]} a {_ADJECTIVES[a]} {_NOUNS[n]}"
    tokens = _SUBJECT_TOKENS[after][s] + _VERB_TOKENS[v] + _A + _ADJECTIVE_TOKENS[a] + _NOUN_TOKENS[n]
    if rng.random() < 0.7:
        t = _pick(bits, len(_TAILS))
        return f"{text} {_TAILS[t]}.", tokens + _TAIL_TOKENS[t] + _STOP
    return text + ".", tokens + _STOP


def paragraph(rng: random.Random, min_sentences: int = 1, max_sentences: int = 4, verbosity: str = "medium") -> str:
    """A few sentences; ``verbosity`` ``low`` says the first half of them, ``high`` twice as many
    and two more (the same draws, so a lower verbosity is never longer)."""
    return paragraph_tokens(rng, min_sentences, max_sentences, verbosity)[0]


def paragraph_tokens(
    rng: random.Random, min_sentences: int = 1, max_sentences: int = 4, verbosity: str = "medium"
) -> tuple[str, tuple[str, ...]]:
    """:func:`paragraph` and its tokens (``tokenize`` of it, without tokenizing it)."""
    count = rng.randint(min_sentences, max_sentences)
    count = {"low": (count + 1) // 2, "high": 2 * count + 2}.get(verbosity, count)
    texts: list[str] = []
    tokens: tuple[str, ...] = ()
    for i in range(count):
        text, more = _sentence(rng, 1 if i else 0)
        texts.append(text)
        tokens += more
    return " ".join(texts), tokens


def phrase(rng: random.Random) -> str:
    """A short phrase for generated JSON strings, e.g. 'steady signal'."""
    bits = rng.getrandbits
    return f"{_choice(bits, _ADJECTIVES)} {_choice(bits, _NOUNS)}"
