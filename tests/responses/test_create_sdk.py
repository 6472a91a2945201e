"""``client.responses.create / stream / parse`` through the official SDK, sync and async, with the
SDK's own check of every answer (``_strict_response_validation=True``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel

from mockai.server.runner import ServerThread
from tests.support.clients import async_sdk, client_for

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["location", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


class Step(BaseModel):
    explanation: str
    output: str


class MathResponse(BaseModel):
    steps: list[Step]
    final_answer: str


def test_text_answer(module_server: ServerThread) -> None:
    client = client_for(module_server)
    response = client.responses.create(model="gpt-4o-mini", input="Say this is a test", instructions="Be brief.")
    assert response.status == "completed"
    assert response.output_text
    assert response.id.startswith("resp_") and len(response.id) == 55
    [message] = response.output
    assert message.type == "message" and message.id.startswith("msg_")
    assert message.id[4:20] == response.id[5:21]  # the shared 16-hex group
    assert response.model == "gpt-4o-mini-2024-07-18"
    assert response.instructions == "Be brief."
    assert response.usage is not None and response.usage.total_tokens > 0


def test_function_call_arguments_fit_the_tool(module_server: ServerThread) -> None:
    client = client_for(module_server)
    response = client.responses.create(model="gpt-4.1", input="What is the weather in Boston today?", tools=[WEATHER])
    [call] = response.output
    assert call.type == "function_call" and call.id.startswith("fc_") and call.call_id.startswith("call_")
    assert call.name == "get_weather"
    arguments = json.loads(call.arguments)
    assert set(arguments) == {"location", "unit"} and arguments["unit"] in ("c", "f")
    assert response.tools[0].strict is True


def test_tool_result_continues_the_conversation(module_server: ServerThread) -> None:
    client = client_for(module_server)
    first = client.responses.create(model="gpt-4o", input="What is the weather in Paris?", tools=[WEATHER])
    [call] = first.output
    history: list[Any] = [
        {"role": "user", "content": "What is the weather in Paris?"},
        call.model_dump(exclude_none=True),
    ]
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": 21}'})
    second = client.responses.create(model="gpt-4o", input=history, tools=[WEATHER])
    assert second.output[0].type == "message" and second.output_text


def test_structured_output_parses(module_server: ServerThread) -> None:
    client = client_for(module_server)
    response = client.responses.parse(model="gpt-4o-2024-08-06", input="solve 8x + 31 = 2", text_format=MathResponse)
    assert isinstance(response.output_parsed, MathResponse)
    assert response.text.format.type == "json_schema"


def test_reasoning_items_and_tokens(module_server: ServerThread) -> None:
    client = client_for(module_server)
    response = client.responses.create(
        model="o4-mini",
        input="If one plus a number is 10, what is the number?",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
    )
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert reasoning.summary and reasoning.summary[0].text.startswith("**")
    assert reasoning.encrypted_content and reasoning.encrypted_content.startswith("gAAAAA")
    assert message.type == "message"
    assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens > 0
    assert response.reasoning is not None and response.reasoning.effort == "low"


def test_max_output_tokens_makes_it_incomplete(module_server: ServerThread) -> None:
    client = client_for(module_server)
    response = client.responses.create(
        model="gpt-5.1",
        input="Tell me a long story",
        max_output_tokens=16,
        reasoning={"effort": "none"},
        text={"verbosity": "high"},
    )
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[-1].type == "message" and response.output[-1].status == "incomplete"
    assert response.usage is not None and response.usage.output_tokens == 16


@pytest.mark.parametrize("tools", [None, [WEATHER]])
def test_stream_final_response_equals_the_created_one(module_server: ServerThread, tools: Any) -> None:
    client = client_for(module_server)
    extra = {"tools": tools, "input": "What is the weather in Rome?"} if tools else {"input": "Hello there"}
    with client.responses.stream(model="gpt-4o-mini", store=False, **extra) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    again = client.responses.create(model="gpt-4o-mini", store=False, **extra)
    # The SDK parses a streamed final response (text parts gain ``parsed``, strict calls
    # ``parsed_arguments``): compared apart from what the parsing adds.
    assert final.model_dump(exclude={"billing", "output"}) == again.model_dump(exclude={"billing", "output"})
    assert [_unparsed(item) for item in final.output] == [_unparsed(item) for item in again.output]


def _unparsed(item: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = item.model_dump(exclude={"parsed_arguments"}, exclude_none=True)
    for part in dumped.get("content") or ():
        part.pop("parsed", None)
    return dumped


def test_async_client(module_server: ServerThread) -> None:
    async def run() -> tuple[str, str]:
        client = async_sdk(module_server.base_url)
        async with client:
            created = await client.responses.create(model="gpt-4o-mini", input="hi", store=False)
            async with client.responses.stream(model="gpt-4o-mini", input="hi", store=False) as stream:
                final = await stream.get_final_response()
            parsed = await client.responses.parse(model="gpt-4o", input="solve 2x = 4", text_format=MathResponse)
            assert isinstance(parsed.output_parsed, MathResponse)
            called = await client.responses.create(model="gpt-4.1", input="Weather in Oslo?", tools=[WEATHER])
            assert called.output[0].type == "function_call"
            return created.output_text, final.output_text

    created, streamed = asyncio.run(run())
    assert created == streamed and created


def test_same_story_as_chat(module_server: ServerThread) -> None:
    """One text generator: the same conversation says the same on both surfaces."""
    client = client_for(module_server)
    response = client.responses.create(model="gpt-4o", input="Tell me about tests", store=False)
    chat = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Tell me about tests"}])
    assert response.output_text == chat.choices[0].message.content


def test_background_create_is_queued_then_retrievable_finished(fresh: ServerThread) -> None:
    client = client_for(fresh)
    queued = client.responses.create(model="gpt-4o-mini", input="Take your time", background=True)
    assert queued.status == "queued" and queued.output == [] and queued.usage is None
    finished = client.responses.retrieve(queued.id)
    assert finished.status == "completed" and finished.output_text and finished.background is True
    with client.responses.stream(model="gpt-4o-mini", input="Take your time too", background=True) as stream:
        kinds = [event.type for event in stream][:3]
        final = stream.get_final_response()
    assert kinds == ["response.created", "response.queued", "response.in_progress"]
    assert final.status == "completed"


def test_conversation_and_prompt_are_echoed(module_server: ServerThread) -> None:
    client = client_for(module_server)
    conversation = client.conversations.create()
    response = client.responses.create(
        model="gpt-4o", conversation=conversation.id, prompt={"id": "pmpt_1", "version": "2"}, store=False
    )
    assert response.conversation is not None and response.conversation.id == conversation.id
    assert response.prompt is not None and response.prompt.id == "pmpt_1"
    assert response.output_text


def test_logprobs_when_included(module_server: ServerThread) -> None:
    client = client_for(module_server)
    body: dict[str, Any] = {"model": "gpt-4o", "input": "Say something", "store": False, "top_logprobs": 2}
    response = client.responses.create(include=["message.output_text.logprobs"], **body)
    part = response.output[0].content[0]
    assert part.logprobs and "".join(lp.token for lp in part.logprobs) == part.text
    assert all(len(lp.top_logprobs) == 2 and lp.bytes == list(lp.token.encode()) for lp in part.logprobs)
    with client.responses.stream(include=["message.output_text.logprobs"], **body) as stream:
        deltas = [e for e in stream if e.type == "response.output_text.delta"]
    assert [lp.token for d in deltas for lp in d.logprobs] == [lp.token for lp in part.logprobs]
    assert client.responses.create(**body).output[0].content[0].logprobs == []  # not asked: none
