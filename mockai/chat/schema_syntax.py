"""Is a JSON Schema well formed: the Draft 2020-12 meta-schema's checks, in the real API's words.

The real API checks a schema with Python's ``jsonschema`` (``check_schema``: the first error of the
meta-schema, in the meta-schema's order, with ``format: regex`` compiled by :mod:`re`), and
reports that error's message: ``'' is not of type 'array'``, ``'[' is not a 'regex'`` (quoted in
public reports: "Invalid schema for function 'Artifact': '…' is not a 'regex'.", "[] is not of
type 'object', 'boolean'.").  :func:`syntax_fault` gives the same message for the same schema by
walking the meta-schema's keywords in its order: the vocabularies core, applicator, unevaluated,
validation, meta-data, format-annotation and content, then the legacy ``definitions``,
``dependencies``, ``$recursiveAnchor`` and ``$recursiveRef``.  Where Python iterates a set (the
members of ``properties``), the schema's own order is used.  ``format: uri`` is not checked (Python
checks it only with an optional package).

The caller bounds the schema's depth first: the walk recurses once per level.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["pattern_compiles", "syntax_fault"]

Check = Callable[[Any], "str | None"]

_SIMPLE_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_ANCHOR = re.compile(r"^[A-Za-z_][-A-Za-z0-9._]*$")
_ID = re.compile(r"^[^#]*#?$")


@functools.lru_cache(maxsize=2048)
def pattern_compiles(pattern: str) -> bool:
    """Whether Python's :mod:`re` compiles ``pattern`` (what ``format: regex`` checks)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except Exception:  # re.error, and OverflowError for a repetition count past re's limit
            return False
    return True


def syntax_fault(schema: Any) -> str | None:
    """The message of the first meta-schema error of ``schema`` (without the final period), or None."""
    return _schema(schema)


# --- the types and keywords of the meta-schema ---------------------------------------------------


def _is(value: Any, type_: str) -> bool:
    if type_ == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if type_ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds: dict[str, type | tuple[type, ...]] = {
        "string": str, "boolean": bool, "object": dict, "array": list, "null": type(None),
    }  # fmt: skip
    return isinstance(value, kinds[type_])


def _type(*types: str) -> Check:
    def check(value: Any) -> str | None:
        if any(_is(value, t) for t in types):
            return None
        return f"{value!r} is not of type {', '.join(repr(t) for t in types)}"

    return check


def _all(*checks: Check) -> Check:
    def check(value: Any) -> str | None:
        for one in checks:
            fault = one(value)
            if fault is not None:
                return fault
        return None

    return check


def _matching(pattern: re.Pattern[str]) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, str) and not pattern.search(value):
            return f"{value!r} does not match {pattern.pattern!r}"
        return None

    return check


def _regex(value: Any) -> str | None:
    if isinstance(value, str) and not pattern_compiles(value):
        return f"{value!r} is not a 'regex'"
    return None


def _non_negative(value: Any) -> str | None:
    fault = _type("integer")(value)
    if fault is None and value < 0:
        return f"{value!r} is less than the minimum of 0"
    return fault


def _positive_number(value: Any) -> str | None:
    fault = _type("number")(value)
    if fault is None and value <= 0:
        return f"{value!r} is less than or equal to the minimum of 0"
    return fault


def _unique(strings: list[str]) -> str | None:
    if len(set(strings)) != len(strings):
        return f"{strings!r} has non-unique elements"
    return None


def _string_array(value: Any) -> str | None:
    fault = _type("array")(value)
    if fault is not None:
        return fault
    for item in value:
        fault = _type("string")(item)
        if fault is not None:
            return fault
    return _unique(value)


def _schema_array(value: Any) -> str | None:
    fault = _type("array")(value)
    if fault is not None:
        return fault
    if not value:
        return f"{value!r} should be non-empty"
    for item in value:
        fault = _schema(item)
        if fault is not None:
            return fault
    return None


def _map_of(check: Check, names: Check | None = None) -> Check:
    """An object whose values pass ``check`` (and whose keys pass ``names``)."""

    def checked(value: Any) -> str | None:
        fault = _type("object")(value)
        if fault is not None:
            return fault
        for item in value.values():
            fault = check(item)
            if fault is not None:
                return fault
        if names is None:
            return None
        for name in value:
            fault = names(name)
            if fault is not None:
                return fault
        return None

    return checked


