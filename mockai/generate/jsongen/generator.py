"""Deterministic JSON values valid against a JSON Schema, and validation helpers.

:func:`generate` builds a readable value for a schema (Draft 2020-12 semantics) from nothing but the
schema and a :class:`random.Random`: the same schema and seed give the same value on any machine (no
set iteration, no hash-dependent order; object keys follow ``properties`` order).  It covers the
OpenAI Structured Outputs subset and what real tool schemas use: ``type`` (single or list), objects
(all properties, required or not, unless recursion is being cut short), arrays (``items``,
``prefixItems``, ``contains``, ``uniqueItems``, bounds), ``enum``/``const``, ``anyOf``/``oneOf``/
``allOf``/``not``/``if``, local ``$ref`` (``#``, ``#/$defs/…``, ``#/definitions/…``, ``#anchor``)
with bounded recursion, string lengths, regex patterns, well-known formats and numeric bounds with
``multipleOf``.

Values are built constructively; wherever a schema uses a keyword the builders only approximate
(``pattern``, ``format``, ``not``, ``oneOf`` exclusivity, ``uniqueItems``, ``multipleOf``…) the
candidate is checked with ``jsonschema_rs`` (formats asserted) and retried, and the final value is
checked against the whole schema, so :func:`generate` never returns a value ``jsonschema_rs`` rejects:
it raises :class:`UnsatisfiableSchema` instead.  Best effort only, so possibly unsatisfied although a value
exists: remote or ``$id``-relative references, ``$dynamicRef``; ``oneOf`` branches that overlap for
every value the builders produce; ``not``/``propertyNames``/``maxContains``/``unevaluated*`` beyond
what a few retries find; patterns with lookarounds or backreferences (a small deterministic search);
formats squeezed by tight length bounds.

:func:`is_valid` and :func:`first_error` (from :mod:`mockai.generate.jsongen.schema_check`, re-exported here) validate a
value against a schema with a small LRU cache of compiled validators keyed by the schema's canonical
JSON; an invalid schema gives a readable error instead of an exception.

This module: the public API, top-level ``$ref`` and ``allOf`` expansion, combinators, arrays and objects.
Schema helpers and ``allOf`` merging: :mod:`mockai.generate.jsongen.keywords`; resolving a ``$ref``:
:mod:`mockai.generate.jsongen.refs`; numbers: :mod:`mockai.generate.jsongen.numbers`; strings:
:mod:`mockai.generate.jsongen.strings` and :mod:`mockai.generate.regex_sampler`.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

from mockai.generate.jsongen.keywords import (
    ALSO,
    ANNOTATIONS,
    Schema,
    UnsatisfiableSchema,
    all_of,
    count_of,
    enum_of,
    is_num,
    jkey,
    matches,
    merge,
    nullish,
    ref_count,
)
from mockai.generate.jsongen.numbers import number
from mockai.generate.jsongen.refs import resolve_ref
from mockai.generate.jsongen.schema_check import (
    SubschemaChecker,
    canonical,
    checker_for,
    compiled,
    first_error,
    is_valid,
)
from mockai.generate.jsongen.strings import WORDS, StringMaker, Words, builtin_phrase

__all__ = ["UnsatisfiableSchema", "first_error", "generate", "is_valid"]


class _TooComplex(Exception):
    """The generation budget ran out (internal; surfaces as :class:`UnsatisfiableSchema`)."""


_MAX_DEPTH = 48  # nesting beyond which a value is deemed infinite
_SHALLOW_DEPTH = 8  # from here on, values are as small as allowed
_RECURSION = 3  # a $ref expanded this many times on one path: values as small as allowed
_BUDGET = 10_000  # ticks (see _Generator.ticks) per value
_ATTEMPTS = 6  # candidates per type before giving up on it
_OBJECT_KEYS = ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
                "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas")  # fmt: skip
_ARRAY_KEYS = ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains")
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# Keywords the generators below satisfy by construction (given valid children): a value for a schema
# using only these needs no check of its own.
_BY_CONSTRUCTION = ANNOTATIONS | {
    "type", "properties", "required", "additionalProperties", "minProperties", "prefixItems", "items",
    "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
}  # fmt: skip
_SIMPLICITY = ("null", "boolean", "integer", "number", "string", "array", "object")


class _Place(NamedTuple):
    """Where a value is being built: the ``$ref`` expanded on the way there, the nesting depth, the
    property name (a hint for strings), and how small the value must be."""

    refs: tuple[str, ...]
    depth: int
    name: str | None
    minimal: bool = False  # as small as allowed: deep, or a $ref recurring _RECURSION times
    small: bool = False  # a $ref recurring at all: few items

    def child(self, name: str | None) -> _Place:
        return _Place(self.refs, self.depth + 1, name)


class _Generator:
    def __init__(self, root: Schema, rng: random.Random, words: Words, checker: SubschemaChecker) -> None:
        self.root, self.rng, self.checker = root, rng, checker
        self.strings = StringMaker(rng, words, self._valid)
        self.ticks = 0  # work done: schema visits, merges and checks (see SubschemaChecker.valid)
        self.memo: dict[int, tuple[Any, Any]] = {}  # for SubschemaChecker.valid
        self.explore = False  # set while retrying: numbers may then be negative

    # -- schema resolution ----------------------------------------------------------------------

    def _normalise(self, schema: Any, refs: tuple[str, ...], chain: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """Expand a top-level $ref and allOf into one schema; ``refs`` gains the references expanded."""
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or ref in chain:
                raise UnsatisfiableSchema(f"circular $ref {ref!r}")
            chain, refs = (*chain, ref), (*refs, ref)
            target = resolve_ref(self.root, self.checker.base, ref)
            rest = {k: v for k, v in schema.items() if k != "$ref" and k not in ANNOTATIONS}
            schema = {"allOf": [target, rest]} if rest else target
        if isinstance(schema, bool):
            return schema, refs
        if not isinstance(schema, Mapping):
            raise UnsatisfiableSchema(f"not a schema: {schema!r}")
        if "allOf" not in schema:
            return schema, refs
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema["allOf"]:
            part, refs = self._normalise(branch, refs, chain)
            if part is False:
                raise UnsatisfiableSchema("an allOf branch is `false`")
            if part is not True:
                merged = merge(merged, part)
                self.ticks += 1
        return merged, refs

    # -- values ----------------------------------------------------------------------------------

    def _valid(self, schema: Any, value: Any) -> bool:
        ok, cost = self.checker.valid(schema, value, self.memo)
        self.ticks += cost
        return ok

    def value(self, schema: Any, at: _Place) -> Any:
        self.ticks += 1
        if self.ticks > _BUDGET:
            raise _TooComplex
        if at.depth > _MAX_DEPTH or len(at.refs) > _MAX_DEPTH:
            raise UnsatisfiableSchema("the schema's recursion has no finite base case")
        s, refs = self._normalise(schema, at.refs, ())
        if s is False:
            raise UnsatisfiableSchema("the `false` schema accepts no value")
        if s is True:
            s = {}
        counts = Counter(refs)
        minimal = at.depth >= _SHALLOW_DEPTH or any(n >= _RECURSION for n in counts.values())
        small = minimal or any(n >= 2 for n in counts.values())
        at = _Place(refs, at.depth, at.name, minimal, small)
        if "anyOf" in s or "oneOf" in s:
            return self._choose(s, "anyOf" if "anyOf" in s else "oneOf", at)
        if "if" in s:
            rest = {k: v for k, v in s.items() if k not in ("if", "then", "else")}
            options = [[rest, s["if"], s.get("then", True)], [rest, {"not": s["if"]}, s.get("else", True)]]
            return self._first_of([{"allOf": o} for o in options], at)
        check = {k: v for k, v in s.items() if k not in (ALSO, "$id", "$anchor", "$defs", "definitions")}
        if s.get(ALSO):
            check["allOf"] = list(s[ALSO])
        if "enum" in s or "const" in s:
            options = [v for v in (enum_of(s) or []) if self._valid(check, v)]
            if not options:
                raise UnsatisfiableSchema("no value of the enum/const satisfies the schema")
            return copy.deepcopy(self.rng.choice(options))
        checked = isinstance(s.get("items"), list) or any(k not in _BY_CONSTRUCTION for k in s)
        error = UnsatisfiableSchema("no type of the schema can be satisfied")
        for type_ in self._types(s, minimal):
            for attempt in range(_ATTEMPTS):
                explore, self.explore = self.explore, self.explore or attempt >= _ATTEMPTS // 2
                try:
                    candidate = self._of_type(type_, s, at)
                except UnsatisfiableSchema as exc:
                    error = exc
                    break
                finally:
                    self.explore = explore
                if not checked or self._valid(check, candidate):
                    return candidate
                error = UnsatisfiableSchema(f"could not generate a valid {type_} for the schema")
        raise error

    def _first_of(self, options: list[Any], at: _Place) -> Any:
        error = UnsatisfiableSchema("no alternative can be satisfied")
        for option in options:
            try:
                return self.value(option, at)
            except UnsatisfiableSchema as exc:
                error = exc
        raise error

    def _choose(self, s: Mapping[str, Any], key: str, at: _Place) -> Any:
        branches = list(s[key])
        rest = {k: v for k, v in s.items() if k != key}
        order = list(range(len(branches)))
        if at.minimal:  # null first, then the branch least likely to recurse
            order.sort(key=lambda i: (not nullish(branches[i]), ref_count(branches[i])))
        else:  # any, but null last: a value says more than a null
            self.rng.shuffle(order)
            order.sort(key=lambda i: nullish(branches[i]))
        options = []
        for i in order:
            parts = [rest, branches[i]]
            others = branches[:i] + branches[i + 1 :]
            if key == "oneOf" and others:
                parts.append({"not": {"anyOf": others}})
            options.append({"allOf": parts})
        return self._first_of(options, at)

    def _types(self, s: Mapping[str, Any], minimal: bool) -> list[str]:
        declared = s.get("type")
        if isinstance(declared, str):
            return [declared]
        if isinstance(declared, list):
            types = [t for t in dict.fromkeys(declared) if isinstance(t, str)]
            if minimal:
                return sorted(types, key=lambda t: _SIMPLICITY.index(t) if t in _SIMPLICITY else 99)
            others = [t for t in types if t != "null"]
            self.rng.shuffle(others)
            return others + ["null"] * ("null" in types)
        inferred = []
        for type_, keys in (("object", _OBJECT_KEYS), ("array", _ARRAY_KEYS), ("string", _STRING_KEYS)):
            if any(k in s for k in keys):
                inferred.append(type_)
        numeric = [s[k] for k in _NUMBER_KEYS if k in s]
        if numeric:
            integral = all(is_num(v) and float(v).is_integer() for v in numeric)
            inferred.append("integer" if integral else "number")
        return list(dict.fromkeys([*inferred, "string", "integer", "number", "boolean", "null", "array", "object"]))

    def _of_type(self, type_: str, s: Mapping[str, Any], at: _Place) -> Any:
        if type_ == "null":
            return None
        if type_ == "boolean":
            return self.rng.random() < 0.5
        if type_ in ("integer", "number"):
            return number(s, type_ == "integer", self.rng, self.explore)
        if type_ == "string":
            return self.strings.string(s, at.name)
        if type_ == "array":
            return self._array(s, at)
        if type_ == "object":
            return self._object(s, at)
        raise UnsatisfiableSchema(f"unknown type {type_!r}")

    # -- arrays and objects ----------------------------------------------------------------------

    def _array(self, s: Mapping[str, Any], at: _Place) -> list[Any]:
        prefix, items = list(s.get("prefixItems", [])), s.get("items", True)
        if isinstance(items, list):  # draft 2019-09 and earlier tuples
            prefix, items = items, s.get("additionalItems", True)
        lo, hi = count_of(s, "minItems") or 0, count_of(s, "maxItems")
        if items is False:
            hi = len(prefix) if hi is None else min(hi, len(prefix))
        contains, need = s.get("contains"), 0
        if contains is not None:
            minimum = count_of(s, "minContains")
            need = 1 if minimum is None else minimum
            lo = max(lo, need if items is False else len(prefix) + need)
        if hi is not None and lo > hi:
            raise UnsatisfiableSchema("the array's bounds admit no length")
        if at.minimal:
            count = lo
        else:
            count = len(prefix) or self.rng.randint(1, 2 if at.small else 3)
            count = max(lo, count if hi is None else min(hi, count))
        unique = s.get("uniqueItems") is True
        values: list[Any] = []
        seen: list[str] = []
        for i in range(count):
            if i < len(prefix):
                sub = prefix[i]
            elif i - len(prefix) < need:
                sub = {"allOf": [items, contains]}
            else:
                sub = items
            for _ in range(8 if unique else 1):
                try:
                    value = self.value(sub, at.child(at.name))
                except UnsatisfiableSchema:
                    if i < lo:
                        raise
                    return values
                if not unique or jkey(value) not in seen:
                    break
            else:
                if i < lo:
                    raise UnsatisfiableSchema("not enough distinct items for uniqueItems")
                return values
            values.append(value)
            seen.append(jkey(value))
        return values

    def _object(self, s: Mapping[str, Any], at: _Place) -> dict[str, Any]:
        props = s.get("properties", {})
        required = [k for k in dict.fromkeys(s.get("required", [])) if isinstance(k, str)]
        extra = s.get("additionalProperties", s.get("unevaluatedProperties", True))
        dependent = s.get("dependentRequired", {})
        lo, hi = count_of(s, "minProperties") or 0, count_of(s, "maxProperties")

        def schema_for(key: str) -> Any:
            parts = [props[key]] if key in props else []
            parts += [sub for pattern, sub in s.get("patternProperties", {}).items() if matches([pattern], key)]
            return all_of(parts) if parts else extra

        wanted = [k for k in props if k in required or not at.minimal]
        wanted += [k for k in required if k not in props]
        out: dict[str, Any] = {}
        must = set(required)
        for key in wanted:
            if hi is not None and len(out) >= hi and key not in must:
                continue
            try:
                out[key] = self.value(schema_for(key), at.child(key))
            except UnsatisfiableSchema as exc:
                if key in must and str(exc).startswith("required property"):
                    raise
                if key in must:
                    raise UnsatisfiableSchema(f"required property {key!r}: {exc}") from None
                continue
            for dep in dependent.get(key, []):
                must.add(dep)
                if dep not in wanted:
                    wanted.append(dep)
        spare = [k for k in props if k not in out]
        n = 0
        while len(out) < lo:
            key = spare.pop(0) if spare else self.rng.choice(WORDS) + (f"_{n}" if n > len(WORDS) else "")
            n += 1
            if n > 2 * lo + len(props) + 32:
                raise UnsatisfiableSchema("cannot reach minProperties")
            if key not in out:
                try:
                    out[key] = self.value(schema_for(key), at.child(key))
                except UnsatisfiableSchema:
                    continue
        return out


def generate(schema: Schema, rng: random.Random, *, words: Words | None = None) -> Any:
    """A JSON value valid against ``schema``, depending only on the schema and ``rng``'s state.

    ``words(rng)`` supplies short phrases for free-text strings (a built-in word list otherwise).
    Raises :class:`UnsatisfiableSchema` when no value exists (``false``, an empty enum, min > max…),
    when the schema is invalid, or when the generator cannot find a valid value.
    """
    if schema is False:
        raise UnsatisfiableSchema("the `false` schema accepts no value")
    try:
        key = canonical(schema)
    except (TypeError, ValueError) as exc:
        raise UnsatisfiableSchema(f"invalid schema: {exc}") from None
    validator, error = compiled(key, True)
    if validator is None:
        raise UnsatisfiableSchema(error)
    generator = _Generator(schema, rng, words or builtin_phrase, checker_for(key))
    try:
        for _ in range(3):
            value = generator.value(schema, _Place((), 0, None))
            if validator.is_valid(value):
                return value
    except (_TooComplex, RecursionError):
        raise UnsatisfiableSchema("the schema is too complex to generate a value for") from None
    raise UnsatisfiableSchema("could not generate a value valid against the schema")
