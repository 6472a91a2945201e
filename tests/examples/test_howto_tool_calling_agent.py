"""How to: test a tool-calling agent loop.

The first rule answers the user's question with a tool call; the second answers once the client
sends the tool's result back, using a field of that result.
"""

from __future__ import annotations

import json
from typing import Any

from openai import OpenAI

from mockai.testing.mock import MockAI

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
]


def get_weather(location: str) -> dict[str, Any]:
    return {"location": location, "temperature": 21}


def run_agent(question: str) -> str:
    """Application code: call tools until the model answers in words."""
    client = OpenAI()
    messages: list[Any] = [{"role": "user", "content": question}]
    for _ in range(5):
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            result = get_weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    raise RuntimeError("the agent did not finish")


def test_agent_calls_the_tool_then_answers(mockai: MockAI) -> None:
    mockai.on(user_contains="weather", last_role="user").reply(tool_call=("get_weather", {"location": "Boston"}))
    mockai.on(tool_result="get_weather").reply("It is {{ tool_result.temperature }} degrees in Boston.")

    assert run_agent("What's the weather in Boston?") == "It is 21 degrees in Boston."

    assert mockai.requests.call_count == 2
    [result] = mockai.requests.tool_results("get_weather")
    assert result.arguments == {"location": "Boston"}
    assert json.loads(result.content) == {"location": "Boston", "temperature": 21}
