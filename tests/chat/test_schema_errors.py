"""Issue 15, findings 1 and 3: a bad JSON Schema in ``response_format`` or a function's
``parameters`` is the real API's 400 (never a 500), checked when the request is validated as the
real API checks it; and an invalid value nested as deep as the JSON parser accepts is described
with its proper 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mockai.chat.schema_rules import MAX_PATTERN_CHARS, MAX_SCHEMA_DEPTH, MAX_SCHEMA_VALUES
from mockai.chat.schema_strict import strict_fault
from mockai.chat.schema_syntax import syntax_fault
from mockai.chat.schema_walk import subschemas
from mockai.server.runner import ServerThread
from tests.support.bodies import chat, weather_tool
from tests.support.clients import post_chat

RF_PARAM = "response_format"
TOOL_PARAM = "tools[0].function.parameters"


def with_format(schema: Any, *, strict: bool = True, name: str = "answer", **extra: Any) -> dict[str, Any]:
    spec = {"name": name, "strict": strict, "schema": schema}
    return chat("Describe it", "gpt-4o", response_format={"type": "json_schema", "json_schema": spec}, **extra)


def with_tool(schema: Any, *, strict: bool = True, name: str = "get_data", **extra: Any) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": name, "strict": strict, "parameters": schema}}
    return chat("use get_data", "gpt-4o", tools=[tool], tool_choice="required", **extra)


def refusal(server: ServerThread, body: Any) -> dict[str, Any]:
    """The error of a 400 answer (anything else fails the test)."""
    response = post_chat(server.base_url, body)
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    return error


def assert_format_error(server: ServerThread, schema: Any, detail: str, *, strict: bool = True) -> None:
    error = refusal(server, with_format(schema, strict=strict))
    assert (error["code"], error["param"]) == ("invalid_json_schema", RF_PARAM)
    assert error["message"] == f"Invalid schema for response_format 'answer': {detail}"


def assert_tool_error(server: ServerThread, schema: Any, detail: str, *, strict: bool = True) -> None:
    error = refusal(server, with_tool(schema, strict=strict))
    assert (error["code"], error["param"]) == ("invalid_function_parameters", TOOL_PARAM)
    assert error["message"] == f"Invalid schema for function 'get_data': {detail}"


def closed(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A strict-mode object: every property required, no other property allowed."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False,
            **extra}  # fmt: skip


# --- the issue's examples: each a 400, never a 500 -------------------------------------------------

ISSUE_EXAMPLES: list[tuple[Any, bool, str]] = [
    (
        {"type": "object", "required": ["a"], "additionalProperties": False},
        False,
        "In context=(), the required property 'a' is not in 'properties' and 'additionalProperties' is false, "
        "so no value satisfies the schema.",
    ),
    (
        {"type": "object", "required": ["a"], "additionalProperties": False},
        True,
        "In context=(), object schema missing properties.",
    ),
    (
        closed({"a": {"type": "string"}}, required=["a", "b"]),
        True,
        "In context=(), 'required' is required to be supplied and to be an array including every key in "
        "properties. Extra required key 'b' supplied.",
    ),
    (
        closed({"a": {"type": "string", "enum": []}}),
        True,
        "In context=('properties', 'a'), 'enum' is empty, so no value satisfies the schema.",
    ),
    (
        {"type": "object", "properties": {"a": {"type": "string", "minLength": 10, "maxLength": 2}}, "required": ["a"]},
        False,
        "In context=('properties', 'a'), 'minLength' (10) is greater than 'maxLength' (2), so no value "
        "satisfies the schema.",
    ),
    (closed({"a": {"type": "string", "pattern": "["}}), True, "'[' is not a 'regex'."),
    (
        closed({"a": {"$ref": "#/$defs/missing"}}),
        True,
        "In context=('properties', 'a'), reference '#/$defs/missing' cannot be resolved within the schema.",
    ),
    ({"type": "object", "properties": {}, "required": ""}, False, "'' is not of type 'array'."),
    (
        {"type": "object", "properties": {"a": {"type": "string", "minLength": 1_200_000}}, "required": ["a"]},
        False,
        "In context=('properties', 'a'), 'minLength' (1200000) asks for a value longer than a completion can be "
        "(65536 characters).",
    ),
]


@pytest.mark.parametrize(("schema", "strict", "detail"), ISSUE_EXAMPLES, ids=lambda v: json.dumps(v)[:40])
def test_the_issue_examples_are_the_real_apis_400(fresh: ServerThread, schema: Any, strict: bool, detail: str) -> None:
    assert_format_error(fresh, schema, detail, strict=strict)
    assert_tool_error(fresh, schema, detail, strict=strict)


def test_the_recorded_strict_error_is_reproduced_byte_for_byte(fresh: ServerThread) -> None:
    """[R:32] (responses/api_behaviour.md §6a), on chat: the tool the recording sent."""
    parameters = {
        "properties": {
            "location": {"title": "Location", "type": "string"},
            "unit": {"default": "fahrenheit", "title": "Unit", "type": "string"},
        },
        "required": ["location"],
        "additionalProperties": False,
        "type": "object",
    }
    error = refusal(fresh, with_tool(parameters, name="get_current_weather"))
    assert error == {
        "message": "Invalid schema for function 'get_current_weather': In context=(), 'required' is required to be "
        "supplied and to be an array including every key in properties. Missing 'unit'.",
        "type": "invalid_request_error",
        "param": TOOL_PARAM,
        "code": "invalid_function_parameters",
    }


# --- strict mode: the rules and limits of Structured Outputs ---------------------------------------

STRICT_RULES: list[tuple[Any, str]] = [
    ({"type": "array", "items": {"type": "string"}}, "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'."),
    ({"anyOf": [closed({})]}, "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'."),
    (closed({"a": {"description": "no type"}}), "In context=('properties', 'a'), schema must have a 'type' key."),
    (closed({"a": {"const": "fact"}}), "In context=('properties', 'a'), schema must have a 'type' key."),
    (closed({"a": {"type": "object", "properties": {}}}), "In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false."),
    (closed({"a": {"type": "array"}}), "In context=('properties', 'a'), array schema missing items."),
    (closed({"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}), "In context=('properties', 'tags'), 'uniqueItems' is not permitted."),
    (closed({"a": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}), "In context=('properties', 'a'), 'oneOf' is not permitted."),
    (closed({"a": {"type": "string"}}, allOf=[{"required": ["a"]}]), "In context=(), 'allOf' is not permitted."),
    (
        closed({"items": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": False}}}),
        "In context=('properties', 'items', 'items'), 'required' is required to be supplied and to be an array "
        "including every key in properties. Missing 'x'.",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "detail"), STRICT_RULES, ids=lambda v: json.dumps(v)[:40])
def test_strict_mode_rules(fresh: ServerThread, schema: Any, detail: str) -> None:
    assert_format_error(fresh, schema, detail)
    assert_tool_error(fresh, schema, detail)


def _nested(levels: int) -> dict[str, Any]:
    schema = closed({"leaf": {"type": "string"}})
    for _ in range(levels - 1):
        schema = closed({"child": schema})
    return schema


def test_strict_mode_limits(fresh: ServerThread) -> None:
    fresh.renew()
    post_chat(fresh.base_url, with_format(_nested(10))).raise_for_status()
    assert_format_error(fresh, _nested(11), "11 levels of nesting exceeds limit of 10.")
    # 5,001 properties hold more JSON values than mockai checks (MAX_SCHEMA_VALUES): the API's own
    # words for them are checked without a server.
    many = closed({f"p{i}": {"type": "string"} for i in range(5001)})
    assert strict_fault(many, list(subschemas(many))) == (
        "Expected at most 5000 object properties in total, but received 5001."
    )
    detail = f"In context=(), the request's schemas hold more JSON values than mockai's limit of {MAX_SCHEMA_VALUES}."
    assert_format_error(fresh, many, detail)
    enums = {f"e{i}": {"type": "string", "enum": [str(j) for j in range(250)]} for i in range(5)}
    assert_format_error(fresh, closed(enums), "Expected at most 1000 enum values in total, but received 1250.")
    large = closed({"e": {"type": "string", "enum": [f"{j:060d}" for j in range(251)]}})
    assert_format_error(
        fresh,
        large,
        "In context=('properties', 'e'), expected at most 15000 characters in total for the values of an enum with "
        "more than 250 values, but received 15060.",
    )
    names = {"n" * 1000 + str(i): {"type": "string"} for i in range(121)}
    assert_format_error(
        fresh,
        closed(names),
        "Expected at most 120000 characters in total for property names, definition names, enum values and const "
        f"values, but received {sum(map(len, names))}.",
    )


def test_valid_strict_schemas_still_answer(fresh: ServerThread) -> None:
    """What the SDK's pydantic helper sends: $defs, $ref, nullable anyOf, titles and descriptions."""
    place = closed({"city": {"type": "string", "title": "City"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}})
    schema = closed(
        {
            "name": {"type": "string", "description": "Who"},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "tags": {"type": "array", "items": {"type": "string", "format": "email"}, "maxItems": 3},
            "home": {"anyOf": [{"$ref": "#/$defs/Place"}, {"type": "null"}]},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "size": {"type": "string", "maxLength": 8},
        },
        **{"$defs": {"Place": place}, "title": "Person"},
    )
    for body in (with_format(schema), with_tool(schema)):
        response = post_chat(fresh.base_url, body)
        assert response.status_code == 200, response.text


