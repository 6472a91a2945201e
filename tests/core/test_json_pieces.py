"""A body heavy with logprobs is written a piece of each long logprobs list at a time (so a worker
thread's render lets the event loop in between: one call of the encoder over 20 MB held it 60 ms
and more, and a timing test failed in CI), and the bytes are the same as written in one call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.chat.render_json import completion_dict, render_completion
from mockai.core.json_text import indented_bytes, indented_bytes_in_pieces
from mockai.core.plan import ChoicePlan, ReplyPlan, TokenLogprob, Usage

_TOKENS = st.text(max_size=6)
_LOGPROB = st.one_of(st.floats(min_value=-30, max_value=0, allow_nan=False), st.sampled_from([0.0, -1e-7, -3.5e-5]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.dictionaries(st.text(max_size=5), _JSON, max_size=3), min_size=1, max_size=3),
    st.lists(st.lists(_JSON, max_size=30), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=9),
)
def test_any_lists_at_any_depth_in_pieces_are_the_same_bytes(
    holders: list[dict[str, Any]], lists: list[list[Any]], piece: int
) -> None:
    value: dict[str, Any] = {"a": 1, "nested": {"deeper": [{"x": h} for h in holders]}, "z": "end"}
    chosen = []
    for holder, items in zip(holders, lists, strict=False):
        holder["items"] = items
        chosen.append((holder, "items"))
    before = json.dumps(value)
    whole = indented_bytes(value)
    assert indented_bytes_in_pieces(value, chosen, piece) == whole
    assert json.dumps(value) == before  # (the value is left as it was)


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


@pytest.mark.parametrize("top", [0, 5, 20])
def test_a_heavy_completion_is_written_as_in_one_call(top: int) -> None:
    tokens = [f" w{i}" for i in range(1_200)]
    plan = _plan([(tokens, [-(i % 13) / 7 - 1e-7 * (i % 3) for i in range(1_200)], top), (tokens[:3], [-0.5] * 3, 0)])
    assert render_completion(plan) == indented_bytes(completion_dict(plan))


def test_a_heavy_response_is_written_as_in_one_call(module_server: Any) -> None:
    """A Response whose message carries thousands of logprobs, rendered in pieces, parses and lists
    every entry (its bytes against one call: the hypothesis test above)."""
    from tests.server.test_inputs_limits import LOGPROBS_BODIES
    from tests.support.clients import AUTH, HTTP

    answer = HTTP.post(
        f"{module_server.base_url}/responses", json=LOGPROBS_BODIES["responses"], headers=AUTH, timeout=60
    )
    assert answer.status_code == 200
    body = answer.json()
    part = body["output"][0]["content"][0]
    assert len(part["logprobs"]) > 1_000 and "".join(e["token"] for e in part["logprobs"]) == part["text"]
    assert answer.content == indented_bytes(body)[:-1]
