"""core.errors' helpers for reading a request: the JSON type words, and a body's opening checks."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockai.core.errors import APIError, is_json_value, json_type_words, request_object, unknown_parameter

_WORDS = {
    type(None): "null",
    bool: "a boolean",
    int: "an integer",
    float: "a decimal number",
    str: "a string",
    list: "an array",
    dict: "an object",
}

_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_JSON = st.recursive(_JSON_SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=8)


@given(_JSON)
def test_every_json_value_is_one_and_named_by_its_type(value: Any) -> None:
    assert is_json_value(value)
    assert json_type_words(value) == _WORDS[type(value)]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, object(), (1, 2), b"x"])
def test_what_json_cannot_hold_is_not_a_json_value(value: Any) -> None:
    assert not is_json_value(value)


@pytest.mark.parametrize("body", [[], "hi", 3, None, [{"input": "x"}]])
def test_a_body_that_is_not_an_object_is_the_dollar_400(body: Any) -> None:
    with pytest.raises(APIError) as refused:
        request_object(body, frozenset({"input"}))
    error = refused.value
    assert (error.status, error.param, error.code) == (400, None, None)
    assert error.message.startswith("'$' is invalid. Please check the API reference")


def test_the_first_unknown_parameter_in_body_order_is_refused() -> None:
    known = frozenset({"input", "model"})
    with pytest.raises(APIError) as refused:
        request_object({"input": "x", "zeta": 1, "alpha": 2}, known)
    assert refused.value.to_dict() == {
        "message": "Unknown parameter: 'zeta'.",
        "type": "invalid_request_error",
        "param": "zeta",
        "code": "unknown_parameter",
    }
    assert unknown_parameter({"model": "m", "input": "x"}, known) is None


def test_a_body_of_known_parameters_is_itself() -> None:
    body = {"model": "m", "input": ["a", "b"]}
    assert request_object(body, frozenset({"input", "model"})) is body