# --- every schema, strict or not: well formed, as Python's jsonschema says it ------------------------

WELL_FORMEDNESS: list[tuple[Any, str]] = [
    ({"type": "banana"}, "'banana' is not valid under any of the given schemas."),
    ({"type": "object", "properties": {"x": []}}, "[] is not of type 'object', 'boolean'."),
    ({"type": "object", "properties": {"x": {"type": "string", "minLength": -1}}}, "-1 is less than the minimum of 0."),
    ({"type": "object", "required": ["a", "a"], "properties": {"a": {}}}, "['a', 'a'] has non-unique elements."),
    ({"type": "object", "anyOf": []}, "[] should be non-empty."),
    ({"type": "object", "properties": {"x": {"pattern": r"^\p{L}+$"}}}, "'^\\\\p{L}+$' is not a 'regex'."),
    ({"type": "object", "patternProperties": {"(?<name>x)": {}}}, "'(?<name>x)' is not a 'regex'."),
    ({"type": "object", "properties": {"x": {"multipleOf": 0}}}, "0 is less than or equal to the minimum of 0."),
]


@pytest.mark.parametrize(("schema", "detail"), WELL_FORMEDNESS, ids=lambda v: json.dumps(v)[:40])
def test_ill_formed_schemas_get_pythons_jsonschema_message(fresh: ServerThread, schema: Any, detail: str) -> None:
    assert_format_error(fresh, schema, detail, strict=False)
    assert_tool_error(fresh, schema, detail, strict=False)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "[", "string", "object", "^x$"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=2)
    ),
    max_leaves=6,
)
KEYWORDS = ["type", "properties", "required", "items", "anyOf", "enum", "pattern", "minLength", "maximum",
            "multipleOf", "patternProperties", "$defs", "prefixItems", "uniqueItems", "title", "$anchor", "not"]  # fmt: skip