def _type_keyword(value: Any) -> str | None:
    if value in _SIMPLE_TYPES and isinstance(value, str):
        return None
    simple = isinstance(value, list) and value and all(isinstance(t, str) and t in _SIMPLE_TYPES for t in value)
    if simple and _unique(value) is None:
        return None
    return f"{value!r} is not valid under any of the given schemas"


def _dependency(value: Any) -> str | None:
    if _schema(value) is None or _string_array(value) is None:
        return None
    return f"{value!r} is not valid under any of the given schemas"


def _schema_value(value: Any) -> str | None:
    return _schema(value)


_STRING = _type("string")
_BOOLEAN = _type("boolean")
_NUMBER = _type("number")
_ANCHOR_STRING = _all(_STRING, _matching(_ANCHOR))

# Every keyword the meta-schema constrains, in the order Python's jsonschema checks them.
_KEYWORDS: tuple[tuple[str, Check], ...] = (
    # core
    ("$id", _all(_STRING, _matching(_ID))),
    ("$schema", _STRING),
    ("$ref", _STRING),
    ("$anchor", _ANCHOR_STRING),
    ("$dynamicRef", _STRING),
    ("$dynamicAnchor", _ANCHOR_STRING),
    ("$vocabulary", _map_of(_BOOLEAN, _STRING)),
    ("$comment", _STRING),
    ("$defs", _map_of(_schema_value)),
    # applicator
    ("prefixItems", _schema_array),
    ("items", _schema_value),
    ("contains", _schema_value),
    ("additionalProperties", _schema_value),
    ("properties", _map_of(_schema_value)),
    ("patternProperties", _map_of(_schema_value, _regex)),
    ("dependentSchemas", _map_of(_schema_value)),
    ("propertyNames", _schema_value),
    ("if", _schema_value),
    ("then", _schema_value),
    ("else", _schema_value),
    ("allOf", _schema_array),
    ("anyOf", _schema_array),
    ("oneOf", _schema_array),
    ("not", _schema_value),
    # unevaluated
    ("unevaluatedItems", _schema_value),
    ("unevaluatedProperties", _schema_value),
    # validation
    ("type", _type_keyword),
    ("enum", _type("array")),
    ("multipleOf", _positive_number),
    ("maximum", _NUMBER),
    ("exclusiveMaximum", _NUMBER),
    ("minimum", _NUMBER),
    ("exclusiveMinimum", _NUMBER),
    ("maxLength", _non_negative),
    ("minLength", _non_negative),
    ("pattern", _all(_STRING, _regex)),
    ("maxItems", _non_negative),
    ("minItems", _non_negative),
    ("uniqueItems", _BOOLEAN),
    ("maxContains", _non_negative),
    ("minContains", _non_negative),
    ("maxProperties", _non_negative),
    ("minProperties", _non_negative),
    ("required", _string_array),
    ("dependentRequired", _map_of(_string_array)),
    # meta-data
    ("title", _STRING),
    ("description", _STRING),
    ("deprecated", _BOOLEAN),
    ("readOnly", _BOOLEAN),
    ("writeOnly", _BOOLEAN),
    ("examples", _type("array")),
    # format-annotation, content
    ("format", _STRING),
    ("contentEncoding", _STRING),
    ("contentMediaType", _STRING),
    ("contentSchema", _schema_value),
    # the legacy keywords of the top-level meta-schema
    ("definitions", _map_of(_schema_value)),
    ("dependencies", _map_of(_dependency)),
    ("$recursiveAnchor", _ANCHOR_STRING),
    ("$recursiveRef", _STRING),
)


_CHECKS = dict(_KEYWORDS)
_ORDER = {keyword: i for i, (keyword, _) in enumerate(_KEYWORDS)}


def _schema(node: Any) -> str | None:
    if isinstance(node, bool):
        return None
    if not isinstance(node, dict):
        return f"{node!r} is not of type 'object', 'boolean'"
    present = [keyword for keyword in node if keyword in _CHECKS]
    if len(present) > 1:
        present.sort(key=_ORDER.__getitem__)
    for keyword in present:
        fault = _CHECKS[keyword](node[keyword])
        if fault is not None:
            return fault
    return None
