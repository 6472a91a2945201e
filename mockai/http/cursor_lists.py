"""Cursor-paginated lists as the real API serves them: the query parameters (``limit``,
``order``, ``after``, ``before``), their errors, and the page shape
``{"object": "list", "data", "first_id", "last_id", "has_more"}``.

Used by the stored chat completions' lists and by a stored response's ``input_items``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from mockai.core.errors import APIError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Order",
    "bad_cursor",
    "cursor_page",
    "invalid_param",
    "limit_param",
    "order_param",
    "page_by_id",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
Order = Literal["asc", "desc"]


def cursor_page(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """The cursor page shape; an empty page has null ids, like the API's other cursor lists."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0].get("id") if data else None,
        "last_id": data[-1].get("id") if data else None,
        "has_more": has_more,
    }


def limit_param(query: Mapping[str, str]) -> int:
    """``limit``: 1 to 100, 20 when absent."""
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if _INTEGER.fullmatch(raw) is None:  # ASCII digits only: int() takes "٣" and "1_0" too
        got = "a decimal number" if _NUMBER.fullmatch(raw) else "a string"
        raise APIError.invalid_type("limit", "an integer", got)
    # int() refuses more than 4,300 digits: such a number is told by its sign, and shown as sent.
    short = len(raw) < 4000
    value = int(raw) if short else (-1 if raw.startswith("-") else MAX_LIMIT + 1)
    above, below = value > MAX_LIMIT, value < 1
    if above or below:
        raise invalid_param(
            "limit",
            f"integer {'above maximum' if above else 'below minimum'} value. Expected a value "
            f"{'<= ' + str(MAX_LIMIT) if above else '>= 1'}, but got {value if short else raw} instead.",
            "integer_above_max_value" if above else "integer_below_min_value",
        )
    return value


_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def order_param(query: Mapping[str, str], default: Order) -> Order:
    """``order``: ``asc`` or ``desc`` (``default`` when absent or empty)."""
    order = query.get("order") or default
    if order == "asc":
        return "asc"
    if order == "desc":
        return "desc"
    raise APIError(
        400,
        f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
        param="order",
        code="invalid_value",
    )


def page_by_id(
    items: Sequence[dict[str, Any]], order: Order, limit: int, *, after: str | None = None, before: str | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """One page of ``items`` (kept in ascending order) and whether more follow.

    ``after``/``before`` name an item by its ``id``: the page starts after it, or holds only the
    items before it, in the listing ``order``.  Raises :class:`KeyError` with the cursor's
    parameter name when an id is not among the items.
    """
    listed = list(items) if order == "asc" else list(reversed(items))
    ids = [item.get("id") for item in listed]
    start, end = 0, len(listed)
    if after is not None:
        if after not in ids:
            raise KeyError("after")
        # After its last place: were an id listed twice, paging must still end.
        start = len(ids) - ids[::-1].index(after)
    if before is not None:
        if before not in ids:
            raise KeyError("before")
        end = ids.index(before)
    rest = listed[start:end]
    return rest[:limit], len(rest) > limit


def bad_cursor(param: str, reason: str) -> APIError:
    """``after`` (or ``before``) names nothing in the list."""
    return APIError(400, f"Invalid value for '{param}': {reason}.", param=param, code="invalid_value")


def invalid_param(param: str, what: str, code: str) -> APIError:
    return APIError(400, f"Invalid '{param}': {what}", param=param, code=code)
