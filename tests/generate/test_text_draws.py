"""generate/text draws what rng.choice / rng.random draw, in the same order: the same seed gives
the same text as the plain implementation, and leaves the generator in the same state."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate import text
from mockai.generate.tokenizer import tokenize


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


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**128),
    verbosity=st.sampled_from(["low", "medium", "high"]),
    sentences=st.tuples(st.integers(0, 3), st.integers(0, 6)),
)
def test_a_paragraph_drawn_with_its_tokens_is_the_paragraph_and_its_tokens(
    seed: int, verbosity: str, sentences: tuple[int, int]
) -> None:
    least, more = sentences
    drawn, plain = random.Random(seed), random.Random(seed)
    said, tokens = text.paragraph_tokens(drawn, least, least + more, verbosity)
    assert said == text.paragraph(plain, least, least + more, verbosity)
    assert tokens == tuple(tokenize(said))  # the tokens the planner would have counted
    assert drawn.getstate() == plain.getstate()


def test_every_word_of_the_vocabulary_is_tokenized_as_in_a_sentence() -> None:
    """Every subject after every possible predecessor, every tail before its full stop: the tokens
    of the pieces are the tokens of the text, whatever is drawn."""
    for subject, first, later in zip(text._SUBJECTS, *text._SUBJECT_TOKENS, strict=True):
        assert first == tuple(tokenize(subject)) and later == tuple(tokenize(" " + subject))
    for words, tables in zip(
        (text._VERBS, text._ADJECTIVES, text._NOUNS, text._TAILS),
        (text._VERB_TOKENS, text._ADJECTIVE_TOKENS, text._NOUN_TOKENS, text._TAIL_TOKENS),
        strict=True,
    ):
        for word, tokens in zip(words, tables, strict=True):
            assert tuple(tokenize(f"x {word}.")) == ("x", *tokens, ".")
