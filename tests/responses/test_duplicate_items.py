"""Two items of one conversation with the same id are the real API's 400 (quoted in
continuedev/continue#10723, 2026: ``Duplicate item found with id rs_…. Remove duplicate items from
your input and try again.``, param ``input``, code null): within an input, or an item re-sent with
the ``previous_response_id`` that already holds it.  Listing input items always ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockai.http.cursor_lists import page_by_id
from mockai.server.runner import ServerThread
from tests.support import clients

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"


@pytest.fixture
def sdk(fresh: ServerThread) -> Iterator[Any]:
    with clients.sdk(fresh.base_url) as c:
        yield c


def _duplicate(caught: pytest.ExceptionInfo[Any], item_id: str) -> None:
    error = caught.value
    assert error.status_code == 400
    assert error.body == {
        "message": f"Duplicate item found with id {item_id}. Remove duplicate items from your input and try again.",
        "type": "invalid_request_error",
        "param": "input",
        "code": None,
    }


def test_two_input_items_with_one_id(sdk: Any) -> None:
    item = {"type": "message", "role": "user", "content": "first", "id": "msg_dup"}
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model=MODEL, input=[item, {**item, "content": "second"}])
    _duplicate(caught, "msg_dup")


def test_an_output_item_sent_again_with_the_previous_response(sdk: Any) -> None:
    first = sdk.responses.create(model=MODEL, input="My name is Szymon.")
    answer = first.output[0].model_dump(exclude_none=True)
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(
            model=MODEL, previous_response_id=first.id, input=[answer, {"role": "user", "content": "And yours?"}]
        )
    _duplicate(caught, answer["id"])
    # The same item sent without previous_response_id, or referenced once, is a conversation.
    alone = sdk.responses.create(model=MODEL, input=[answer, {"role": "user", "content": "And yours?"}], store=False)
    assert alone.output_text
    chained = sdk.responses.create(model=MODEL, previous_response_id=first.id, input="And yours?")
    assert chained.output_text


def test_paging_a_list_that_names_an_id_twice_still_ends() -> None:
    items = [{"id": "a"}, {"id": "dup", "n": 1}, {"id": "dup", "n": 2}, {"id": "b"}]
    seen: list[dict[str, Any]] = []
    after = None
    for _ in range(10):
        page, more = page_by_id(items, "asc", 1, after=after)
        seen += page
        if not more:
            break
        after = page[-1]["id"]
    else:
        pytest.fail("paging did not end")
    assert seen[0] == {"id": "a"} and seen[-1] == {"id": "b"}
