"""Items listed back (``responses.input_items.list``, ``conversations.items.list``) parse in the
strict SDK whatever optional members the request left out.

A hostile audit: an ``input_image`` part without ``detail`` was listed exactly as sent, and the
SDK's ``ResponseInputImage`` requires ``detail`` (``auto`` is its default), so listing failed;
and an item's own ``id`` of another type than a string replaced the id mockai gives it."""

from __future__ import annotations

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

IMAGE = {"type": "input_image", "image_url": "https://example.com/a.png"}


def test_an_image_without_detail_is_listed_with_auto(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    given = [{"role": "user", "content": [{"type": "input_text", "text": "What is this?"}, IMAGE]}]
    response = client.responses.create(model="gpt-4o-mini", input=given)
    [message] = client.responses.input_items.list(response.id).data
    assert message.content[1].type == "input_image" and message.content[1].detail == "auto"
    conversation = client.conversations.create(items=given)
    [item] = client.conversations.items.list(conversation.id).data
    assert item.content[1].detail == "auto"
    sent = {**IMAGE, "detail": "low"}
    kept = client.conversations.items.create(conversation.id, items=[{"role": "user", "content": [sent]}])
    assert kept.data[0].content[0].detail == "low"  # (what was sent is kept)


def test_a_tool_output_of_parts_is_listed_as_the_sdk_reads_it(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    tools = [{"type": "function", "name": "look", "parameters": {"type": "object", "properties": {}}}]
    given = [
        {"role": "user", "content": "Look."},
        {"type": "function_call", "call_id": "call_1", "name": "look", "arguments": "{}"},
        {
            "type": "function_call_output",
            "call_id": "call_1",
            "output": [IMAGE, {"type": "input_text", "text": "a cat"}],
        },
    ]
    response = client.responses.create(model="gpt-4o-mini", input=given, tools=tools)
    listed = client.responses.input_items.list(response.id, order="asc").data
    assert listed[2].type == "function_call_output" and listed[2].output[0].detail == "auto"


def test_an_item_id_is_a_string(fresh: ServerThread) -> None:
    """An item whose ``id`` is null (where the API takes one) is listed with the id mockai draws;
    an ``id`` of another type is refused as the API refuses it."""
    given = [
        {
            "type": "computer_call_output",
            "id": None,
            "call_id": "c",
            "output": {"type": "computer_screenshot", "image_url": "https://x/s.png"},
        },
        {"role": "user", "content": "hi"},
    ]
    answer = HTTP.post(f"{fresh.base_url}/responses", json={"model": "gpt-4o-mini", "input": given}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    listed = sdk(fresh.base_url).responses.input_items.list(answer.json()["id"], order="asc").data
    assert isinstance(listed[0].id, str) and listed[0].id.startswith("item_")
    wrong = [{"type": "function_call", "id": 7, "call_id": "c", "name": "f", "arguments": "{}"}]
    refused = HTTP.post(f"{fresh.base_url}/responses", json={"model": "gpt-4o-mini", "input": wrong}, headers=AUTH)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "input[0].id"
