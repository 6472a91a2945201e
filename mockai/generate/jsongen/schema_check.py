"""Validation against a JSON Schema with ``jsonschema_rs``.

:func:`is_valid` and :func:`first_error` validate a value against a schema with a small LRU cache of
compiled validators keyed by the schema's canonical JSON; an invalid schema gives a readable error
instead of an exception.  Both are re-exported by :mod:`mockai.generate.jsongen.generator`.

:class:`SubschemaChecker` is what :mod:`mockai.generate.jsongen.generator` uses while generating: it checks a value
against a piece of a root schema, the piece's local ``$ref`` resolved against the root, and reports
what each check cost.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from mockai.generate.jsongen.keywords import LITERAL_KEYS, Schema, UnsatisfiableSchema
from mockai.generate.jsongen.patterns import PATTERN_OPTIONS, pattern_price
from mockai.generate.jsongen.refs import anchors_of

__all__ = [
    "SubschemaChecker", "canonical", "checker_for", "compile_cost", "compiled", "describe", "first_error", "is_valid",
]  # fmt: skip

COMPILE_TICKS = 10  # compiling a validator, besides its patterns


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def canonical(value: Any) -> str:
    """The schema's (or value's) canonical JSON: the key of the validator caches."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def describe(error: Any) -> str:
    message = getattr(error, "message", None) or (str(error).splitlines() or ["invalid"])[0]
    path = list(getattr(error, "instance_path", None) or [])
    return f"{message} (at {_pointer(path)})" if path else str(message)


@functools.lru_cache(maxsize=128)
def compiled(key: str, formats: bool) -> tuple[Any, str | None]:
    """The validator for the schema whose canonical JSON is ``key``, or None and why it is invalid."""
    try:
        validator = jsonschema_rs.validator_for(
            json.loads(key), validate_formats=formats, offline=True, pattern_options=PATTERN_OPTIONS
        )
        return validator, None
    except Exception as exc:  # the schema does not match its meta-schema, or a $ref cannot be resolved
        return None, f"invalid schema: {describe(exc)}"


def _validator(schema: Any, formats: bool) -> tuple[Any, str | None]:
    try:
        key = canonical(schema)
    except (TypeError, ValueError) as exc:
        return None, f"invalid schema: {exc}"
    return compiled(key, formats)


def is_valid(schema: Schema, value: Any, *, formats: bool = True) -> bool:
    """Whether ``value`` is valid against ``schema`` (False for an invalid schema or non-JSON value).

    ``formats`` makes ``format`` an assertion (date-time, email, uuid…), as Structured Outputs does.
    """
    validator, _ = _validator(schema, formats)
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(value))
    except (ValueError, TypeError, OverflowError):  # not a JSON value (a set, an arbitrary object…)
        return False


def first_error(schema: Schema, value: Any, *, formats: bool = True) -> str | None:
    """A readable description of the first reason ``value`` is invalid, or None when it is valid."""
    validator, error = _validator(schema, formats)
    if validator is None:
        return error
    try:
        for problem in validator.iter_errors(value):
            return describe(problem)
    except (ValueError, TypeError, OverflowError) as exc:
        return f"value is not JSON: {exc}"
    return None


# ---------------------------------------------------------------------------------------------------
# Sub-schema checks (for the generator): validate against a piece of the root schema, its $refs
# resolved against the root
# ---------------------------------------------------------------------------------------------------

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _absolutise(node: Any, base: str, memo: dict[int, tuple[Any, Any]]) -> Any:
    """Rewrite local references (``#…``) so they point into the root registered under ``base``.

    ``memo`` maps ``id(node)`` to ``(node, result)``: holding ``node`` keeps its id from being reused.
    """
    if not isinstance(node, (list, Mapping)):
        return node
    hit = memo.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    out: Any
    if isinstance(node, list):
        out = [_absolutise(item, base, memo) for item in node]
    else:
        out = {}
        for key, value in node.items():
            if key in LITERAL_KEYS:
                out[key] = value
            elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = base + value
            elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {name: _absolutise(sub, base, memo) for name, sub in value.items()}
            else:
                out[key] = _absolutise(value, base, memo)
    memo[id(node)] = (node, out)
    return out


class SubschemaChecker:
    """Checks values against pieces of one root schema, with the compiled validators cached."""

    def __init__(self, root: Any) -> None:
        self.base = "urn:mockai:schema"
        self.draft: str | None = None
        self.registry: Any = None
        if isinstance(root, Mapping):
            if isinstance(root.get("$id"), str) and ":" in root["$id"]:
                self.base = root["$id"].split("#")[0]
            if isinstance(root.get("$schema"), str):
                self.draft = root["$schema"]
            try:
                self.registry = jsonschema_rs.Registry([(self.base, dict(root))])
            except Exception:  # then checks of sub-schemas with $refs fail, and generation with them
                self.registry = None
        self.validators: dict[str, Any] = {}
        self.pattern_prices = _pattern_prices(root)
        self.anchors = anchors_of(root)

    def valid(
        self, schema: Any, value: Any, memo: dict[int, tuple[Any, Any]], compiled_keys: set[str]
    ) -> tuple[bool, int]:
        """Whether ``value`` is valid against ``schema`` (a piece of the root), and the check's cost in
        ticks: one per 25 characters of schema, plus compiling it (:func:`compile_cost`) the first
        time a generation (its ``compiled_keys``) checks against it, cached or not."""
        schema = _absolutise(schema, self.base, memo)
        if isinstance(schema, dict) and self.draft is not None and "$schema" not in schema:
            schema = {**schema, "$schema": self.draft}
        key = canonical(schema)
        cost = 3 + len(key) // 25
        if key not in compiled_keys:
            compiled_keys.add(key)
            cost += compile_cost(key, self.pattern_prices)
        validator = self.validators.get(key)
        if validator is None:
            try:
                validator = jsonschema_rs.validator_for(
                    schema, registry=self.registry, validate_formats=True, offline=True, pattern_options=PATTERN_OPTIONS
                )
            except Exception as exc:
                raise UnsatisfiableSchema(f"cannot check a value: {describe(exc)}") from None
            if len(self.validators) > 512:
                self.validators.clear()
            self.validators[key] = validator
        return bool(validator.is_valid(value)), cost


def compile_cost(key: str, pattern_prices: Mapping[str, int]) -> int:
    """Ticks compiling the schema whose canonical JSON is ``key`` is priced at: its patterns (those
    of ``pattern_prices``, by their JSON text, that ``key`` holds), and the rest."""
    return COMPILE_TICKS + len(key) // 15 + sum(price for text, price in pattern_prices.items() if text in key)


def _pattern_prices(root: Any) -> dict[str, int]:
    """The patterns of a root schema (``pattern`` values and ``patternProperties`` keys), by their
    JSON text as :func:`canonical` writes it, with their :func:`~mockai.generate.jsongen.patterns.pattern_price`."""
    prices: dict[str, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
            continue
        if not isinstance(node, Mapping):
            continue
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        if isinstance(node.get("patternProperties"), Mapping):
            found += [key for key in node["patternProperties"] if isinstance(key, str)]
        for pattern in found:
            prices[json.dumps(pattern, ensure_ascii=False)] = pattern_price(pattern)
        stack.extend(v for k, v in node.items() if isinstance(v, (dict, list)) and k not in LITERAL_KEYS)
    return prices


@functools.lru_cache(maxsize=32)
def checker_for(key: str) -> SubschemaChecker:
    """The (cached) checker for the root schema whose canonical JSON is ``key``."""
    return SubschemaChecker(json.loads(key))