schemas = st.recursive(
    st.dictionaries(st.sampled_from(KEYWORDS), json_values, max_size=3),
    lambda children: st.dictionaries(st.sampled_from(KEYWORDS), children | json_values, max_size=3),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(schema=schemas)
def test_the_first_fault_is_the_one_pythons_check_schema_reports(schema: dict[str, Any]) -> None:
    """The real API words a malformed schema as Python's ``check_schema`` does: the same first error."""
    validator = Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    reported = [error.message for error in validator.iter_errors(schema)]
    found = syntax_fault(schema)
    if not reported:
        assert found is None
    elif found != reported[0]:
        # Python checks the members of a map (``properties``…) in the order of a set of their names,
        # which changes with PYTHONHASHSEED: then any of the errors it reports is its first.
        assert found in reported, (found, reported)


# --- references and mockai's own limits ----------------------------------------------------------


def test_references_must_resolve_within_the_schema(fresh: ServerThread) -> None:
    for ref in ("#/$defs/missing", "#nowhere", "https://example.com/schema.json", "#/properties/a/type"):
        schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"$ref": ref}}}
        detail = f"In context=('properties', 'b'), reference '{ref}' cannot be resolved within the schema."
        assert_tool_error(fresh, schema, detail, strict=False)
    anchored = {"type": "object", "properties": {"b": {"$ref": "#thing"}}, "$defs": {"t": {"$anchor": "thing"}}}
    assert post_chat(fresh.base_url, with_tool(anchored, strict=False)).status_code == 200


def test_mockai_limits_are_400s_that_say_so(fresh: ServerThread) -> None:
    deep: Any = {"type": "string"}
    for _ in range(MAX_SCHEMA_DEPTH):
        deep = {"type": "array", "items": deep}
    detail = f"In context=(), the schema nests deeper than mockai's limit of {MAX_SCHEMA_DEPTH} levels."
    assert_tool_error(fresh, deep, detail, strict=False)
    long_pattern = {"type": "object", "properties": {"a": {"type": "string", "pattern": "a" * (MAX_PATTERN_CHARS + 1)}}}
    detail = f"In context=('properties', 'a', 'pattern'), the pattern is longer than mockai's limit of {MAX_PATTERN_CHARS} characters."
    assert_format_error(fresh, long_pattern, detail, strict=False)


# --- schemas the generator cannot answer after all: the same 400, when answering ------------------


