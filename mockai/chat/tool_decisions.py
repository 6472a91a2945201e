"""The seeded answer's tool decision: whether it calls tools (or a legacy function), which, and with
what arguments.

Everything is drawn from the choice's random generator, in a fixed order, so the same request
always makes the same calls; the arguments are generated from each tool's parameters schema.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockai.chat.choice_drafts import ChoiceDraft, ToolCallDraft
from mockai.chat.schema_rules import SchemaPlace, function_place, generation_refusal, tool_place
from mockai.core.request_reading import last_user_text, tool_name
from mockai.generate import text as textgen
from mockai.generate.jsongen import generator as jsongen

__all__ = ["decide_calls"]


def decide_calls(body: Mapping[str, Any], rng: random.Random, budget: jsongen.WorkBudget) -> ChoiceDraft | None:
    """The choice that calls tools (or a legacy function), or None when the answer is text; the
    arguments' work is taken from ``budget`` (the real API's 400 when it runs out, or when a
    function's parameters cannot be satisfied)."""
    tools = _offered_tools(body)
    if tools:
        calls = _decide_tool_calls(body, tools, rng, budget)
        if calls:
            # A named tool_choice finishes with "stop" on the real API (recording 20).
            named = _named_choice(body.get("tool_choice")) is not None
            return ChoiceDraft(tool_calls=tuple(calls), extra={"named_tool": named})
    functions = body.get("functions")
    if functions and _wants_function_call(body):
        call = _decide_function_call(body, functions, rng, budget)
        if call is not None:
            return ChoiceDraft(function_call=call)
    return None


def _offered_tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The tools the answer may call: all of ``tools``, or those ``allowed_tools`` lists."""
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        names = {tool_name(t) for t in allowed.get("tools") or []}
        tools = [t for t in tools if tool_name(t) in names]
    return [t for t in tools if isinstance(t, Mapping)]


def _named_choice(choice: Any) -> str | None:
    if isinstance(choice, Mapping) and choice.get("type") in ("function", "custom"):
        inner = choice.get(choice["type"])
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            return str(inner["name"])
    return None


def _last_role(body: Mapping[str, Any]) -> str | None:
    messages = body.get("messages") or []
    return messages[-1].get("role") if messages and isinstance(messages[-1], Mapping) else None


def _decide_tool_calls(
    body: Mapping[str, Any], tools: list[Mapping[str, Any]], rng: random.Random, budget: jsongen.WorkBudget
) -> list[ToolCallDraft]:
    choice = body.get("tool_choice", "auto")
    mode = choice
    if isinstance(choice, Mapping) and choice.get("type") == "allowed_tools":
        mode = (choice.get("allowed_tools") or {}).get("mode", "auto")
    forced = _named_choice(choice)
    if mode == "none":
        return []
    if forced is not None:
        chosen = [t for t in tools if tool_name(t) == forced][:1]
    elif mode == "required":
        chosen = _pick_tools(body, tools, rng)
    else:  # auto: text after a tool result, else call when the user seems to ask for it
        if _last_role(body) in ("tool", "function"):
            return []
        asked = (last_user_text(body.get("messages")) or "").lower()
        mentioned = any(part and part in asked for t in tools for part in (tool_name(t) or "").lower().split("_"))
        if not mentioned and rng.random() < 0.5:
            return []
        chosen = _pick_tools(body, tools, rng)
    return [_draft_call(body, t, rng, budget) for t in chosen]


def _pick_tools(body: Mapping[str, Any], tools: list[Mapping[str, Any]], rng: random.Random) -> list[Mapping[str, Any]]:
    first = rng.randrange(len(tools))
    picked = [tools[first]]
    if body.get("parallel_tool_calls", True) is not False and len(tools) > 1 and rng.random() < 0.3:
        picked.append(tools[(first + 1 + rng.randrange(len(tools) - 1)) % len(tools)])
    return picked


def _draft_call(
    body: Mapping[str, Any], tool: Mapping[str, Any], rng: random.Random, budget: jsongen.WorkBudget
) -> ToolCallDraft:
    name = tool_name(tool) or ""
    if tool.get("type") == "custom":
        return ToolCallDraft(name, textgen.sentence(rng), kind="custom")
    function = tool.get("function") or {}
    index = next(i for i, offered in enumerate(body["tools"]) if offered is tool)
    value = _arguments(function.get("parameters"), rng, budget, lambda: tool_place(body, index))
    return ToolCallDraft(name, json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def _arguments(
    parameters: Any, rng: random.Random, budget: jsongen.WorkBudget, place: Callable[[], SchemaPlace]
) -> Any:
    """Arguments valid for ``parameters``; the real API's 400 for ``place()`` when there are none."""
    try:
        return jsongen.generate(
            parameters or {"type": "object", "properties": {}}, rng, words=textgen.phrase, budget=budget
        )
    except jsongen.UnsatisfiableSchema as exc:
        raise generation_refusal(place(), exc) from None


def _wants_function_call(body: Mapping[str, Any]) -> bool:
    return body.get("function_call", "auto") != "none" and _last_role(body) != "function"


def _decide_function_call(
    body: Mapping[str, Any], functions: Sequence[Mapping[str, Any]], rng: random.Random, budget: jsongen.WorkBudget
) -> ToolCallDraft | None:
    choice = body.get("function_call", "auto")
    if isinstance(choice, Mapping):
        chosen = [f for f in functions if f.get("name") == choice.get("name")][:1]
    else:
        chosen = [functions[rng.randrange(len(functions))]]
    if not chosen:
        return None
    index = next(i for i, offered in enumerate(functions) if offered is chosen[0])
    value = _arguments(chosen[0].get("parameters"), rng, budget, lambda: function_place(body, index))
    return ToolCallDraft(str(chosen[0].get("name")), json.dumps(value, separators=(",", ":")))
