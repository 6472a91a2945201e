"""The subschemas of a JSON Schema, with where each sits: the keys that lead to it from the root.

:func:`subschemas` walks a schema that is well formed (:mod:`mockai.chat.schema_syntax` found no
fault) without recursion, in document order, root first.  A context is the tuple of keys from the
root, list indexes as strings, as the real API writes it: ``('properties', 'tags', 'items')``.
:func:`measure` bounds a schema before anything else reads it: how deep its JSON nests, how many
JSON values it holds, and its patterns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Measure", "Subschema", "measure", "subschemas"]

# Keywords whose value is one schema, a map of schemas, or a list of schemas.
_ONE = frozenset({
    "items", "additionalItems", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains",
    "propertyNames", "not", "if", "then", "else", "contentSchema",
})  # fmt: skip
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"})
_LIST = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_LITERAL = frozenset({"enum", "const", "default", "examples"})


# A subschema: the schema, its context, and how many object schemas enclose it (itself included).
Subschema = tuple[dict[str, Any], tuple[str, ...], int]


def _is_object(node: dict[str, Any]) -> bool:
    declared = node.get("type")
    return declared == "object" or (isinstance(declared, list) and "object" in declared)


def subschemas(root: Any) -> Iterator[Subschema]:
    """Every object subschema of ``root`` (boolean schemas have nothing to check), root first."""
    stack: list[tuple[Any, tuple[str, ...], int]] = [(root, (), 0)]
    push = stack.append
    while stack:
        node, context, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        if "type" in node:
            depth += _is_object(node)
        yield node, context, depth
        for key in reversed(node):  # children popped in document order
            if key in _ONE:
                value = node[key]
                if isinstance(value, list):  # draft 2019-09 tuple items
                    for i in range(len(value) - 1, -1, -1):
                        push((value[i], (*context, key, str(i)), depth))
                else:
                    push((value, (*context, key), depth))
            elif key in _MAP:
                value = node[key]
                if isinstance(value, dict):
                    for name in reversed(value):
                        push((value[name], (*context, key, name), depth))
            elif key in _LIST:
                value = node[key]
                if isinstance(value, list):
                    for i in range(len(value) - 1, -1, -1):
                        push((value[i], (*context, key, str(i)), depth))


@dataclass
class Measure:
    """What :func:`measure` found: the deepest JSON nesting, the JSON values counted, and every
    pattern (``pattern`` values and ``patternProperties`` keys) with its context."""

    depth: int = 0
    values: int = 0
    patterns: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


def measure(schema: Any, max_depth: int, max_values: int) -> Measure:
    """How deep ``schema`` nests and how many JSON values it holds, stopping as soon as it is deeper
    than ``max_depth`` or holds more than ``max_values`` values; and its patterns."""
    found = Measure()
    stack: list[tuple[Any, int, tuple[str, ...] | None]] = [(schema, 1, ())]
    while stack:
        node, depth, context = stack.pop()
        found.values += 1
        if depth > found.depth:
            found.depth = depth
        if depth > max_depth or found.values > max_values:
            return found
        if isinstance(node, dict):
            if context is not None and ("pattern" in node or "patternProperties" in node):
                _note_patterns(node, context, found)
            for key, value in reversed(node.items()):  # popped in document order
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1, _child_context(context, key)))
                else:
                    found.values += 1
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                item = node[i]
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1, None if context is None else (*context, str(i))))
                else:
                    found.values += 1
    return found


def _note_patterns(node: dict[str, Any], context: tuple[str, ...], found: Measure) -> None:
    if isinstance(node.get("pattern"), str):
        found.patterns.append(((*context, "pattern"), node["pattern"]))
    if isinstance(node.get("patternProperties"), dict):
        found.patterns += [((*context, "patternProperties"), key) for key in node["patternProperties"]]


def _child_context(context: tuple[str, ...] | None, key: str) -> tuple[str, ...] | None:
    """The context of a schema under ``key`` (a map of schemas is followed one level more by the
    caller's own walk); None for values that are not schemas (enums, defaults…)."""
    if context is None or key in _LITERAL:
        return None
    return (*context, key)
