"""Chained repeats of multi-character groups (review 3): ``(?:ab)+(?:ab)+c`` took 33.7 s on
"ab" * 2500 and stalled every client; such patterns are refused when the rule loads, while the
repeats that cannot take each other's rounds stay accepted."""

from __future__ import annotations

import time

import pytest

from mockai.scenarios.file_format import load_text
from mockai.scenarios.regex_safety import compile_condition, regex_problem
from mockai.scenarios.rules import ScenarioError
from mockai.scenarios.source import ScenarioSource

CHAINED_GROUPS = [
    r"(?:ab)+(?:ab)+c",
    r"(?:hello )+(?:hello )+world",
    r"(?:ab){2,}(?:ab)+c",
    r"(?:\r\n)+(?:\r\n)+x",
    r"(ab)*(ab)*c",
    r"(?:ab)+(?:ab)*c",
    r"(?:ab|c)+(?:ab)+x",
    r"(?:ab)+(?:a\w+)c",
]
STILL_ACCEPTED = [
    r"(\d+,)*\d+$",
    r"(?:\d{3}-)*\d{3}-x",
    r"(?:[a-z]+\.)*com\b",
    r"(?:ab)+a+c",
    r"(?:ab)++(?:ab)+c",
    r"^(?:ab)+(?:ab)+c",
    r"(?:\w+\s)+\w+\.",
]


@pytest.mark.parametrize("pattern", CHAINED_GROUPS)
def test_chained_group_repeats_are_refused(pattern: str) -> None:
    problem = regex_problem(pattern)
    assert problem is not None and "power 3" in problem
    with pytest.raises(ScenarioError, match="could stall the server"):
        ScenarioSource().on(user_regex=pattern).reply("x")


def test_the_report_case_is_refused_when_the_file_loads() -> None:
    with pytest.raises(ScenarioError, match="unbounded quantifiers in a row"):
        load_text("- name: greeting\n  match: {user_regex: '(?:ab)+(?:ab)+c'}\n  reply: {content: hi}\n")


@pytest.mark.parametrize("pattern", STILL_ACCEPTED)
def test_repeats_that_cannot_take_each_others_rounds_stay_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None
    text = "ab" * 2500 if "ab" in pattern else "1," * 2500 + "x"
    started = time.monotonic()
    compile_condition(pattern).search(text)
    assert time.monotonic() - started < 3  # quadratic at worst: about 0.3 s here, not minutes
