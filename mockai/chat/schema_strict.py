"""Structured Outputs' rules for a schema sent with ``strict: true``, in the real API's words.

From the Structured Outputs guide ("Supported schemas") and the API's own errors:

* the root is an object schema (``anyOf`` is not allowed there): ``schema must be a JSON Schema of
  'type: "object"', got 'type: "array"'.`` (quoted in public reports, ``got 'type: "None"'`` when
  the root has no type);
* every subschema has a ``type`` (or is a ``$ref`` or an ``anyOf``): ``schema must have a 'type'
  key.`` (quoted);
* no ``allOf``, ``not``, ``if``/``then``/``else``, ``dependentRequired``, ``dependentSchemas`` (the
  guide), ``oneOf`` and ``uniqueItems`` (quoted refusals): ``'oneOf' is not permitted.`` (quoted);
* an object lists ``properties`` (``object schema missing properties.``, quoted), sets
  ``additionalProperties: false`` (``'additionalProperties' is required to be supplied and to be
  false.``, quoted) and requires every property (``… Missing 'unit'.``, recorded [R:32]; ``…
  Extra required key 'a' supplied.``, quoted);
* an array has ``items``: ``array schema missing items.`` (quoted);
* the limits: 10 levels of object nesting (``13 levels of nesting exceeds limit of 10.``, quoted),
  1,000 enum values in all (``Expected at most 1000 enum values in total, but received 1004.``,
  quoted), 5,000 object properties, 120,000 characters of property names, definition names and
  enum and const values, 15,000 characters for the values of one string enum of more than 250
  (these three worded by analogy with the enum one: not recorded).

Each subschema's faults come before its children's, in document order; at one subschema, a keyword
not permitted comes first (a zod union, ``{"oneOf": […]}`` with no type, was reported as
``'oneOf' is not permitted.``).
"""

from __future__ import annotations

from typing import Any

from mockai.chat.schema_walk import Subschema

__all__ = [
    "LARGE_ENUM", "MAX_ENUM_VALUES", "MAX_LARGE_ENUM_CHARS", "MAX_NAME_CHARS", "MAX_NESTING", "MAX_PROPERTIES",
    "NOT_PERMITTED", "strict_fault",
]  # fmt: skip

MAX_PROPERTIES = 5_000
MAX_NESTING = 10
MAX_ENUM_VALUES = 1_000
MAX_NAME_CHARS = 120_000
LARGE_ENUM = 250
MAX_LARGE_ENUM_CHARS = 15_000
NOT_PERMITTED = frozenset(
    {"allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "oneOf", "uniqueItems"}
)
_REQUIRED = "'required' is required to be supplied and to be an array including every key in properties."


def strict_fault(schema: dict[str, Any], found: list[Subschema]) -> str | None:
    """The first strict-mode fault of a well-formed ``schema`` (whose subschemas are ``found``), as
    the message's detail, or None."""
    declared = schema.get("type")
    if declared != "object":
        got = "None" if declared is None else declared
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."
    for node, context, _ in found:
        reason = _node_fault(node)
        if reason is not None:
            return f"In context={context!r}, {reason}"
    return _limit_fault(found)


def _types(node: dict[str, Any]) -> list[Any]:
    declared = node.get("type")
    return declared if isinstance(declared, list) else [declared]


def _node_fault(node: dict[str, Any]) -> str | None:
    for key in node:
        if key in NOT_PERMITTED:
            return f"{key!r} is not permitted."
    if "type" not in node and "$ref" not in node and "anyOf" not in node:
        return "schema must have a 'type' key."
    types = _types(node)
    if "object" in types:
        if "properties" not in node:
            return "object schema missing properties."
        if node.get("additionalProperties") is not False:
            return "'additionalProperties' is required to be supplied and to be false."
        required = node.get("required")
        listed = set(required) if isinstance(required, list) else set()
        missing = [name for name in node["properties"] if name not in listed]
        if missing:
            return f"{_REQUIRED} Missing {missing[0]!r}."
        extra = [name for name in required or () if name not in node["properties"]]
        if extra:
            return f"{_REQUIRED} Extra required key {extra[0]!r} supplied."
    if "array" in types and "items" not in node:
        return "array schema missing items."
    return None


def _limit_fault(found: list[Subschema]) -> str | None:
    nesting = max(depth for _, _, depth in found)
    if nesting > MAX_NESTING:
        return f"{nesting} levels of nesting exceeds limit of {MAX_NESTING}."
    properties = sum(len(node["properties"]) for node, _, _ in found if "properties" in node)
    if properties > MAX_PROPERTIES:
        return f"Expected at most {MAX_PROPERTIES} object properties in total, but received {properties}."
    enums = [(node["enum"], context) for node, context, _ in found if "enum" in node]
    values = sum(len(enum) for enum, _ in enums)
    if values > MAX_ENUM_VALUES:
        return f"Expected at most {MAX_ENUM_VALUES} enum values in total, but received {values}."
    for enum, context in enums:
        strings = [v for v in enum if isinstance(v, str)]
        size = sum(map(len, strings))
        if len(strings) > LARGE_ENUM and size > MAX_LARGE_ENUM_CHARS:
            return (
                f"In context={context!r}, expected at most {MAX_LARGE_ENUM_CHARS} characters in total for "
                f"the values of an enum with more than {LARGE_ENUM} values, but received {size}."
            )
    names = sum(_name_chars(node) for node, _, _ in found)
    if names > MAX_NAME_CHARS:
        return (
            f"Expected at most {MAX_NAME_CHARS} characters in total for property names, definition names, "
            f"enum values and const values, but received {names}."
        )
    return None


def _name_chars(node: dict[str, Any]) -> int:
    size = 0
    for key in ("properties", "$defs", "definitions", "enum"):
        if key in node:
            size += sum(len(name) for name in node[key] if isinstance(name, str))
    const = node.get("const")
    return size + (len(const) if isinstance(const, str) else 0)
