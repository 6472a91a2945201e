"""``limit`` of the cursor lists (stored completions, a response's input items): what is not a
plain integer is named as the API names it, and a number of any length is told by its size."""

from __future__ import annotations

import pytest

from mockai.core.errors import APIError
from mockai.http.cursor_lists import DEFAULT_LIMIT, limit_param


def _refusal(raw: str) -> APIError:
    with pytest.raises(APIError) as caught:
        limit_param({"limit": raw})
    return caught.value


@pytest.mark.parametrize(
    ("raw", "got"),
    [
        ("1.5", "a decimal number"),
        ("2e3", "a decimal number"),
        ("ten", "a string"),
        ("٣", "a string"),
        ("1_0", "a string"),
        (" 5", "a string"),
    ],
)
def test_what_is_not_an_integer(raw: str, got: str) -> None:
    error = _refusal(raw)
    assert error.message == f"Invalid type for 'limit': expected an integer, but got {got} instead."
    assert (error.param, error.code) == ("limit", "invalid_type")


@pytest.mark.parametrize(
    ("raw", "code", "shown"),
    [
        ("0", "integer_below_min_value", "0"),
        ("-3", "integer_below_min_value", "-3"),
        ("101", "integer_above_max_value", "101"),
        ("0101", "integer_above_max_value", "101"),
        ("9" * 5000, "integer_above_max_value", "9" * 5000),
        ("-" + "9" * 5000, "integer_below_min_value", "-" + "9" * 5000),
    ],
)
def test_numbers_out_of_range_however_long(raw: str, code: str, shown: str) -> None:
    error = _refusal(raw)
    assert error.code == code and error.param == "limit"
    assert error.message.endswith(f"but got {shown} instead.")


def test_the_integers_taken() -> None:
    assert limit_param({}) == limit_param({"limit": ""}) == DEFAULT_LIMIT
    assert [limit_param({"limit": raw}) for raw in ("1", "007", "100")] == [1, 7, 100]
