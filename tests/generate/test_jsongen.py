"""mockai.generate.jsongen.generator: values generated for a schema validate against it, deterministically."""

from __future__ import annotations

import datetime
import ipaddress
import json
import random
import subprocess
import sys
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator

from mockai.generate.jsongen.generator import UnsatisfiableSchema, first_error, generate, is_valid
from tests.support.bodies import math_schema


def assert_valid(schema: Any, value: Any) -> None:
    """Valid for the reference implementation (formats checked) and for jsonschema_rs (formats too)."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert not errors, (errors, value)
    assert first_error(schema, value) is None, (first_error(schema, value), value)


def gen(schema: Any, seed: int = 0, **kwargs: Any) -> Any:
    return generate(schema, random.Random(seed), **kwargs)


# ---------------------------------------------------------------------------------------------------
# A strategy for schemas of the supported subset (always satisfiable)
# ---------------------------------------------------------------------------------------------------

FORMATS = ["date", "date-time", "time", "email", "uuid", "hostname", "ipv4", "ipv6", "uri", "duration"]
PATTERNS = [
    r"^[a-z]{3,8}$",
    r"^\d{3}-\d{4}$",
    r"^[A-Z][a-z]+$",
    r"^(red|green|blue)$",
    r"^[a-f0-9]{8}$",
    r"^\w+@\w+\.com$",
    r"ab+c",
    r"^[^@\s]+$",
    r"^(?:\+1)?\d{10}$",
    r"^[A-Z]{2,3}-\d+$",
    r"^v\d+\.\d+\.\d+$",
    r"^#[0-9a-fA-F]{6}$",
]
PROPERTY_NAMES = [
    "id", "name", "city", "location", "email", "count", "price", "tags", "note", "enabled", "createdAt",
    "first_name", "homepage", "country", "score", "items", "$ref", "enum",
]  # fmt: skip
DEF_NAMES = ["Thing", "a/b", "x~y", "Other Name", "p%q"]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.sampled_from([0.5, 2.25, -7.125]),
    st.text(alphabet="abcxyz -", max_size=8),
)


def pointer_token(name: str) -> str:
    escaped = name.replace("~", "~0").replace("/", "~1")
    return escaped.replace("%", "%25").replace(" ", "%20")


@st.composite
def integer_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    multiple = draw(st.sampled_from([None, None, 2, 3, 5, 10]))
    if multiple is not None:
        schema["multipleOf"] = multiple
    lo = draw(st.none() | st.integers(-1000, 1000))
    if lo is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = lo
    if draw(st.booleans()):
        base = -1000 if lo is None else lo
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = base + draw(
            st.integers(2 * (multiple or 1) + 2, 500)
        )
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    multiple = draw(st.sampled_from([None, None, 0.5, 0.25, 0.1, 2.5]))
    width = 1.0
    if multiple is not None:
        schema["multipleOf"] = multiple
        width = 40 * multiple
    lo = draw(st.none() | st.floats(-1000, 1000, allow_nan=False))
    if lo is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = lo
    if draw(st.booleans()):
        base = -1000.0 if lo is None else lo
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = base + draw(st.floats(width, 1000))
    return schema


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "format", "pattern"]))
    if kind == "format":
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if kind == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    schema: dict[str, Any] = {"type": "string"}
    lo = draw(st.integers(0, 20))
    if lo:
        schema["minLength"] = lo
    if draw(st.booleans()):
        schema["maxLength"] = lo + draw(st.integers(0, 20))
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("type"), str) and schema["type"] != "null" and "enum" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


leaves = st.one_of(
    integer_schemas(),
    number_schemas(),
    string_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.just({}),
    st.lists(json_scalars, min_size=1, max_size=5, unique_by=lambda v: json.dumps(v)).map(lambda e: {"enum": e}),
    json_scalars.map(lambda c: {"const": c}),
    st.just({"const": {"kind": "fixed", "n": [1, 2]}}),
)


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    @st.composite
    def objects(draw: st.DrawFn) -> dict[str, Any]:
        props = draw(st.dictionaries(st.sampled_from(PROPERTY_NAMES), children, max_size=4))
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if draw(st.booleans()):  # Structured Outputs style
            schema["required"] = list(props)
            schema["additionalProperties"] = False
        else:
            schema["required"] = [k for k in props if draw(st.booleans())]
            if draw(st.booleans()):
                schema["minProperties"] = draw(st.integers(0, len(props) + 1))
        return schema

    @st.composite
    def arrays(draw: st.DrawFn) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": draw(children)}
        lo = draw(st.integers(0, 3))
        if lo:
            schema["minItems"] = lo
        if draw(st.booleans()):
            schema["maxItems"] = lo + draw(st.integers(0, 3))
        if lo <= 1 and draw(st.booleans()):
            schema["uniqueItems"] = True
        return schema

    @st.composite
    def tuples(draw: st.DrawFn) -> dict[str, Any]:
        prefix = draw(st.lists(children, min_size=1, max_size=3))
        schema: dict[str, Any] = {"type": "array", "prefixItems": prefix}
        schema["items"] = draw(st.just(False) | children)
        schema["minItems"] = draw(st.integers(0, len(prefix)))
        return schema

    @st.composite
    def tagged_unions(draw: st.DrawFn) -> dict[str, Any]:
        branches = []
        for i in range(draw(st.integers(2, 3))):
            props = {
                "kind": {"const": f"kind{i}"},
                **draw(st.dictionaries(st.sampled_from(["x", "y"]), children)),
            }
            branches.append(
                {
                    "type": "object",
                    "properties": props,
                    "required": list(props),
                    "additionalProperties": False,
                }
            )
        return {"oneOf": branches}

    @st.composite
    def typed_unions(draw: st.DrawFn) -> dict[str, Any]:
        kinds = draw(st.lists(st.sampled_from(["s", "i", "b", "n"]), min_size=2, max_size=4, unique=True))
        table: dict[str, st.SearchStrategy[dict[str, Any]]] = {
            "s": string_schemas(),
            "i": integer_schemas(),
            "b": st.just({"type": "boolean"}),
            "n": st.just({"type": "null"}),
        }
        return {"oneOf": [draw(table[k]) for k in kinds]}

    @st.composite
    def all_ofs(draw: st.DrawFn) -> dict[str, Any]:
        a = draw(st.dictionaries(st.sampled_from(["a1", "a2"]), children, min_size=1))
        b = draw(st.dictionaries(st.sampled_from(["b1", "b2"]), children, min_size=1))
        return {
            "allOf": [
                {"type": "object", "properties": a, "required": list(a)},
                {"properties": b, "required": [k for k in b if draw(st.booleans())]},
            ]
        }

    return st.one_of(
        objects(),
        arrays(),
        tuples(),
        st.lists(children, min_size=1, max_size=3).map(lambda bs: {"anyOf": bs}),
        children.map(nullable),
        tagged_unions(),
        typed_unions(),
        all_ofs(),
        st.just({"allOf": [{"type": "integer", "minimum": 0}, {"maximum": 50}, {"multipleOf": 5}]}),
    )


REFS = [{"$ref": f"#/$defs/{pointer_token(name)}"} for name in DEF_NAMES]
DEF_BODIES = st.recursive(leaves, extend, max_leaves=2)
TREES = st.recursive(st.one_of(leaves, st.sampled_from(REFS)), extend, max_leaves=5)
NODE = {  # a recursive definition with base cases: null and the empty array
    "type": "object",
    "properties": {
        "value": {"type": "integer"},
        "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
    },
    "required": ["value", "next", "children"],
    "additionalProperties": False,
}


@st.composite
def root_schemas(draw: st.DrawFn) -> dict[str, Any]:
    props = draw(st.dictionaries(st.sampled_from(PROPERTY_NAMES), TREES, min_size=1, max_size=4))
    if draw(st.booleans()):
        props["tree"] = {"$ref": "#/$defs/Node"}
    if draw(st.booleans()):  # recursion through the root
        props["parent"] = nullable({"$ref": "#"})
    strict = draw(st.booleans())
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": list(props) if strict else [k for k in props if draw(st.booleans())],
        "$defs": {"Thing": draw(DEF_BODIES), **{name: draw(leaves) for name in DEF_NAMES[1:]}, "Node": NODE},
    }
    if strict:
        schema["additionalProperties"] = False
    if draw(st.booleans()):  # the pre-2019 spelling
        text = json.dumps(schema).replace('"#/$defs/', '"#/definitions/').replace('"$defs":', '"definitions":')
        schema = json.loads(text)
    return schema


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=root_schemas(), seed=st.integers(0, 2**32 - 1))
def test_generated_values_validate_and_are_deterministic(schema: dict[str, Any], seed: int) -> None:
    before = json.dumps(schema)
    value = generate(schema, random.Random(seed))
    assert_valid(schema, value)
    again = generate(schema, random.Random(seed))
    assert json.dumps(again, allow_nan=False) == json.dumps(value)  # same keys in the same order
    assert json.dumps(schema) == before  # the schema is left alone


# ---------------------------------------------------------------------------------------------------
# Realistic schemas
# ---------------------------------------------------------------------------------------------------

WEATHER_TOOL = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 14},
    },
    "required": ["location"],
}

UI_SCHEMA = {  # OpenAI Structured Outputs guide: recursion through the root
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["div", "button", "header", "section", "field", "form"]},
        "label": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#"}},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["type", "label", "children", "attributes"],
    "additionalProperties": False,
}

LINKED_LIST = {  # OpenAI Structured Outputs guide: recursion through $defs
    "type": "object",
    "properties": {"linked_list": {"$ref": "#/$defs/linked_list_node"}},
    "$defs": {
        "linked_list_node": {
            "type": "object",
            "properties": {
                "value": {"type": "number"},
                "next": {"anyOf": [{"$ref": "#/$defs/linked_list_node"}, {"type": "null"}]},
            },
            "additionalProperties": False,
            "required": ["next", "value"],
        }
    },
    "additionalProperties": False,
    "required": ["linked_list"],
}


def tree_depth(node: dict[str, Any]) -> int:
    return 1 + max((tree_depth(child) for child in node["children"]), default=0)


def test_weather_tool_arguments() -> None:
    values = [gen(WEATHER_TOOL, seed) for seed in range(20)]
    for value in values:
        assert_valid(WEATHER_TOOL, value)
        assert list(value) == ["location", "unit", "days"]  # optional ones included, in order
        assert ", " in value["location"]  # a city, not random words
    assert len({v["location"] for v in values}) > 1
    assert {v["unit"] for v in values} == {"celsius", "fahrenheit"}


def test_recursive_ui_schema_is_bounded() -> None:
    for seed in range(20):
        value = gen(UI_SCHEMA, seed)
        assert_valid(UI_SCHEMA, value)
        assert 1 <= tree_depth(value) <= 5
        assert list(value) == ["type", "label", "children", "attributes"]


def test_linked_list_ends() -> None:
    for seed in range(20):
        value = gen(LINKED_LIST, seed)
        assert_valid(LINKED_LIST, value)
        length, node = 0, value["linked_list"]
        while node is not None:
            assert isinstance(node["value"], (int, float))
            length, node = length + 1, node["next"]
        assert 1 <= length <= 4


def test_recursion_through_array_must_use_empty_arrays() -> None:
    schema = {
        "$defs": {
            "tree": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/tree"}},
                },
                "required": ["name", "kids"],
            }
        },
        "$ref": "#/$defs/tree",
    }
    value = gen(schema, 3)
    assert_valid(schema, value)
    assert tree_depth(kids_to_children(value)) <= 5


def kids_to_children(node: dict[str, Any]) -> dict[str, Any]:
    return {"children": [kids_to_children(k) for k in node["kids"]]}


def test_strict_mode_includes_every_property_in_order() -> None:
    schema = math_schema(closed=True)
    value = gen(schema, 1)
    assert_valid(schema, value)
    assert list(value) == ["steps", "final_answer"]
    assert 1 <= len(value["steps"]) <= 3
    assert all(list(step) == ["explanation", "output"] for step in value["steps"])


def test_draft7_style_tool_schema() -> None:  # what zod-to-json-schema emits
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 3},
            "filters": {"type": "array", "items": {"$ref": "#/definitions/filter"}},
            "limit": {"type": "integer", "exclusiveMinimum": 0, "maximum": 50},
        },
        "required": ["query"],
        "additionalProperties": False,
        "definitions": {
            "filter": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "op": {"enum": ["eq", "lt", "gt"]}, "value": {}},
                "required": ["field", "op", "value"],
                "additionalProperties": False,
            }
        },
    }
    for seed in range(10):
        value = gen(schema, seed)
        assert not list(Draft7Validator(schema).iter_errors(value))
        assert is_valid(schema, value)
        assert len(value["query"]) >= 3 and 0 < value["limit"] <= 50


# ---------------------------------------------------------------------------------------------------
# Keywords
# ---------------------------------------------------------------------------------------------------


def test_nullable_prefers_a_value() -> None:
    for schema in ({"anyOf": [{"type": "string"}, {"type": "null"}]}, {"type": ["string", "null"]}):
        values = [gen(schema, seed) for seed in range(10)]
        assert all(isinstance(v, str) for v in values)
    assert gen({"type": ["null"]}) is None


def test_formats_are_well_formed() -> None:
    for seed in range(10):
        for fmt in FORMATS:
            schema = {"type": "string", "format": fmt}
            value = gen(schema, seed)
            assert_valid(schema, value)
            if fmt == "date":
                datetime.date.fromisoformat(value)
            elif fmt == "date-time":
                assert value.endswith("Z")
                datetime.datetime.fromisoformat(value[:-1] + "+00:00")
            elif fmt == "time":
                datetime.time.fromisoformat(value[:-1])
            elif fmt == "uuid":
                assert uuid.UUID(value).version == 4
            elif fmt == "ipv4":
                ipaddress.IPv4Address(value)
            elif fmt == "ipv6":
                ipaddress.IPv6Address(value)
            elif fmt == "email":
                local, domain = value.split("@")
                assert local and "." in domain
            elif fmt == "uri":
                assert value.startswith("https://")
            elif fmt == "duration":
                assert value.startswith("P") and value[-1] in "DHM"


@pytest.mark.parametrize("pattern", [*PATTERNS, r"^\p{L}+$", r"[[:alpha:]]", r"^(?=.*\d)[a-z\d]{6}$", r"\bword\b"])
def test_patterns(pattern: str) -> None:
    schema = {"type": "string", "pattern": pattern}
    for seed in range(5):
        value = gen(schema, seed)
        assert is_valid(schema, value), value
        if r"\p" not in pattern:
            assert_valid(schema, value)


def test_pattern_with_length_bounds() -> None:
    schema = {"type": "string", "pattern": "^[a-z]+$", "minLength": 12, "maxLength": 14}
    value = gen(schema)
    assert_valid(schema, value)
    assert 12 <= len(value) <= 14


def test_string_lengths_and_words() -> None:
    assert gen({"type": "string"}, words=lambda rng: "custom phrase") == "custom phrase"
    for lo, hi in ((0, 0), (1, 1), (5, 5), (30, 40), (0, 3)):
        schema = {"type": "string", "minLength": lo, "maxLength": hi}
        value = gen(schema)
        assert lo <= len(value) <= hi


def test_property_names_make_strings_readable() -> None:
    schema = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("city", "email", "name", "first_name", "homepage", "country")},
    }
    value = gen(schema, 4)
    assert "," in value["city"]
    assert "@" in value["email"] and is_valid({"format": "email"}, value["email"])
    assert " " in value["name"] and " " not in value["first_name"]
    assert value["homepage"].startswith("https://")
    assert value["country"][0].isupper()


def test_numbers() -> None:
    cases: list[dict[str, Any]] = [
        {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
        {"type": "integer", "minimum": 1e9},
        {"type": "integer", "maximum": -50},
        {"type": "integer", "multipleOf": 7, "minimum": 100, "maximum": 110},
        {"type": "number", "exclusiveMinimum": 0.1, "exclusiveMaximum": 0.1000001},
        {"type": "number", "multipleOf": 0.01, "minimum": 1, "maximum": 2},
        {"type": "number", "multipleOf": 0.1},
        {"type": "integer", "multipleOf": 0.5},
        {"minimum": 3, "maximum": 5},
    ]
    for schema in cases:
        for seed in range(5):
            assert_valid(schema, gen(schema, seed))
    assert gen({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2}) == 1
    assert isinstance(gen({"minimum": 3, "maximum": 5}), int)


def test_one_of_must_match_exactly_one() -> None:
    numbers = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    strings = {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 5}]}
    objects = {
        "oneOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ]
    }
    for schema in (numbers, strings, objects):
        for seed in range(10):
            assert_valid(schema, gen(schema, seed))


def test_all_of_merges_and_respects_closed_branches() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
            {"properties": {"a": {"maxLength": 4}, "b": {"type": "integer"}}, "required": ["a"]},
        ]
    }
    value = gen(schema)
    assert_valid(schema, value)
    assert list(value) == ["a"]
    schema["allOf"][1]["required"] = ["a", "b"]
    with pytest.raises(UnsatisfiableSchema):
        gen(schema)
    merged = {"allOf": [{"type": "number", "minimum": 0}, {"type": "integer", "maximum": 3}, {"multipleOf": 2}]}
    assert gen(merged) in (0, 2)


def test_refs() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/a~1b"},
            "b": {"$ref": "#/$defs/x~0y"},
            "c": {"$ref": "#/$defs/Other%20Name"},
            "d": {"$ref": "#/definitions/old"},
            "e": {"$ref": "#named"},
            "f": {"$ref": "#/$defs/Other%20Name", "minimum": 10},  # 2020-12: siblings apply too
        },
        "required": ["a", "b", "c", "d", "e", "f"],
        "$defs": {
            "a/b": {"const": "slash"},
            "x~y": {"const": "tilde"},
            "Other Name": {"type": "integer", "maximum": 11},
            "anchored": {"$anchor": "named", "const": "anchor"},
        },
        "definitions": {"old": {"const": "definitions"}},
    }
    value = gen(schema)
    assert_valid(schema, value)
    assert value["a"] == "slash"
    assert (value["b"], value["d"], value["e"]) == ("tilde", "definitions", "anchor")
    assert value["f"] in (10, 11)


def test_arrays() -> None:
    unique = {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "minItems": 3}
    value = gen(unique)
    assert sorted(value) == [1, 2, 3]
    tuple_schema = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False}
    value = gen(tuple_schema)
    assert_valid(tuple_schema, value)
    assert len(value) == 2
    contains = {
        "type": "array",
        "items": {"type": "integer"},
        "contains": {"minimum": 1000},
        "minContains": 2,
    }
    assert_valid(contains, gen(contains))
    assert gen({"type": "array", "maxItems": 0}) == []
    assert 5 <= len(gen({"type": "array", "minItems": 5})) <= 5


def test_objects() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "never": False},
        "required": ["a", "extra"],
        "additionalProperties": {"type": "boolean"},
        "minProperties": 4,
        "dependentRequired": {"a": ["zz"]},
    }
    value = gen(schema)
    assert_valid(schema, value)
    assert "never" not in value and isinstance(value["extra"], bool)
    assert gen({"type": "object", "maxProperties": 1, "properties": {"x": {}, "y": {}}}).keys() <= {"x", "y"}


def test_schemas_without_type_and_boolean_schemas() -> None:
    assert isinstance(gen({}), str) and isinstance(gen(True), str)
    assert isinstance(gen({"properties": {"x": {"type": "integer"}}, "required": ["x"]}), dict)
    assert isinstance(gen({"items": {"type": "integer"}}), list)
    assert isinstance(gen({"type": "object", "properties": {"x": True}, "required": ["x"]})["x"], str)
    assert gen({"anyOf": [False, {"type": "integer", "minimum": 7, "maximum": 7}]}) == 7
    assert_valid({"not": {"type": "string"}}, gen({"not": {"type": "string"}}))
    assert_valid({"minLength": 3, "maxLength": 1}, gen({"minLength": 3, "maxLength": 1}))  # any non-string


def test_conditionals() -> None:
    schema = {
        "type": "object",
        "properties": {"country": {"enum": ["US", "CA"]}, "postal_code": {"type": "string"}},
        "required": ["country", "postal_code"],
        "if": {"properties": {"country": {"const": "US"}}},
        "then": {"properties": {"postal_code": {"pattern": r"^\d{5}$"}}},
        "else": {"properties": {"postal_code": {"pattern": r"^[A-Z]\d[A-Z] \d[A-Z]\d$"}}},
    }
    for seed in range(10):
        assert_valid(schema, gen(schema, seed))


@pytest.mark.parametrize(
    "schema",
    [
        False,
        {"enum": []},
        {"type": "integer", "minimum": 5, "maximum": 3},
        {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1},
        {"type": "string", "minLength": 5, "maxLength": 3},
        {"type": "array", "minItems": 3, "maxItems": 2},
        {"type": "array", "prefixItems": [{}], "items": False, "minItems": 2},
        {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 3},
        {"type": "object", "properties": {"x": False}, "required": ["x"]},
        {"type": "object", "additionalProperties": False, "required": ["x"]},
        {"type": "string", "const": 1},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"oneOf": [{"type": "integer"}, {"type": "integer"}]},
        {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]},  # no base case
        {"$ref": "#"},
        {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        {"$ref": "#/$defs/missing"},
        {"$ref": "https://example.com/schema.json"},
        {"type": "nonsense"},
        {"minimum": "three"},
    ],
)
def test_unsatisfiable(schema: Any) -> None:
    with pytest.raises(UnsatisfiableSchema) as info:
        gen(schema)
    assert str(info.value)
    assert isinstance(info.value, ValueError)


def test_deterministic_across_hash_seeds() -> None:
    script = (
        "import json, random, sys; from mockai.generate.jsongen.generator import generate; "
        "schema = json.loads(sys.argv[1]); "
        "print(json.dumps([generate(schema, random.Random(s)) for s in range(5)]))"
    )
    schema = json.dumps(
        {
            **UI_SCHEMA,
            "properties": {
                **UI_SCHEMA["properties"],
                "tags": {"type": "array", "items": {"enum": ["x", "y", "z"]}, "uniqueItems": True},
            },
        }
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, schema],
            env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == [gen(json.loads(schema), s) for s in range(5)]


# ---------------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------------


def test_is_valid_and_first_error() -> None:
    assert is_valid(WEATHER_TOOL, {"location": "Paris, France"})
    assert not is_valid(WEATHER_TOOL, {"location": 3})
    assert first_error(WEATHER_TOOL, {"location": "Paris, France", "unit": "celsius"}) is None
    error = first_error(WEATHER_TOOL, {"location": "Paris", "unit": "kelvin"})
    assert error is not None and "kelvin" in error and "/unit" in error
    assert "required" in (first_error(WEATHER_TOOL, {}) or "")
    assert is_valid(True, 1) and not is_valid(False, 1)
    assert first_error(False, None) is not None


def test_formats_are_asserted_unless_disabled() -> None:
    schema = {"type": "string", "format": "date-time"}
    assert not is_valid(schema, "tomorrow")
    assert first_error(schema, "tomorrow") is not None
    assert is_valid(schema, "tomorrow", formats=False)
    assert first_error(schema, "tomorrow", formats=False) is None


def test_invalid_schemas_and_values_do_not_raise() -> None:
    for schema in ({"type": "nonsense"}, {"minLength": -1}, {"$ref": "#/nowhere"}, {"pattern": "("}, {1, 2}):
        assert not is_valid(schema, "x")  # type: ignore[arg-type]
        error = first_error(schema, "x")  # type: ignore[arg-type]
        assert error is not None and error.startswith("invalid schema"), error
    assert not is_valid({"type": "array"}, {1, 2})
    assert first_error({"type": "array"}, {1, 2}) is not None
    assert not is_valid({"$ref": "https://example.com/remote.json"}, 1)  # offline: no network


def test_recursive_schema_validation() -> None:
    assert is_valid(LINKED_LIST, {"linked_list": {"value": 1, "next": {"value": 2.5, "next": None}}})
    error = first_error(LINKED_LIST, {"linked_list": {"value": 1, "next": {"value": "2", "next": None}}})
    assert error is not None and "/linked_list/next" in error


def test_pydantic_types_that_words_do_not_satisfy_get_values_that_do() -> None:
    """Audits of instructor and pydantic-ai: pydantic's ``Decimal`` (``anyOf: [number, string]``)
    got words half the time, and its IP address and network formats always, which the schema
    allows and pydantic refuses, so a structured output failed its validation (and a retry loop
    ran out).  A number comes first where free text is the other branch; the formats get theirs."""
    from decimal import Decimal

    from pydantic import BaseModel, IPvAnyAddress, IPvAnyInterface, IPvAnyNetwork

    class Order(BaseModel):
        price: Decimal
        discount: Decimal | None
        host: IPvAnyAddress
        network: IPvAnyNetwork
        interface: IPvAnyInterface

    schema = Order.model_json_schema()
    for seed in range(100):
        value = generate(schema, random.Random(seed))
        Order.model_validate(value)
        assert isinstance(value["price"], (int, float))
