"""Moderation scores written as the API's examples write them: all their digits, a plain decimal
down to 1e-5, below it an exponent without padding (openapi.yaml's moderation examples)."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.moderations.results import moderation_bytes

# Scores from the spec's example answer (text-moderation-007, "I want to kill them.").
EXAMPLE = {
    "sexual": "0.000011726012417057063",
    "hate": "0.22706663608551025",
    "self-harm": "2.227119921371923e-6",
    "sexual/minors": "7.107352217872176e-8",
    "violence/graphic": "0.00003391829886822961",
    "self-harm/instructions": "1.1198755256458526e-9",
    "violence": "0.9971134662628174",
}


def _written(scores: dict[str, float]) -> dict[str, str]:
    text = moderation_bytes({"id": "modr-x", "results": [{"category_scores": scores}]}).decode()
    return dict(re.findall(r'"([a-z/-]+)": ([0-9.e-]+)', text))


def test_the_spec_examples_scores_are_written_as_it_writes_them() -> None:
    assert _written({name: float(text) for name, text in EXAMPLE.items()}) == EXAMPLE


@settings(max_examples=500, deadline=None)
@given(score=st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_every_score_reads_back_the_same(score: float) -> None:
    body = moderation_bytes({"results": [{"category_scores": {"violence": score}}]})
    assert json.loads(body)["results"][0]["category_scores"]["violence"] == score
    [text] = _written({"violence": score}).values()
    if score >= 1e-5 or score == 0:
        assert "e" not in text
    else:
        assert re.fullmatch(r"\d(\.\d+)?e-[1-9]\d*", text), text
