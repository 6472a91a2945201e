"""A completion heavy with logprobs is written a piece of each long logprobs list at a time (so a
worker thread's render lets the event loop in between), and the bytes are the same as written in
one call of the encoder."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.chat.render_json import completion_dict, indented_in_pieces
from mockai.core.json_text import indented_bytes
from mockai.core.plan import ChoicePlan, ReplyPlan, TokenLogprob, Usage

_TOKENS = st.text(max_size=6)
_LOGPROB = st.one_of(st.floats(min_value=-30, max_value=0, allow_nan=False), st.sampled_from([0.0, -1e-7, -3.5e-5]))


def _plan(choices: list[tuple[list[str], list[float], int]]) -> ReplyPlan:
    made = []
    for index, (tokens, logprobs, top) in enumerate(choices):
        entries = tuple(
            TokenLogprob(token, lp, tuple((f"{token}{k}", lp - k) for k in range(top)))
            for token, lp in zip(tokens, logprobs, strict=False)
        )
        made.append(
            ChoicePlan(index=index, finish_reason="stop", content_tokens=tuple(tokens), logprobs=entries or None)
        )
    return ReplyPlan("chatcmpl-x", 1, "gpt-4o-mini", tuple(made), Usage(3, 4), "fp_x")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(_TOKENS, max_size=40), st.lists(_LOGPROB, min_size=40, max_size=40), st.integers(0, 3)),
        min_size=1,
        max_size=3,
    ),
    st.integers(min_value=1, max_value=12),
)
def test_written_in_pieces_or_at_once_the_bytes_are_the_same(choices: list[Any], piece: int) -> None:
    completion = completion_dict(_plan(choices))
    whole = indented_bytes(completion)
    assert indented_in_pieces(completion, piece) == whole
    assert indented_bytes(completion) == whole  # (the caller's dict is left as it was)


@pytest.mark.parametrize("piece", [1, 7, 500])
def test_a_heavy_answer_in_pieces(piece: int) -> None:
    tokens = [f" w{i}" for i in range(1_200)]
    plan = _plan([(tokens, [-(i % 13) / 7 for i in range(1_200)], 5), (tokens[:3], [-0.5] * 3, 0)])
    completion = completion_dict(plan)
    assert indented_in_pieces(completion, piece) == indented_bytes(completion)
