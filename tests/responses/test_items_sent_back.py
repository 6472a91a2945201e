"""What clients send back on the next turn, through the official SDK (strict validation): the
output items as they came (``input += response.output``), references to them, fields the spec
and the SDK declare; and the real API's 400s and 404 for a conversation that cannot go on (a
call left without its output, an output without its call, a reasoning item nobody stored)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support import clients

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"
CUSTOM = {"type": "custom", "name": "run_sql", "description": "Runs a SQL query."}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
def sdk(fresh: ServerThread) -> Iterator[Any]:
    with clients.sdk(fresh.base_url) as c:
        yield c


def _custom_call(sdk: Any, **extra: Any) -> Any:
    first = sdk.responses.create(model=MODEL, input="Count the users.", tools=[CUSTOM], tool_choice="required", **extra)
    [call] = [item for item in first.output if item.type == "custom_tool_call"]
    return first, call


def test_a_custom_tool_call_sent_back_as_it_came(sdk: Any) -> None:
    first, call = _custom_call(sdk, store=False)
    sent_back = [item.model_dump(exclude_none=True) for item in first.output]
    assert "status" in sent_back[-1]  # the item as answered carries it
    second = sdk.responses.create(
        model=MODEL,
        input=[
            {"role": "user", "content": "Count the users."},
            *sent_back,
            {"type": "custom_tool_call_output", "call_id": call.call_id, "output": "42"},
        ],
        tools=[CUSTOM],
        store=False,
    )
    assert second.status == "completed" and second.output_text


def test_a_custom_tool_call_referenced_then_answered(sdk: Any) -> None:
    """The Vercel AI SDK's second step with store: true: the call by reference, then its output."""
    _, call = _custom_call(sdk)
    second = sdk.responses.create(
        model=MODEL,
        input=[
            {"role": "user", "content": "Count the users."},
            {"type": "item_reference", "id": call.id},
            {"type": "custom_tool_call_output", "call_id": call.call_id, "output": "42"},
        ],
        tools=[CUSTOM],
    )
    assert second.status == "completed"


def test_fields_the_spec_declares_are_taken(sdk: Any) -> None:
    tool = {**WEATHER, "output_schema": {"type": "object"}, "allowed_callers": ["direct"]}
    answer = sdk.responses.create(
        model=MODEL,
        tools=[tool, {**CUSTOM, "allowed_callers": ["direct"]}],
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Read this.", "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "input_file", "file_id": "file-abc", "detail": "auto"},
                ],
            },
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "sunny", "name": "get_weather"},
        ],
        store=False,
    )
    assert answer.status == "completed"


@pytest.mark.parametrize(
    "reference", [{"id": "ID"}, {"type": None, "id": "ID"}, {"type": "item_reference", "id": "ID"}]
)
def test_a_reference_without_a_type(sdk: Any, reference: dict[str, Any]) -> None:
    first = sdk.responses.create(model=MODEL, input="My name is Szymon.")
    item = {**reference, "id": first.output[0].id}
    answer = sdk.responses.create(model=MODEL, input=[item, {"role": "user", "content": "Who am I?"}], store=False)
    assert answer.status == "completed"


def _bad_request(caught: pytest.ExceptionInfo[Any]) -> dict[str, Any]:
    assert caught.value.status_code == 400
    body: dict[str, Any] = caught.value.body
    assert body["type"] == "invalid_request_error" and body["param"] == "input" and body["code"] is None
    return body


def test_continuing_without_the_outputs_of_the_calls(sdk: Any) -> None:
    asked = sdk.responses.create(model=MODEL, input="Weather in Oslo?", tools=[WEATHER], tool_choice="required")
    [call] = [item for item in asked.output if item.type == "function_call"]
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model=MODEL, previous_response_id=asked.id, input="Never mind.", tools=[WEATHER])
    assert _bad_request(caught)["message"] == f"No tool output found for function call {call.call_id}."
    answered = sdk.responses.create(
        model=MODEL,
        previous_response_id=asked.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[WEATHER],
    )
    assert answered.status == "completed"
    with pytest.raises(openai.BadRequestError) as caught:  # an output for a call nobody made
        sdk.responses.create(
            model=MODEL,
            previous_response_id=answered.id,
            input=[{"type": "function_call_output", "call_id": "call_bogus", "output": "x"}],
        )
    assert _bad_request(caught)["message"] == "No tool call found for function call output with call_id call_bogus."


def test_a_call_in_the_input_without_its_output(sdk: Any) -> None:
    call = {"type": "function_call", "call_id": "call_9", "name": "get_weather", "arguments": "{}"}
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model=MODEL, input=[{"role": "user", "content": "hi"}, call], tools=[WEATHER])
    assert _bad_request(caught)["message"] == "No tool output found for function call call_9."


def test_a_reasoning_item_by_id_that_was_never_stored(sdk: Any) -> None:
    first = sdk.responses.create(model="o4-mini", input="Think.", store=False)
    [reasoning] = [item for item in first.output if item.type == "reasoning"]
    assert reasoning.encrypted_content is None  # not asked for with include
    sent = reasoning.model_dump(exclude_none=True)
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.responses.create(model="o4-mini", input=[sent, *first.output[1:], {"role": "user", "content": "More."}])
    assert caught.value.body["message"].startswith(f"Item with id '{reasoning.id}' not found.")
    kept = sdk.responses.create(model="o4-mini", input="Think.")  # stored: found by its id
    sent = [item.model_dump(exclude_none=True) for item in kept.output]
    again = sdk.responses.create(model="o4-mini", input=[*sent, {"role": "user", "content": "More."}], store=False)
    assert again.status == "completed"


def test_gpt_5_2_reasons_only_when_asked(sdk: Any) -> None:
    plain = sdk.responses.create(model="gpt-5.2", input="hi", store=False)
    assert plain.reasoning.effort == "none"
    assert [item.type for item in plain.output] == ["message"]  # as R:23: no reasoning item
    assert plain.usage.output_tokens_details.reasoning_tokens == 0
    asked = sdk.responses.create(model="gpt-5.2", input="hi", reasoning={"effort": "xhigh"}, store=False)
    assert asked.reasoning.effort == "xhigh" and asked.usage.output_tokens_details.reasoning_tokens > 0
    assert asked.output[0].type == "reasoning"
