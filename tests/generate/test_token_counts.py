"""Counting the tokens of a long text a piece at a time gives the count of the whole text."""

from __future__ import annotations

from typing import Any

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
        patched.setattr(tokenizer, "_REMEMBERED_FROM", 1 << 30)  # (counted every time, never remembered)
        assert count_tokens(text) == len(tokenize(text))


def test_megabytes_of_prose_are_counted_as_one_call_counts_them() -> None:
    text = "The model returns a clear answer, on each run_of 12345 tests.\n  " * 20_000  # 1.3 MB
    assert len(text) > 16 * tokenizer._CHUNK
    assert count_tokens(text) == len(tokenize(text))


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(PIECES, st.text(max_size=12)), min_size=1, max_size=120), repeat=st.integers(1, 40))
def test_a_remembered_count_is_the_count(parts: list[str], repeat: int) -> None:
    text = "".join(parts) * repeat  # often past the length from which counts are remembered
    expected = len(tokenize(text))
    assert [count_tokens(text) for _ in range(3)] == [expected] * 3  # counted, counted, remembered


def test_counts_are_remembered_from_the_second_sight_within_bounds() -> None:
    small = tokenizer.Memo[str, int](8, 4_000, lambda text, _: 64 + len(text), second_sight=True)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(tokenizer, "_counted", small)
        prompt = "You are a careful assistant. Answer in plain words, one step at a time. " * 4
        assert count_tokens(prompt) == len(tokenize(prompt))
        assert small.get(prompt) is None  # seen once: likely a question that will not come again
        count_tokens(prompt)
        assert small.get(prompt) == len(tokenize(prompt))
        for i in range(100):  # many long texts, each twice: the memo stays within its bounds
            text = f"document {i}: " + "word " * (10 * i % 700)
            assert count_tokens(text) == count_tokens(text) == len(tokenize(text))
            assert len(small) <= 8 and small.bytes <= 4_000
        question = "What is the delivery address?"
        assert count_tokens(question) == count_tokens(question) == len(tokenize(question))
        assert small.get(question) is None  # below the length: never remembered


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text_is_tokenized_as_the_unicode_pattern_tokenizes_it(text: str) -> None:
    assert tokenize(text) == tokenizer._TOKEN.findall(text)


def test_every_pair_of_ascii_characters_is_tokenized_as_the_unicode_pattern_tokenizes_it() -> None:
    for first in map(chr, range(128)):
        for second in map(chr, range(128)):
            text = f"{first}{second} {second}{second}{first}"
            assert tokenize(text) == tokenizer._TOKEN.findall(text), repr(text)
            assert count_tokens(text) == len(tokenizer._TOKEN.findall(text))


def test_chinese_japanese_and_korean_count_near_the_real_tokenizer() -> None:
    """An audit (LiteLLM): Chinese counted 0.36 and Japanese 0.25 of o200k's tokens (letters in runs
    of 8), so a Chinese prompt of 162,000 real tokens was answered by gpt-4o-mini (128k) where the
    live API refuses it.  A character a token: 1.2-1.4 of o200k's counts of these sentences
    (measured with tiktoken: 44, 51, 45 tokens), still one text when joined again."""
    for text, real in [
        (
            "我们今天去公园散步，天气非常好，阳光明媚。人工智能正在改变世界，许多公司都在研究大型语言模型。请告诉我明天北京的天气怎么样？",
            44,
        ),
        (
            "今日はとても良い天気ですね。東京の桜は三月の終わりに咲きます。人工知能の研究は急速に進んでいます。明日の会議は何時からですか？",
            51,
        ),
        (
            "오늘 날씨가 정말 좋네요. 서울의 벚꽃은 사월 초에 핍니다. 인공지능 연구는 빠르게 발전하고 있습니다. 내일 회의는 몇 시에 시작하나요?",
            45,
        ),
    ]:
        tokens = tokenize(text)
        assert "".join(tokens) == text and tokenize("".join(tokens)) == tokens
        assert 0.9 <= len(tokens) / real <= 1.5


@pytest.mark.parametrize(
    "text",
    [
        "a" * 300_000,
        "9" * 300_001,
        "我" * 200_000,
        "ab" * 100_000 + "!" + "c" * 70_000,
        "Привет" * 60_000,
        "𠮷" * 100_000,
    ],
)
def test_runs_with_no_token_end_are_counted_in_pieces_exactly(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile audit: megabytes of CJK, or of letters or digits with no space, were counted in one
    regex call that held the event loop 0.3-0.9 s (the pieces are cut where a token surely ends, and
    none was found).  CJK characters end tokens; a long run is cut every 8 letters or 3 digits."""
    whole = len(tokenizer._pattern_for(text).findall(text))
    sizes: list[int] = []
    pattern_for = tokenizer._pattern_for

    def recording(piece: str) -> Any:
        sizes.append(len(piece))
        return pattern_for(piece)

    monkeypatch.setattr(tokenizer, "_pattern_for", recording)
    assert tokenizer._count_in_chunks(text) == whole
    assert max(sizes) <= 2 * tokenizer._CHUNK
