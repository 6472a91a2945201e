"""generate/text draws what rng.choice / rng.random draw, in the same order: the same seed gives
the same text as the plain implementation, and leaves the generator in the same state."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate import text


def plain_sentence(rng: random.Random) -> str:
    words = [rng.choice(text._SUBJECTS), rng.choice(text._VERBS), "a", rng.choice(text._ADJECTIVES)]
    words.append(rng.choice(text._NOUNS))
    if rng.random() < 0.7:
        words.append(rng.choice(text._TAILS))
    return " ".join(words) + "."


def plain_paragraph(rng: random.Random, verbosity: str) -> str:
    count = rng.randint(1, 4)
    count = {"low": (count + 1) // 2, "high": 2 * count + 2}.get(verbosity, count)
    return " ".join(plain_sentence(rng) for _ in range(count))


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**128), verbosity=st.sampled_from(["low", "medium", "high"]))
def test_paragraph_sentence_and_phrase_draw_as_random_choice_does(seed: int, verbosity: str) -> None:
    plain, fast = random.Random(seed), random.Random(seed)
    assert text.paragraph(fast, verbosity=verbosity) == plain_paragraph(plain, verbosity)
    assert text.sentence(fast) == plain_sentence(plain)
    assert text.phrase(fast) == f"{plain.choice(text._ADJECTIVES)} {plain.choice(text._NOUNS)}"
    assert fast.getstate() == plain.getstate()
