"""How to: test an agent loop written with the Responses API (``client.responses.create``).

The same rules as for chat completions: the first answers the user's question with a function
call, the second answers once the client sends the function's output back (as a
``function_call_output`` item), using a field of that output.
"""

from __future__ import annotations

import json
from typing import Any

from openai import OpenAI

from mockai.testing.mock import MockAI

TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
            "additionalProperties": False,
        },
        "strict": True,
    }
]


def get_weather(location: str) -> dict[str, Any]:
    return {"location": location, "temperature": 21}


def run_agent(question: str) -> str:
    """Application code: call functions until the model answers in words."""
    client = OpenAI()
    items: list[Any] = [{"role": "user", "content": question}]
    for _ in range(5):
        response = client.responses.create(model="gpt-4.1", input=items, tools=TOOLS)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text
        items += [item.model_dump(exclude_none=True) for item in response.output]
        for call in calls:
            result = get_weather(**json.loads(call.arguments))
            items.append({"type": "function_call_output", "call_id": call.call_id, "output": json.dumps(result)})
    raise RuntimeError("the agent did not finish")


def test_agent_calls_the_function_then_answers(mockai: MockAI) -> None:
    mockai.on(user_contains="weather", last_role="user").reply(tool_call=("get_weather", {"location": "Boston"}))
    mockai.on(tool_result="get_weather").reply("It is {{ tool_result.temperature }} degrees in Boston.")

    assert run_agent("What's the weather in Boston?") == "It is 21 degrees in Boston."

    assert mockai.requests.call_count == 2
    assert mockai.requests.first.path == "/v1/responses"
    [result] = mockai.requests.tool_results("get_weather")
    assert result.arguments == {"location": "Boston"}
    assert json.loads(result.content) == {"location": "Boston", "temperature": 21}


def test_without_rules_the_seeded_agent_still_finishes(mockai: MockAI) -> None:
    """No rule: the seeded model calls the function (its arguments fit the schema), then answers."""
    answer = run_agent("What's the weather in Paris?")
    assert answer
    [result] = mockai.requests.tool_results("get_weather")
    assert isinstance(result.arguments["location"], str)
