"""The seeded answer's tool decision: whether it calls tools (or a legacy function), which, and with
what arguments.

Everything is drawn from the choice's random generator, in a fixed order, so the same request
always makes the same calls; the arguments are generated from each tool's parameters schema.

Parallel calls (``parallel_tool_calls`` not false, ``tool_choice`` auto or required): a prompt that
names two or more of the tools calls each of them once; a prompt that lists two or more things
("weather in Paris, Tokyo and Rome", or in lowercase after a preposition: "weather in paris, tokyo
and rome") calls the chosen tool once per thing, the thing written (as a capitalised name) into the
arguments' first plain string property.  With ``parallel_tool_calls: false``, one call at most.
"""

from __future__ import annotations

import json
import random
import re
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
        if not _mentioned(body, tools) and rng.random() < 0.5:
            return []
        chosen = _pick_tools(body, tools, rng)
    if forced is None and body.get("parallel_tool_calls", True) is not False:
        several = _several_calls(body, tools, chosen)
        if several:
            return [_draft_call(body, t, rng, budget, subject) for t, subject in several]
    # One call about one named thing ("the weather in Paris"): the thing is its argument.
    subject = named_thing(last_user_text(body.get("messages")) or "") if len(chosen) == 1 else None
    return [_draft_call(body, t, rng, budget, subject) for t in chosen]


def _mentioned(body: Mapping[str, Any], tools: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The tools a part of whose name (split at ``_``) the last user message contains."""
    asked = (last_user_text(body.get("messages")) or "").lower()
    return [t for t in tools if any(part and part in asked for part in (tool_name(t) or "").lower().split("_"))]


def _named_distinctly(body: Mapping[str, Any], tools: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The tools the last user message names by a part no other offered tool has ("weather" in
    get_weather beside get_time; not the shared "get")."""
    asked = (last_user_text(body.get("messages")) or "").lower()
    parts = [{p for p in (tool_name(t) or "").lower().split("_") if len(p) >= 3} for t in tools]
    named = []
    for i, tool in enumerate(tools):
        others = set().union(*(p for j, p in enumerate(parts) if j != i))
        if any(part in asked for part in parts[i] - others):
            named.append(tool)
    return named


_ITEM = r"[A-Z][\w'-]*(?: [A-Z][\w'-]*){0,2}"
_LIST = re.compile(rf"({_ITEM})((?:\s*,\s*{_ITEM})*)\s*,?\s+(?:and|&)\s+({_ITEM})")
_MAX_PARALLEL = 8
# Capitalised words that open a request rather than name a thing.
_OPENERS = frozenset(
    [
        "compare",
        "what",
        "which",
        "how",
        "is",
        "are",
        "tell",
        "check",
        "find",
        "get",
        "show",
        "list",
        "give",
        "please",
        "look",
        "book",
        "search",
        "call",
    ]
)


# A lowercase list follows a preposition ("weather in paris, tokyo and rome"), so that "the weather
# and the time" is not taken for a list of things; each item ends at the first word of _ENDS.
_WORD = r"[a-z][\w'-]*"
_LOWER_ITEM = rf"{_WORD}(?: {_WORD}){{0,2}}"
_LOWER_LIST = re.compile(
    rf"\b(?:in|for|at|of|about|on)\s+({_LOWER_ITEM})((?:\s*,\s*{_LOWER_ITEM})*)\s*,?\s+(?:and|&)\s+({_LOWER_ITEM})"
)
_ENDS = frozenset(
    [
        "and",
        "or",
        "the",
        "a",
        "an",
        "in",
        "for",
        "at",
        "of",
        "on",
        "to",
        "please",
        "today",
        "tonight",
        "tomorrow",
        "now",
        "right",
        "this",
        "next",
        "currently",
    ]
)


def listed_things(text: str) -> list[str]:
    """The things a prompt lists: "Paris, Tokyo and Rome" -> ["Paris", "Tokyo", "Rome"]; a lowercase
    list after a preposition is capitalised as a name is: "in new york and rome" -> ["New York", "Rome"]."""
    match = _LIST.search(text)
    if match is None:
        return _lowercase_things(text)
    middle = [part.strip() for part in match.group(2).split(",") if part.strip()]
    first = match.group(1)
    opener, _, rest = first.partition(" ")
    if rest and opener.lower() in _OPENERS:  # "Compare Apples, Pears and Plums"
        first = rest
    things = [first, *middle, match.group(3)]
    return list(dict.fromkeys(things))[:_MAX_PARALLEL]


_NAMED_THING = re.compile(rf"\b(?:in|for|at|near|from|about)\s+({_ITEM})")


def named_thing(text: str) -> str | None:
    """The one thing a prompt names after a preposition, as a name is written: "What is the
    weather in Paris?" -> "Paris", "flights from New York" -> "New York"; None when it names none."""
    match = _NAMED_THING.search(text)
    if match is None:
        return None
    words = match.group(1).split(" ")
    while words and words[-1].lower() in _ENDS:
        words.pop()
    return " ".join(words) or None


def _lowercase_things(text: str) -> list[str]:
    match = _LOWER_LIST.search(text)
    if match is None:
        return []
    items = [match.group(1), *match.group(2).split(","), match.group(3)]
    things = []
    for item in items:
        words = []
        for word in item.split():
            if word in _ENDS:
                break
            words.append(word)
        if words:
            things.append(" ".join(w[:1].upper() + w[1:] for w in words))
    return list(dict.fromkeys(things))[:_MAX_PARALLEL] if len(things) >= 2 else []


def _several_calls(
    body: Mapping[str, Any], tools: list[Mapping[str, Any]], chosen: list[Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], str | None]]:
    """The parallel calls the prompt asks for (tool, thing), or [] when it asks for one."""
    named = _named_distinctly(body, tools)
    if len(named) >= 2:
        return [(t, None) for t in named[:_MAX_PARALLEL]]
    mentioned = _mentioned(body, tools)
    things = listed_things(last_user_text(body.get("messages")) or "")
    if len(things) < 2 or not chosen:
        return []
    tool = mentioned[0] if mentioned else chosen[0]
    return [(tool, thing) for thing in things]


