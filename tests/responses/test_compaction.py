"""``client.responses.compact`` (``POST /v1/responses/compact``): it was a 405, so an application
compacting its history (the Agents SDK's compaction session does it past a threshold) failed
against mockai.  The compacted output (the user messages, then one compaction item) continues the
conversation when it is sent back as input."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, async_sdk, sdk

TURNS = [
    {"role": "user", "content": "Plan a trip."},
    {"role": "assistant", "content": "Where to?"},
    {"role": "user", "content": [{"type": "input_text", "text": "Lisbon, in May."}]},
]


def _client(server: ServerThread) -> Any:
    # The SDK's CompactedResponse types its output as Response output items, whose messages are the
    # assistant's: a user message (what the API returns) fails its strict validation, as it would
    # against the real API.
    return sdk(server.base_url, strict=False)


def test_the_user_messages_then_one_compaction_item(fresh: ServerThread) -> None:
    compacted = _client(fresh).responses.compact(model="gpt-5.2", input=TURNS)
    assert compacted.object == "response.compaction" and compacted.id.startswith("resp_")
    kinds = [(item.type, getattr(item, "role", None)) for item in compacted.output]
    assert kinds == [("message", "user"), ("message", "user"), ("compaction", None)]
    assert compacted.output[1].content[0].text == "Lisbon, in May."
    item = compacted.output[-1]
    assert item.id.startswith("cmp_") and len(item.id) == len(compacted.id) - 1
    assert item.encrypted_content.startswith("gAAAAA")
    counted = sdk(fresh.base_url).responses.input_tokens.count(model="gpt-5.2", input=TURNS).input_tokens
    assert compacted.usage.input_tokens == counted
    assert compacted.usage.total_tokens == compacted.usage.input_tokens + compacted.usage.output_tokens


def test_the_same_request_gives_the_same_bytes(fresh: ServerThread) -> None:
    body = {"model": "gpt-5.2", "input": TURNS}
    first, second = (HTTP.post(f"{fresh.base_url}/responses/compact", json=body, headers=AUTH) for _ in range(2))
    assert first.status_code == 200 and first.content == second.content
    assert not first.content.endswith(b"\n")  # (a Response's layout)
    usage = first.json()["usage"]  # (a Response's usage: the Node SDK requires cache_write_tokens)
    assert usage["input_tokens_details"] == {"cache_write_tokens": 0, "cached_tokens": 0}
    assert usage["output_tokens_details"] == {"reasoning_tokens": 0}


def test_a_safety_identifier_is_taken_and_echoed(fresh: ServerThread) -> None:
    # The openai SDK 3.60 sends it, and its CompactedResponse has the field; it was refused as an
    # unknown parameter.  Without one, the answer has no such key, as before.
    compacted = _client(fresh).responses.compact(model="gpt-5.2", input=TURNS, safety_identifier="user-7")
    assert compacted.safety_identifier == "user-7"
    plain = HTTP.post(f"{fresh.base_url}/responses/compact", json={"model": "gpt-5.2", "input": TURNS}, headers=AUTH)
    assert "safety_identifier" not in plain.json()


def test_a_stored_chain_is_compacted_and_the_output_continues_it(fresh: ServerThread) -> None:
    client = _client(fresh)
    first = client.responses.create(model="gpt-5.2", input="Remember the number 7.")
    second = client.responses.create(model="gpt-5.2", input="And 8.", previous_response_id=first.id)
    compacted = client.responses.compact(model="gpt-5.2", previous_response_id=second.id)
    assert [item.content[0].text for item in compacted.output[:-1]] == ["Remember the number 7.", "And 8."]
    assert compacted.id[5:21] == second.id[5:21]  # (its id group, as a Response continuing it)
    raw = HTTP.post(
        f"{fresh.base_url}/responses/compact",
        json={"model": "gpt-5.2", "previous_response_id": second.id},
        headers=AUTH,
    )
    follow = raw.json()["output"]  # (as an application keeps it: the JSON items)
    answer = client.responses.create(model="gpt-5.2", input=[*follow, {"role": "user", "content": "Sum?"}])
    assert answer.status == "completed" and answer.output_text


async def test_async(fresh: ServerThread) -> None:
    compacted = await async_sdk(fresh.base_url, strict=False).responses.compact(model="gpt-5.2", input="hi")
    assert [item.type for item in compacted.output] == ["message", "compaction"]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": "hi"}, "model", "missing_required_parameter"),
        ({"model": "gpt-5.2", "input": "hi", "tools": []}, "tools", "unknown_parameter"),
        ({"model": "gpt-5.2", "input": 5}, "input", "invalid_type"),
    ],
)
def test_what_it_refuses(fresh: ServerThread, body: dict[str, Any], param: str, code: str) -> None:
    answer = HTTP.post(f"{fresh.base_url}/responses/compact", json=body, headers=AUTH)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == (param, code)


def test_an_unknown_previous_response_is_refused_as_responses_refuses_it(fresh: ServerThread) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        _client(fresh).responses.compact(model="gpt-5.2", previous_response_id="resp_nope")
    assert refused.value.body["message"] == "Previous response with id 'resp_nope' not found."
