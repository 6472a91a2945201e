"""Offered tools as the model reads them (mockai.generate.tool_prompt): the text their prompt
tokens are counted from."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate.tokenizer import count_tokens, offered_tools_tokens
from mockai.generate.tool_prompt import tools_text

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city, e.g. Paris"},
                "unit": {"type": "string", "enum": ["c", "f"]},
                "days": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["location"],
        },
    },
}


def test_a_function_is_a_declaration_in_the_functions_namespace() -> None:
    assert tools_text([WEATHER]) == (
        "namespace functions {\n\n"
        "// Get the current weather\n"
        "type get_weather = (_: {\n"
        "// The city, e.g. Paris\n"
        "location: string,\n"
        'unit?: "c" | "f",\n'
        "days?: number[],\n"
        "}) => any;\n\n"
        "} // namespace functions"
    )


def test_nested_objects_unions_references_and_no_parameters() -> None:
    nested = {
        "name": "book",
        "parameters": {
            "type": "object",
            "properties": {
                "who": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "description": "Full name"}},
                    "required": ["name"],
                },
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
                "when": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "place": {"$ref": "#/$defs/Place"},
                "kind": {"type": ["string", "integer"]},
            },
            "required": ["who", "tags", "when", "place", "kind"],
        },
    }
    text = tools_text(None, [nested, {"name": "ping"}])
    assert "who: {\n  // Full name\n  name: string,\n},\n" in text
    assert 'tags: ("a" | "b")[],\n' in text
    assert "when: string | null,\n" in text and "place: Place,\n" in text and "kind: string | number,\n" in text
    assert "type ping = () => any;" in text


def test_a_tool_that_is_not_a_function_is_its_json() -> None:
    custom = {"type": "custom", "custom": {"name": "sql", "description": "Runs SQL"}}
    assert tools_text([custom]) == '{"type":"custom","custom":{"name":"sql","description":"Runs SQL"}}'
    assert tools_text([WEATHER, custom]).endswith(
        '} // namespace functions\n\n{"type":"custom","custom":{"name":"sql","description":"Runs SQL"}}'
    )


def test_far_fewer_tokens_than_the_json_as_the_real_api_bills() -> None:
    import json

    assert offered_tools_tokens([WEATHER]) == count_tokens(tools_text([WEATHER]))
    assert offered_tools_tokens([WEATHER]) < 0.6 * count_tokens(json.dumps([WEATHER], separators=(",", ":")))
    assert offered_tools_tokens() == 0 == offered_tools_tokens([], [])


def test_a_schema_nested_deeper_than_anything_renders() -> None:
    deep: Any = {"type": "string"}
    for _ in range(3000):
        deep = {"type": "object", "properties": {"x": deep}}
    tool = {"type": "function", "function": {"name": "deep", "parameters": deep}}
    assert "any" in tools_text([tool])
    assert offered_tools_tokens([tool]) > 0
    odd: Any = [1]
    for _ in range(3000):
        odd = [odd]
    assert offered_tools_tokens([{"type": "custom", "custom": odd}]) > 0  # (json's recursion: counted anyway)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)
tool_like = st.fixed_dictionaries(
    {
        "type": st.just("function"),
        "function": st.dictionaries(st.sampled_from(["name", "description", "parameters"]), json_values),
    }
)


@settings(max_examples=300, deadline=None)
@given(tools=st.lists(tool_like | json_values, max_size=4) | json_values, functions=json_values)
def test_any_json_offered_is_counted_without_error(tools: Any, functions: Any) -> None:
    count = offered_tools_tokens(tools, functions)
    assert count >= 0
    assert offered_tools_tokens(tools, functions) == count  # (remembered, the same)
