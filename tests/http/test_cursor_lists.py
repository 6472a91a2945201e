"""http/cursor_lists.page_by_id: paging with after (as the SDK does) visits every item once, in
order, whatever the limit and order; before and after cut where they say."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockai.http.cursor_lists import cursor_page, page_by_id

orders = st.sampled_from(["asc", "desc"])


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"msg_{i}", "n": i} for i in range(n)]


@given(n=st.integers(0, 30), limit=st.integers(1, 100), order=orders)
def test_paging_with_after_visits_every_item_once(n: int, limit: int, order: str) -> None:
    listed = items(n)
    seen: list[int] = []
    after = None
    for _ in range(n + 1):
        page, has_more = page_by_id(listed, order, limit, after=after)
        seen += [item["n"] for item in page]
        if not has_more:
            break
        after = cursor_page(page, has_more)["last_id"]
    expected = list(range(n))
    assert seen == (expected if order == "asc" else expected[::-1])


@given(n=st.integers(1, 30), data=st.data(), order=orders)
def test_before_and_after_cut_at_their_item(n: int, data: st.DataObject, order: str) -> None:
    listed = items(n)
    ordered = listed if order == "asc" else listed[::-1]
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1))
    page, _ = page_by_id(listed, order, 100, after=ordered[i]["id"], before=ordered[j]["id"])
    assert page == ordered[i + 1 : j]


def test_an_unknown_cursor_names_its_parameter() -> None:
    for param in ("after", "before"):
        with pytest.raises(KeyError) as caught:
            page_by_id(items(3), "asc", 10, **{param: "msg_nope"})
        assert caught.value.args == (param,)
    assert cursor_page([], False) == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
