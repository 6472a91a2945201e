"""Request bodies, messages and tools that many tests send (pure data: nothing here talks to a server)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WEATHER_DESCRIPTION = "Current weather for a city"


def user(text: str) -> list[dict[str, Any]]:
    """A conversation of one user message."""
    return [{"role": "user", "content": text}]


def chat(text: str, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    """A chat request: ``model``, one user message saying ``text``, then ``extra``."""
    return {"model": model, "messages": user(text), **extra}


def function_tool(
    name: str,
    properties: dict[str, Any] | None = None,
    *,
    required: Sequence[str] = (),
    description: str | None = None,
    closed: bool = False,
    strict: bool = False,
) -> dict[str, Any]:
    """A function tool taking an object with ``properties``; ``closed`` forbids other properties."""
    parameters: dict[str, Any] = {"type": "object"}
    if properties is not None:
        parameters["properties"] = properties
    if required:
        parameters["required"] = list(required)
    if closed:
        parameters["additionalProperties"] = False
    function: dict[str, Any] = {"name": name}
    if description is not None:
        function["description"] = description
    function["parameters"] = parameters
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def weather_tool(
    *,
    unit: dict[str, Any] | None = None,
    required: Sequence[str] = ("location",),
    description: str | None = WEATHER_DESCRIPTION,
    closed: bool = False,
    strict: bool = False,
) -> dict[str, Any]:
    """``get_weather(location[, unit])``, the tool of most agent examples."""
    properties: dict[str, Any] = {"location": {"type": "string"}}
    if unit is not None:
        properties["unit"] = unit
    return function_tool(
        "get_weather", properties, required=required, description=description, closed=closed, strict=strict
    )


def tool_call(call_id: str, name: str, arguments: str = "{}") -> dict[str, Any]:
    """One entry of an assistant message's ``tool_calls``."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_turn(question: str, call: dict[str, Any], result: str) -> list[dict[str, Any]]:
    """A user's question, the assistant calling a tool, and the tool's result."""
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": result},
    ]


def math_schema(*, closed: bool = False) -> dict[str, Any]:
    """The JSON Schema of the math tutor of OpenAI's structured-output guide (``steps`` of
    ``explanation`` and ``output``, then ``final_answer``); ``closed`` forbids other properties."""
    step: dict[str, Any] = {
        "type": "object",
        "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
        "required": ["explanation", "output"],
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"steps": {"type": "array", "items": step}, "final_answer": {"type": "string"}},
        "required": ["steps", "final_answer"],
    }
    if closed:
        step["additionalProperties"] = schema["additionalProperties"] = False
    return schema
