"""Counting the tokens of a long text a piece at a time gives the count of the whole text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate import tokenizer
from mockai.generate.tokenizer import count_tokens, tokenize

# Every kind of character the tokenizer tells apart: letters (ASCII and not), digits, "_",
# punctuation, spaces, other whitespace, and characters that are \w but neither letters nor digits.
PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "é",
        "ж",
        "漢",
        "1",
        "0",
        "_",
        ".",
        ",",
        "!",
        "{",
        " ",
        "  ",
        "\n",
        "\t",
        "\u00a0",
        "²",
        "Ⅻ",
        "😀",
        "\u0301",
    ]
)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=80), chunk=st.integers(1, 9))
def test_a_long_text_counted_in_pieces_has_the_whole_texts_count(parts: list[str], chunk: int) -> None:
    text = "".join(parts)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(tokenizer, "_CHUNK", chunk)  # every text is "long": cut in pieces of ~chunk
        assert count_tokens(text) == len(tokenize(text))


def test_megabytes_of_prose_are_counted_as_one_call_counts_them() -> None:
    text = "The model returns a clear answer, on each run_of 12345 tests.\n  " * 20_000  # 1.3 MB
    assert len(text) > 16 * tokenizer._CHUNK
    assert count_tokens(text) == len(tokenize(text))
