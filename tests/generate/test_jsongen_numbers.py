"""Integers between integer bounds are drawn in integers (mockai.generate.jsongen.numbers._integer),
not with Fractions: the same draws and the same values as the exact path, for every bound, flag and
seed (a change here changes every tool call's arguments)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate.jsongen.keywords import UnsatisfiableSchema
from mockai.generate.jsongen.numbers import number


def _by_fractions(s: dict[str, Any], rng: random.Random, explore: bool) -> Any:
    """The exact path's answer: the same schema with ``multipleOf: 1``, which an integer's step
    already is, so the arithmetic is the Fraction one and the draws are the same."""
    try:
        return number({**s, "multipleOf": 1}, True, rng, explore)
    except UnsatisfiableSchema as exc:
        return str(exc)


def _by_integers(s: dict[str, Any], rng: random.Random, explore: bool) -> Any:
    try:
        return number(s, True, rng, explore)
    except UnsatisfiableSchema as exc:
        return str(exc)


bound = st.none() | st.integers(-300, 300) | st.integers(-(10**30), 10**30)
flag = st.none() | st.booleans()


@settings(max_examples=1500, deadline=None)
@given(
    minimum=bound,
    maximum=bound,
    exclusive_min=bound | flag,
    exclusive_max=bound | flag,
    explore=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_the_same_draws_and_values_as_the_exact_path(
    minimum: Any, maximum: Any, exclusive_min: Any, exclusive_max: Any, explore: bool, seed: int
) -> None:
    s = {
        k: v
        for k, v in {
            "minimum": minimum,
            "maximum": maximum,
            "exclusiveMinimum": exclusive_min,
            "exclusiveMaximum": exclusive_max,
        }.items()
        if v is not None
    }
    exact, fast = random.Random(seed), random.Random(seed)
    assert _by_integers(s, fast, explore) == _by_fractions(s, exact, explore)
    assert fast.getstate() == exact.getstate()  # (the same draws: what follows is the same too)


@pytest.mark.parametrize(
    "s", [{"minimum": 1, "maximum": 100}, {"exclusiveMinimum": 5}, {"maximum": -7}, {}, {"minimum": 3, "maximum": 3}]
)
def test_typical_tool_integers(s: dict[str, Any]) -> None:
    for seed in range(200):
        assert _by_integers(s, random.Random(seed), False) == _by_fractions(s, random.Random(seed), False)