def _pick_tools(body: Mapping[str, Any], tools: list[Mapping[str, Any]], rng: random.Random) -> list[Mapping[str, Any]]:
    named = _named_distinctly(body, tools)
    if len(named) == 1:  # the prompt names one of the tools ("use get_weather for Paris"): that one
        return named
    first = rng.randrange(len(tools))
    picked = [tools[first]]
    if body.get("parallel_tool_calls", True) is not False and len(tools) > 1 and rng.random() < 0.3:
        picked.append(tools[(first + 1 + rng.randrange(len(tools) - 1)) % len(tools)])
    return picked


def _draft_call(
    body: Mapping[str, Any],
    tool: Mapping[str, Any],
    rng: random.Random,
    budget: jsongen.WorkBudget,
    subject: str | None = None,
) -> ToolCallDraft:
    name = tool_name(tool) or ""
    if tool.get("type") == "custom":
        return ToolCallDraft(name, subject or textgen.sentence(rng), kind="custom")
    function = tool.get("function") or {}
    index = next(i for i, offered in enumerate(body["tools"]) if offered is tool)
    value = _arguments(function.get("parameters"), rng, budget, lambda: tool_place(body, index))
    if subject is not None:
        _write_subject(value, function.get("parameters"), subject)
    return ToolCallDraft(name, json.dumps(value, separators=(",", ":"), ensure_ascii=False))


_PLAIN_STRING_KEYS = frozenset({"type", "description", "title", "maxLength", "minLength"})


def _write_subject(value: Any, parameters: Any, subject: str) -> None:
    """Put ``subject`` in the first generated property whose schema is a plain string it satisfies."""
    if not isinstance(value, dict) or not isinstance(parameters, Mapping):
        return
    properties = parameters.get("properties")
    if not isinstance(properties, Mapping):
        return
    for key, schema in properties.items():
        if key not in value or not isinstance(schema, Mapping) or schema.get("type") != "string":
            continue
        if not set(schema) <= _PLAIN_STRING_KEYS:
            continue
        length = len(subject)
        if length < int(schema.get("minLength", 0)) or length > int(schema.get("maxLength", length)):
            continue
        value[key] = subject
        return


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