def test_a_schema_the_generator_cannot_answer_is_a_400_when_answering(fresh: ServerThread) -> None:
    endless = {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}
    error = refusal(fresh, with_tool(endless, strict=False))
    assert (error["code"], error["param"]) == ("invalid_function_parameters", TOOL_PARAM)
    assert error["message"].startswith("Invalid schema for function 'get_data': In context=('properties', 'next', ")
    assert error["message"].endswith(
        "'properties', 'next'), mockai cannot generate a value for it: the schema's recursion has no finite base case."
    )
    huge = {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}, "minItems": 30_000}},
            "required": ["a"]}  # fmt: skip
    error = refusal(fresh, with_format(huge, strict=False))
    assert error["code"] == "invalid_json_schema"
    assert error["message"] == (
        "Invalid schema for response_format 'answer': In context=(), mockai cannot generate a value for it: it is "
        "too complex to generate a value for within mockai's work budget."
    )


def test_a_legacy_function_is_named_by_its_place(fresh: ServerThread) -> None:
    function = {"name": "lookup", "parameters": {"type": "object", "required": ""}}
    error = refusal(fresh, chat("hi", "gpt-4o", functions=[weather_tool()["function"], function]))
    assert (error["code"], error["param"]) == ("invalid_function_parameters", "functions[1].parameters")
    assert error["message"] == "Invalid schema for function 'lookup': '' is not of type 'array'."


# --- finding 3: an invalid value nested as deep as the parser accepts ----------------------------------


def _deep(depth: int) -> str:
    """JSON text of ``"x"`` in ``depth`` objects and arrays, alternating (too deep for json.dumps here)."""
    opening = "".join("[" if i % 2 else '{"a":' for i in reversed(range(depth)))
    closing = "".join("]" if i % 2 else "}" for i in range(depth))
    return opening + '"x"' + closing


def _error_of(server: ServerThread, text: str) -> dict[str, Any]:
    response = post_chat(server.base_url, content=text.encode(), headers=_json_headers())
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize("depth", [250, 300, 900])
def test_a_deeply_nested_invalid_value_gets_its_proper_400(fresh: ServerThread, depth: int) -> None:
    content = _error_of(fresh, '{"model":"gpt-4o","messages":[{"role":"user","content":' + _deep(depth) + "}]}")
    assert content["message"] == "Missing required parameter: 'messages[0].content[0].type'."
    role = _error_of(fresh, '{"model":"gpt-4o","messages":[{"role":' + _deep(depth) + ',"content":"hi"}]}')
    assert role["param"] == "messages[0].role"
    assert role["message"].startswith("Invalid type for 'messages[0].role': expected one of 'system'")


def test_deep_json_anywhere_is_answered_and_the_parsers_own_limit_stays_invalid_json(fresh: ServerThread) -> None:
    nested = "[" * 900 + "]" * 900
    extra = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi","x":' + nested + "}]}"
    response = post_chat(fresh.base_url, content=extra.encode(), headers=_json_headers())
    assert response.status_code == 200, response.text
    too_deep = '{"model":"gpt-4o","messages":[{"role":"user","content":' + "[" * 5000 + "]" * 5000 + "}]}"
    response = post_chat(fresh.base_url, content=too_deep.encode(), headers=_json_headers())
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("We could not parse the JSON body of your request.")


def _json_headers() -> dict[str, str]:
    from tests.support.clients import AUTH

    return {**AUTH, "Content-Type": "application/json"}


def test_a_remembered_schema_still_counts_toward_the_requests_limits(fresh: ServerThread) -> None:
    """A schema's verdict is remembered (a load test sends the same tools on every request), but
    the limits are the request's: seven tools of the same remembered schema (1,603 JSON values
    each) hold more than a request may, as they did before the schema was remembered."""
    fresh.renew()
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(800)}}
    one = [{"type": "function", "function": {"name": "t0", "parameters": schema}}]
    for _ in range(3):  # seen, then remembered
        post_chat(fresh.base_url, chat("use t0", "gpt-4o", tools=one)).raise_for_status()
    seven = [{"type": "function", "function": {"name": f"t{i}", "parameters": schema}} for i in range(7)]
    detail = f"In context=(), the request's schemas hold more JSON values than mockai's limit of {MAX_SCHEMA_VALUES}."
    for _ in range(2):
        error = refusal(fresh, chat("use t0", "gpt-4o", tools=seven))
        assert error["message"] == f"Invalid schema for function 't6': {detail}"
        assert (error["code"], error["param"]) == ("invalid_function_parameters", "tools[6].function.parameters")
    faulty = {"type": "object", "properties": {"a": {"type": "strng"}}}
    for _ in range(2):  # a remembered fault is the fault
        assert refusal(fresh, with_tool(faulty, strict=False))["param"] == TOOL_PARAM
