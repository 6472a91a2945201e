"""Hypothesis strategies for valid Chat Completions requests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

words = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)

leaf_schemas = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "integer", "minimum": 0, "maximum": 100}),
    st.just({"type": "number"}),
    st.just({"type": "boolean"}),
    st.just({"type": "string", "enum": ["red", "green", "blue"]}),
    st.just({"type": ["string", "null"]}),
    st.just({"type": "string", "format": "date"}),
)


def object_schema(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(names, children, min_size=1, max_size=4).map(
        lambda props: {
            "type": "object",
            "properties": props,
            "required": sorted(props),
            "additionalProperties": False,
        }
    )


schemas = st.recursive(
    leaf_schemas,
    lambda children: (
        object_schema(children) | children.map(lambda s: {"type": "array", "items": s, "minItems": 1, "maxItems": 3})
    ),
    max_leaves=8,
)
object_schemas = object_schema(schemas)

tools = st.lists(
    st.builds(
        lambda name, params: {"type": "function", "function": {"name": name, "parameters": params}},
        names,
        object_schemas,
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda t: t["function"]["name"],
)


@st.composite
def chat_requests(draw: st.DrawFn) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": draw(st.sampled_from(["system", "developer"])), "content": draw(words)})
    messages.append({"role": "user", "content": draw(words)})
    body: dict[str, Any] = {
        "model": draw(st.sampled_from(["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo", "gpt-5-nano", "my-model"])),
        "messages": messages,
    }
    if draw(st.booleans()):
        body["seed"] = draw(st.integers(0, 2**31))
    if draw(st.booleans()):
        body["n"] = draw(st.integers(1, 3))
    # What the real API accepts for the model (issue 12): reasoning models take max_completion_tokens
    # and no logprobs.
    reasoning = body["model"].startswith("gpt-5")
    if draw(st.booleans()):
        body["max_completion_tokens" if reasoning else "max_tokens"] = draw(st.integers(1, 40))
    if not reasoning and draw(st.booleans()):
        body["logprobs"] = True
        if draw(st.booleans()):
            body["top_logprobs"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        body["stop"] = draw(st.lists(st.sampled_from([".", " the", "a", "\n"]), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["text", "tools", "json_schema", "json_object"]))
    if kind == "tools":
        body["tools"] = draw(tools)
        body["tool_choice"] = draw(st.sampled_from(["auto", "required", "none"]))
        if draw(st.booleans()):
            body["parallel_tool_calls"] = draw(st.booleans())
    elif kind == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": draw(object_schemas), "strict": True},
        }
    elif kind == "json_object":
        body["response_format"] = {"type": "json_object"}
        messages[-1]["content"] += " (json)"  # the real API wants the word json in the messages
    return body
