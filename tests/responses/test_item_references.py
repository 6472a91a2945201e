"""``item_reference`` input items through the official SDK: read as the stored item they name (an
input or output item of a stored response), and the real API's 404 when none is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support import clients

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"
QUESTION = {"role": "user", "content": "What is my name?"}


@pytest.fixture
def sdk(fresh: ServerThread) -> Iterator[Any]:
    with clients.sdk(fresh.base_url) as c:
        yield c


def test_a_reference_reads_as_the_stored_item(sdk: Any) -> None:
    first = sdk.responses.create(model=MODEL, input="My name is Szymon.")
    [asked] = sdk.responses.input_items.list(first.id).data
    referenced = sdk.responses.create(
        model=MODEL,
        input=[
            {"type": "item_reference", "id": asked.id},
            {"type": "item_reference", "id": first.output[0].id},
            QUESTION,
        ],
        store=False,
    )
    spelled_out = sdk.responses.create(
        model=MODEL,
        input=[
            asked.to_dict(),  # the very items, sent in full
            first.output[0].to_dict(),
            QUESTION,
        ],
        store=False,
    )
    # The same conversation, so the same seeded answer, and the stored turn counts as input.
    assert referenced.output_text == spelled_out.output_text
    assert referenced.usage.input_tokens == spelled_out.usage.input_tokens > first.usage.input_tokens


def test_a_reference_to_nothing_stored_is_the_real_404(sdk: Any) -> None:
    unstored = sdk.responses.create(model=MODEL, input="Not kept.", store=False)
    for missing in (unstored.output[0].id, "msg_nothing"):
        with pytest.raises(openai.NotFoundError) as caught:
            sdk.responses.create(model=MODEL, input=[{"type": "item_reference", "id": missing}])
        assert caught.value.body == {
            "message": f"Item with id '{missing}' not found. Items are not persisted when `store` is set to "
            "false. Try again with `store` set to true, or remove this item from your input.",
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        }


def test_a_continued_conversation_reads_its_references_too(sdk: Any) -> None:
    first = sdk.responses.create(model=MODEL, input="My name is Szymon.")
    [asked] = sdk.responses.input_items.list(first.id).data
    referring = sdk.responses.create(model=MODEL, input=[{"type": "item_reference", "id": asked.id}, QUESTION])
    spelled = sdk.responses.create(model=MODEL, input=[asked.to_dict(), QUESTION])
    later = [
        sdk.responses.create(model=MODEL, input="And now?", previous_response_id=turn.id, store=False)
        for turn in (referring, spelled)
    ]
    assert later[0].usage.input_tokens == later[1].usage.input_tokens
    assert later[0].output_text == later[1].output_text
