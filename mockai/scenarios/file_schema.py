"""The published JSON Schema of scenario files, and its errors said for people.

``schemas/scenario.schema.json`` (Draft 2020-12, ``additionalProperties: false`` everywhere) is
what editors autocomplete and what every file is checked against first.  :func:`schema_problems`
turns ``jsonschema_rs`` errors into ``(path, message)`` pairs: ``unknown key 'user_contain' (did
you mean 'user_contains'?)``, ``expected an integer, got 'soon'``.  For ``anyOf`` shorthands
(``error: 429`` or ``error: {status: …}``) the branch that fits the value's type is checked again,
so the message points inside it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jsonschema_rs

from mockai.scenarios.rules import JsonPath

__all__ = ["SCENARIO_SCHEMA", "schema_problems"]

SCENARIO_SCHEMA: dict[str, Any] = json.loads(
    resources.files("mockai").joinpath("schemas/scenario.schema.json").read_text("utf-8")
)
_VALIDATOR: Any = jsonschema_rs.validator_for(SCENARIO_SCHEMA)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _deref(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = SCENARIO_SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _schema_at(root: Any, schema_path: Sequence[str | int]) -> Any:
    node: Any = root
    for step in schema_path:
        if step == "$ref":
            node = _deref(node)
            continue
        node = node[step]
    return node


def _types(schema: Any) -> list[str]:
    schema = _deref(schema)
    if not isinstance(schema, dict):
        return []
    if "type" in schema:
        t = schema["type"]
        return [t] if isinstance(t, str) else list(t)
    if "enum" in schema:
        return sorted({json_type(v) for v in schema["enum"]})
    if "anyOf" in schema:
        return [t for branch in schema["anyOf"] for t in _types(branch)]
    return []


def _accepts(schema: Any, value: Any) -> bool:
    kind = json_type(value)
    types = _types(schema)
    return kind in types or (kind == "integer" and "number" in types)


def _words(types: list[str]) -> str:
    words = [_TYPE_WORDS.get(t, t) for t in dict.fromkeys(types)]
    return " or ".join(words) if words else "something else"


def schema_problems(value: Any) -> list[tuple[JsonPath, str]]:
    """Every reason ``value`` is not a valid scenario document, as (path, message)."""
    return _problems(SCENARIO_SCHEMA, _VALIDATOR, value, ())


def _problems(root: Any, validator: Any, value: Any, prefix: JsonPath) -> list[tuple[JsonPath, str]]:
    out: list[tuple[JsonPath, str]] = []
    for error in validator.iter_errors(value):
        path = (*prefix, *error.instance_path)
        out.extend(_explain(root, error, path, tuple(error.schema_path)))
    return out


def _at(value: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        value = value[step]
    return value


def _explain(root: Any, error: Any, path: JsonPath, schema_path: JsonPath) -> list[tuple[JsonPath, str]]:
    kind = type(error.kind).__name__
    instance = error.instance
    schema = _schema_at(root, schema_path[:-1])
    if kind == "AdditionalProperties":
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in error.kind.unexpected:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(allowed)})"
            out.append(((*path, key), f"unknown key {key!r}{hint}"))
        return out
    if kind in ("AnyOf", "OneOfNotValid"):
        branches = schema.get("anyOf") or schema.get("oneOf") or []
        fitting = [b for b in branches if _accepts(b, instance)]
        if len(fitting) == 1:
            branch = {"$defs": SCENARIO_SCHEMA["$defs"], **_deref(fitting[0])}
            found = _problems(branch, jsonschema_rs.validator_for(branch), instance, path)
            if found:
                return found
        types = [t for b in branches for t in _types(b)]
        return [(path, f"expected {_words(types)}, got {show(instance)}")]
    return [(path, _message(kind, error, instance, schema))]


def _message(kind: str, error: Any, instance: Any, schema: Any) -> str:
    if kind == "Type":
        types = [str(t).rsplit(".", 1)[-1].lower() for t in _listify(getattr(error.kind, "types", []))]
        if not types and isinstance(schema, dict):
            types = _types(schema)
        return f"expected {_words(types)}, got {show(instance)}"
    if kind == "Enum":
        options = list(getattr(error.kind, "options", None) or (schema or {}).get("enum", []))
        close = difflib.get_close_matches(str(instance), [str(o) for o in options], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{show(instance)} is not one of {', '.join(map(str, options))}{hint}"
    if kind == "Required":
        return f"missing required key {show(getattr(error.kind, 'property', '?'))}"
    return str(error.message)


def _listify(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]
