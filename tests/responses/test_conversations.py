"""``/v1/conversations`` and ``responses.create(conversation=...)`` through the official SDK.

A client audit found ``conversation`` accepted and ignored (any id, even one never made, answered
200 without its items) while ``conversations.create`` was a 404 ``Invalid URL``: a test passed on
an id the real API refuses, and an app's conversation state was never read."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

openai = pytest.importorskip("openai")


@pytest.fixture(params=["memory", "store file"])
def kept(request: pytest.FixtureRequest, server_factory: Any, tmp_path: Any) -> ServerThread:
    """A fresh server keeping conversations in memory, or in a ``--store-path`` SQLite file."""
    if request.param == "memory":
        server: ServerThread = request.getfixturevalue("fresh")
        return server
    made: ServerThread = server_factory(store_path=tmp_path / "store.db")
    return made


def test_a_response_continues_a_conversation_and_adds_to_it(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create(
        metadata={"topic": "demo"}, items=[{"type": "message", "role": "user", "content": "Remember the number 7."}]
    )
    assert conversation.object == "conversation" and conversation.metadata == {"topic": "demo"}
    assert conversation.id.startswith("conv_") and len(conversation.id) == 53
    first = client.responses.create(model="gpt-4o-mini", input="Which number?", conversation=conversation.id)
    alone = client.responses.create(model="gpt-4o-mini", input="Which number?", store=False)
    assert first.conversation is not None and first.conversation.id == conversation.id
    assert first.usage is not None and alone.usage is not None
    assert first.usage.input_tokens > alone.usage.input_tokens  # the conversation's item is read
    assert first.id[5:21] == conversation.id[-16:]  # its Responses share the conversation's group
    listed = client.conversations.items.list(conversation.id)  # newest first
    assert [(item.type, item.role) for item in listed.data] == [
        ("message", "assistant"),
        ("message", "user"),
        ("message", "user"),
    ]
    assert listed.data[0].content[0].text == first.output_text
    assert listed.data[1].content[0].text == "Which number?"
    second = client.responses.create(model="gpt-4o-mini", input="And twice that?", conversation={"id": conversation.id})
    assert second.usage is not None and second.usage.input_tokens > first.usage.input_tokens
    assert len(client.conversations.items.list(conversation.id, limit=100).data) == 5


def test_the_same_run_gives_the_same_ids(server_factory: Any) -> None:
    made = []
    for _ in range(2):
        client = sdk(server_factory().base_url)
        conversation = client.conversations.create(items=[{"role": "user", "content": "hi"}])
        item = client.conversations.items.list(conversation.id).data[0]
        made.append((conversation.id, conversation.created_at, item.id))
    assert made[0] == made[1]


def test_items_are_added_listed_read_and_deleted(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create()
    added = client.conversations.items.create(
        conversation.id,
        items=[{"role": "user", "content": "a"}, {"type": "message", "role": "assistant", "content": "b"}],
    )
    assert [item.role for item in added.data] == ["user", "assistant"] and added.has_more is False
    first, second = added.data
    assert added.first_id == first.id and added.last_id == second.id
    page = client.conversations.items.list(conversation.id, order="asc", limit=1)
    assert [item.id for item in page.data] == [first.id] and page.has_more is True
    assert [item.id for item in client.conversations.items.list(conversation.id, order="asc")] == [first.id, second.id]
    assert client.conversations.items.retrieve(second.id, conversation_id=conversation.id).id == second.id
    after = client.conversations.items.delete(first.id, conversation_id=conversation.id)
    assert after.id == conversation.id and after.object == "conversation"
    assert [item.id for item in client.conversations.items.list(conversation.id).data] == [second.id]
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.retrieve(first.id, conversation_id=conversation.id)


def test_metadata_is_replaced_and_a_deleted_conversation_is_gone(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create(metadata={"a": "1"})
    assert client.conversations.update(conversation.id, metadata={"b": "2"}).metadata == {"b": "2"}
    assert client.conversations.retrieve(conversation.id).metadata == {"b": "2"}
    deleted = client.conversations.delete(conversation.id)
    assert deleted.deleted is True and deleted.id == conversation.id and deleted.object == "conversation.deleted"
    with pytest.raises(openai.NotFoundError) as gone:
        client.conversations.retrieve(conversation.id)
    assert gone.value.body["message"] == f"Conversation with id '{conversation.id}' not found."


@pytest.mark.parametrize("named", ["conv_nope", {"id": "conv_nope"}])
def test_an_unknown_conversation_is_the_real_404(kept: ServerThread, named: Any) -> None:
    """The real API: 404, ``Conversation with id '…' not found.``, param and code null (2026 probes)."""
    for stream in (False, True):
        answer = HTTP.post(
            f"{kept.base_url}/responses",
            json={"model": "gpt-4o-mini", "input": "hi", "conversation": named, "stream": stream},
            headers=AUTH,
        )
        assert answer.status_code == 404
        error = answer.json()["error"]
        assert error["message"] == "Conversation with id 'conv_nope' not found."
        assert error["type"] == "invalid_request_error" and error["param"] is None and error["code"] is None


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"items": [{"role": "user", "content": 5}]}, "items[0].content", "invalid_type"),
        ({"items": [{"role": "user", "content": "x"}] * 21}, "items", "array_above_max_length"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata", "object_above_max_properties"),
        ({"bogus": 1}, "bogus", "unknown_parameter"),
        ({"safety_identifier": 5}, "safety_identifier", "invalid_type"),
        ({"safety_identifier": "x" * 65}, "safety_identifier", "string_above_max_length"),
    ],
)
def test_what_create_refuses(fresh: ServerThread, body: dict[str, Any], param: str, code: str) -> None:
    answer = HTTP.post(f"{fresh.base_url}/conversations", json=body, headers=AUTH)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == param and error["code"] == code


def test_create_takes_a_safety_identifier(fresh: ServerThread) -> None:
    # The openai SDK 3.60 sends it (conversations.create(safety_identifier=...)); it was refused as
    # an unknown parameter.  The conversation object has no such field.
    made = sdk(fresh.base_url).conversations.create(safety_identifier="user-7", metadata={"k": "v"})
    assert made.id.startswith("conv_") and made.metadata == {"k": "v"}
    assert "safety_identifier" not in HTTP.get(f"{fresh.base_url}/conversations/{made.id}", headers=AUTH).json()


def test_conversation_and_previous_response_id_exclude_each_other(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create()
    first = client.responses.create(model="gpt-4o-mini", input="hi")
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(
            model="gpt-4o-mini", input="again", conversation=conversation.id, previous_response_id=first.id
        )
    assert refused.value.body["code"] == "mutually_exclusive_parameters"


def test_the_input_tokens_count_reads_the_conversation(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create(items=[{"role": "user", "content": "Remember the number 7."}])
    asked = {"model": "gpt-4o-mini", "input": "Which number?", "conversation": conversation.id}
    counted = client.responses.input_tokens.count(**asked).input_tokens
    assert counted == client.responses.create(**asked).usage.input_tokens


def test_a_reset_forgets_conversations(kept: ServerThread) -> None:
    client = sdk(kept.base_url)
    conversation = client.conversations.create()
    kept.server.state.reset()
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(conversation.id)


def test_one_conversation_alone_stays_within_the_store_budget(server_factory: Any) -> None:
    """An audit: 40 batches of 20 items of ~200 KB in one conversation took RSS from 68 to 245 MB
    with --store-bytes 1000000 (the conversation being added to was never evicted)."""
    server = server_factory(store_bytes=1_000_000)
    client = sdk(server.base_url)
    conversation = client.conversations.create()
    for batch in range(12):
        items = [{"role": "user", "content": f"batch {batch} item {i} " + "x" * 10_000} for i in range(20)]
        client.conversations.items.create(conversation.id, items=items)
    store = server.state.conversations
    assert store.bytes <= 1_000_000 + 20 * 4 * 10_200  # (the newest batch is always kept)
    listed = client.conversations.items.list(conversation.id, limit=100).data
    assert 0 < len(listed) < 240 and listed[0].content[0].text.startswith("batch 11 item 19 ")


def test_metadata_counts_and_a_deleted_item_gives_its_bytes_back(server_factory: Any) -> None:
    server = server_factory(store_bytes=200_000)
    client = sdk(server.base_url)
    metadata = {f"k{i}": "v" * 512 for i in range(16)}
    made = [client.conversations.create(metadata=metadata).id for _ in range(40)]
    store = server.state.conversations
    assert store.bytes <= 200_000
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(made[0])  # (the oldest went: 40 x 16 x 512 is over the budget)
    last = client.conversations.create(items=[{"role": "user", "content": "y" * 5_000}])
    before = store.bytes
    item = client.conversations.items.list(last.id).data[0]
    client.conversations.items.delete(item.id, conversation_id=last.id)
    assert store.bytes < before - 5_000


def test_continuing_a_large_conversation_does_not_hold_up_small_requests(served: Any) -> None:
    """An audit: continuing a conversation of 26 MB held every other request 0.8 s (read and counted
    on the event loop; only previous_response_id chains over 1 MiB went to a worker thread)."""
    fresh = served
    client = sdk(fresh.base_url)
    for path in ("responses", "responses/input_tokens"):
        conversation = client.conversations.create()
        for batch in range(4):  # (words never seen before: no remembered token counts)
            words = " ".join(f"{path[-3:]}{batch}x{i}" for i in range(40_000))
            client.conversations.items.create(conversation.id, items=[{"role": "user", "content": words}])
        asked = {"model": "gpt-4.1-mini", "input": "Sum it up.", "conversation": conversation.id}
        outcome: list[int] = []
        started = time.monotonic()

        def send(path: str = path, outcome: list[int] = outcome, asked: dict[str, Any] = asked) -> None:
            answer = HTTP.post(f"{fresh.base_url}/{path}", json=asked, headers=AUTH, timeout=60)
            outcome.append(answer.status_code)

        worker = threading.Thread(target=send)
        worker.start()
        waits = []
        while worker.is_alive():
            sent = time.monotonic()
            assert HTTP.get(f"{fresh.base_url}/models", headers=AUTH, timeout=30).status_code == 200
            waits.append(time.monotonic() - sent)
        took = time.monotonic() - started
        assert outcome == [200], (path, outcome)
        assert len(waits) >= 3 and max(waits) < 0.5 * took, (path, max(waits), took, len(waits))


def test_adding_no_items_is_refused_and_too_many_are_counted(fresh: ServerThread) -> None:
    """An SDK audit: ``items.create(id, items=[])`` answered 200 with ``first_id`` and ``last_id``
    null, which the SDK's strict ``ConversationItemList`` refuses; and the over-20 message said
    "with 21 items" where the API says "with length 21"."""
    conversation = sdk(fresh.base_url).conversations.create()
    url = f"{fresh.base_url}/conversations/{conversation.id}/items"
    empty = HTTP.post(url, json={"items": []}, headers=AUTH)
    assert empty.status_code == 400
    assert empty.json()["error"] == {
        "message": "Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "type": "invalid_request_error",
        "param": "items",
        "code": "empty_array",
    }
    many = HTTP.post(url, json={"items": [{"role": "user", "content": "x"}] * 21}, headers=AUTH)
    assert many.json()["error"]["message"] == (
        "Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length 21 instead."
    )


def test_an_item_reference_is_kept_as_the_item_it_names(kept: ServerThread) -> None:
    """A hostile audit: ``{"type": "item_reference", "id": ...}`` (or ``{"id": ...}``) was kept as
    it was sent, and listing it failed in the SDK (a reference is no ``ConversationItem``; the bare
    one became a message with ``role: null``).  It is read as /v1/responses reads one."""
    client = sdk(kept.base_url)
    answer = client.responses.create(model="gpt-4o-mini", input="Name a colour.")
    said = answer.output[0].id
    conversation = client.conversations.create(items=[{"type": "item_reference", "id": said}])
    client.conversations.items.create(conversation.id, items=[{"id": said}])
    listed = client.conversations.items.list(conversation.id, order="asc").data
    assert [(item.type, item.role, item.id) for item in listed] == [("message", "assistant", said)] * 2
    assert listed[0].content[0].text == answer.output_text
    with pytest.raises(openai.NotFoundError) as unknown:
        client.conversations.create(items=[{"type": "item_reference", "id": "msg_nope"}])
    assert unknown.value.body["message"].startswith("Item with id 'msg_nope' not found")


def test_an_item_holding_an_integer_past_64_bits_is_kept(kept: ServerThread) -> None:
    """Hypothesis (over the SDK's item types) found a 500: an item's size was measured with orjson,
    which refuses integers past 64 bits."""
    usage = {"input_tokens": 0, "model": "", "output_tokens": 0, "reasoning_tokens": 0, "total_tokens": -(2**63) - 1}
    item = {"type": "image_generation_call", "id": "ig_1", "status": "failed", "result": None, "svg_usage": usage}
    answer = HTTP.post(f"{kept.base_url}/conversations", json={"items": [item]}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    listed = HTTP.get(f"{kept.base_url}/conversations/{answer.json()['id']}/items", headers=AUTH).json()
    assert listed["data"][0]["svg_usage"]["total_tokens"] == -(2**63) - 1


@pytest.mark.parametrize("fault", ["reset", "empty", "stream_error"])
def test_a_faulted_response_adds_no_turn(fresh: ServerThread, fault: str) -> None:
    """A plugin audit: a Response given with a scripted fault (a reset connection, an empty body, a
    failed stream) still added its input and its whole answer to the conversation, so an SDK's
    retry made the conversation two turns long and every later ``turn`` condition was off by one."""
    rule = fresh.state.scenarios.on()
    if fault == "stream_error":
        rule.reply("a b c d e").stream_error(after=2, message="boom")
    else:
        getattr(rule, fault)()
    client = sdk(fresh.base_url)
    conversation = client.conversations.create()
    with pytest.raises((openai.APIError, ValueError)):  # (an empty 200 body: the SDK's JSON error)
        answer = client.responses.create(
            model="gpt-4o-mini", input="q", conversation=conversation.id, stream=fault == "stream_error"
        )
        list(answer) if fault == "stream_error" else None
    assert client.conversations.items.list(conversation.id).data == []
