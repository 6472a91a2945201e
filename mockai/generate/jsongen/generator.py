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

The work is bounded (:mod:`mockai.generate.jsongen.budget`): a value longer than a completion can
be, or one that costs more than the request's :class:`WorkBudget`, is an :class:`UnsatisfiableSchema`
too, whose ``context`` says where in the schema generation failed.  Patterns are matched with a
bound on backtracking (:mod:`mockai.generate.jsongen.patterns`).

:func:`is_valid` and :func:`first_error` (from :mod:`mockai.generate.jsongen.schema_check`, re-exported here) validate a
value against a schema with a small LRU cache of compiled validators keyed by the schema's canonical
JSON; an invalid schema gives a readable error instead of an exception.

This module: the public API, top-level ``$ref`` and ``allOf`` expansion, combinators and types.
Arrays and objects: :mod:`mockai.generate.jsongen.containers`; schema helpers and ``allOf`` merging:
:mod:`mockai.generate.jsongen.keywords`; resolving a ``$ref``:
:mod:`mockai.generate.jsongen.refs`; numbers: :mod:`mockai.generate.jsongen.numbers`; strings:
:mod:`mockai.generate.jsongen.strings` and :mod:`mockai.generate.regex_sampler`.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mockai.generate.jsongen.budget import (
    GENERATE_TICKS,
    MAX_VALUE_CHARS,
    NUMBER_TICKS,
    TOO_LONG,
    VISIT_TICKS,
    BudgetExhausted,
    WorkBudget,
)
from mockai.generate.jsongen.containers import array, object_value
from mockai.generate.jsongen.keywords import (
    ALSO,
    ANNOTATIONS,
    Schema,
    UnsatisfiableSchema,
    enum_of,
    is_num,
    merge,
    nullish,
    ref_count,
)
from mockai.generate.jsongen.numbers import number
from mockai.generate.jsongen.place import Place
from mockai.generate.jsongen.refs import resolve_ref
from mockai.generate.jsongen.schema_check import (
    SubschemaChecker,
    canonical,
    checker_for,
    compile_cost,
    compiled,
    first_error,
    is_valid,
)
from mockai.generate.jsongen.strings import StringMaker, Words, builtin_phrase

__all__ = ["UnsatisfiableSchema", "WorkBudget", "first_error", "generate", "is_valid"]

_MAX_DEPTH = 48  # nesting beyond which a value is deemed infinite
_SHALLOW_DEPTH = 8  # from here on, values are as small as allowed
_RECURSION = 3  # a $ref expanded this many times on one path: values as small as allowed
_ATTEMPTS = 6  # candidates per type before giving up on it
_TOO_COMPLEX = "it is too complex to generate a value for within mockai's work budget"
_OBJECT_KEYS = ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
                "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas")  # fmt: skip
_ARRAY_KEYS = ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains")
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")


def _numeric(branch: Any) -> bool:
    return isinstance(branch, Mapping) and branch.get("type") in ("number", "integer")


def _free_text(branch: Any) -> bool:
    """A branch any words satisfy: a string with no pattern, format, enum or const."""
    return (
        isinstance(branch, Mapping)
        and branch.get("type") == "string"
        and not any(key in branch for key in ("pattern", "format", "enum", "const"))
    )


_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# Keywords the generators below satisfy by construction (given valid children): a value for a schema
# using only these needs no check of its own.
_BY_CONSTRUCTION = ANNOTATIONS | {
    "type", "properties", "required", "additionalProperties", "minProperties", "prefixItems", "items",
    "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
}  # fmt: skip
_SIMPLICITY = ("null", "boolean", "integer", "number", "string", "array", "object")


class _Generator:
    def __init__(
        self, root: Schema, rng: random.Random, words: Words, checker: SubschemaChecker, budget: WorkBudget
    ) -> None:
        self.root, self.rng, self.checker, self.budget = root, rng, checker, budget
        self.strings = StringMaker(rng, words, budget)
        self.memo: dict[int, tuple[Any, Any]] = {}  # for SubschemaChecker.valid
        self.compiled: set[str] = set()  # the checks compiled for this value (each priced once)
        self.explore = False  # set while retrying: numbers may then be negative

    # -- schema resolution ----------------------------------------------------------------------

    def _normalise(self, schema: Any, refs: tuple[str, ...], chain: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """Expand a top-level $ref and allOf into one schema; ``refs`` gains the references expanded."""
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or ref in chain:
                raise UnsatisfiableSchema(f"circular $ref {ref!r}")
            chain, refs = (*chain, ref), (*refs, ref)
            target = resolve_ref(self.root, self.checker.base, ref, self.checker.anchors)
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
                self.budget.spend(2 + len(merged) + len(part))
                merged = merge(merged, part)
        return merged, refs

    # -- values ----------------------------------------------------------------------------------

    def _valid(self, schema: Any, value: Any) -> bool:
        ok, cost = self.checker.valid(schema, value, self.memo, self.compiled)
        self.budget.spend(cost)
        return ok

    def valid(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` is valid against ``schema`` (a piece of the root), the check priced."""
        return self._valid(schema, value)

    def value(self, schema: Any, at: Place) -> Any:
        """A value for ``schema`` at ``at``; an :class:`UnsatisfiableSchema` raised on the way is
        given the context of the innermost value that could not be built."""
        self.budget.spend(VISIT_TICKS)
        try:
            return self._value(schema, at)
        except UnsatisfiableSchema as exc:
            if exc.context is None:
                exc.context = at.path
            raise

    def _value(self, schema: Any, at: Place) -> Any:
        if at.depth > _MAX_DEPTH or len(at.refs) > _MAX_DEPTH:
            raise UnsatisfiableSchema("the schema's recursion has no finite base case")
        s, refs = self._normalise(schema, at.refs, ())
        if s is False:
            raise UnsatisfiableSchema("the `false` schema accepts no value")
        if s is True:
            s = {}
        minimal = small = at.depth >= _SHALLOW_DEPTH
        if refs:
            counts = Counter(refs).values()
            minimal = minimal or any(n >= _RECURSION for n in counts)
            small = minimal or any(n >= 2 for n in counts)
        at = Place(refs, at.depth, at.name, minimal, small, at.path)
        if "anyOf" in s or "oneOf" in s:
            return self._choose(s, "anyOf" if "anyOf" in s else "oneOf", at)
        if "if" in s:
            rest = {k: v for k, v in s.items() if k not in ("if", "then", "else")}
            options = [[rest, s["if"], s.get("then", True)], [rest, {"not": s["if"]}, s.get("else", True)]]
            return self._first_of([{"allOf": o} for o in options], at)
        enum = "enum" in s or "const" in s
        checked = enum or isinstance(s.get("items"), list) or any(k not in _BY_CONSTRUCTION for k in s)
        check = {}
        if checked:
            check = {k: v for k, v in s.items() if k not in (ALSO, "$id", "$anchor", "$defs", "definitions")}
            if s.get(ALSO):
                check["allOf"] = list(s[ALSO])
        if enum:
            return copy.deepcopy(self.rng.choice(self._allowed(s, check)))
        error: UnsatisfiableSchema | None = None
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
        raise error or UnsatisfiableSchema("no type of the schema can be satisfied")

    def _allowed(self, s: Mapping[str, Any], check: dict[str, Any]) -> list[Any]:
        """The values of ``s``'s enum/const that satisfy the rest of ``s`` (``check``)."""
        values = enum_of(s) or []
        self.budget.spend(1 + len(values) // 16)
        rest = {k: v for k, v in check.items() if k not in ("enum", "const")}
        if set(rest) <= {"type"} | ANNOTATIONS:  # only the type to check: no validator needed
            types = self._types(s, True) if "type" in rest else None
            options = [v for v in values if types is None or any(_of_json_type(v, t) for t in types)]
        else:
            options = [v for v in values if self._valid(rest, v)]
        if not options:
            raise UnsatisfiableSchema("no value of its enum/const satisfies the schema")
        return options

    def _first_of(self, options: Iterable[Any], at: Place) -> Any:
        error = UnsatisfiableSchema("no alternative can be satisfied")
        for option in options:
            try:
                return self.value(option, at)
            except UnsatisfiableSchema as exc:
                error = exc
        raise error

    def _choose(self, s: Mapping[str, Any], key: str, at: Place) -> Any:
        branches = list(s[key])
        rest = {k: v for k, v in s.items() if k != key}
        order = list(range(len(branches)))
        if at.minimal:  # null first, then the branch least likely to recurse
            counts = [ref_count(branch, self.budget) for branch in branches]
            order.sort(key=lambda i: (not nullish(branches[i]), counts[i]))
        else:  # any, but null last: a value says more than a null
            self.rng.shuffle(order)
            # and a number before free text: a model fills pydantic's Decimal (``anyOf: [number,
            # string]``) with a number, and words there fail the model's validation
            numeric = any(_numeric(branch) for branch in branches)
            order.sort(key=lambda i: (nullish(branches[i]), numeric and _free_text(branches[i])))
        self.budget.spend(len(branches))

        def options() -> Iterator[Any]:
            for i in order:
                parts = [rest, branches[i]]
                if key == "oneOf" and len(branches) > 1:
                    self.budget.spend(len(branches))
                    parts.append({"not": {"anyOf": branches[:i] + branches[i + 1 :]}})
                yield {"allOf": parts}

        return self._first_of(options(), at)

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

    def _of_type(self, type_: str, s: Mapping[str, Any], at: Place) -> Any:
        if type_ == "null":
            return None
        if type_ == "boolean":
            return self.rng.random() < 0.5
        if type_ in ("integer", "number"):
            self.budget.spend(NUMBER_TICKS)
            return number(s, type_ == "integer", self.rng, self.explore)
        if type_ == "string":
            return self.strings.string(s, at.name)
        if type_ == "array":
            return array(self, s, at)
        if type_ == "object":
            return object_value(self, s, at)
        raise UnsatisfiableSchema(f"unknown type {type_!r}")


def _of_json_type(value: Any, type_: str) -> bool:
    """Whether ``value`` is of the JSON Schema type ``type_`` (1.0 is an integer, True is not)."""
    if type_ in ("integer", "number"):
        if not is_num(value):
            return False
        return type_ == "number" or isinstance(value, int) or value.is_integer()
    kinds = {"string": str, "boolean": bool, "null": type(None), "array": list, "object": dict}
    return type_ in kinds and isinstance(value, kinds[type_])


def generate(
    schema: Schema, rng: random.Random, *, words: Words | None = None, budget: WorkBudget | None = None
) -> Any:
    """A JSON value valid against ``schema``, depending only on the schema and ``rng``'s state.

    ``words(rng)`` supplies short phrases for free-text strings (a built-in word list otherwise).
    ``budget`` is the work the value may cost (a request shares one among all its values; a fresh
    :class:`WorkBudget` otherwise).  Raises :class:`UnsatisfiableSchema` when no value exists (``false``,
    an empty enum, min > max…), when the schema is invalid, when the generator cannot find a valid
    value, when the smallest value is longer than a completion can be, or when the budget runs out.
    """
    budget = WorkBudget() if budget is None else budget
    try:
        return _generate(schema, rng, words or builtin_phrase, budget)
    except BudgetExhausted:
        raise UnsatisfiableSchema(_TOO_COMPLEX, ()) from None
    except UnsatisfiableSchema:
        raise
    except RecursionError:
        raise UnsatisfiableSchema(_TOO_COMPLEX, ()) from None
    except (ArithmeticError, ValueError) as exc:  # numbers beyond a float, an int beyond 4,300 digits
        raise UnsatisfiableSchema(f"its numbers are out of range: {exc}", ()) from None


def _generate(schema: Schema, rng: random.Random, words: Words, budget: WorkBudget) -> Any:
    if schema is False:
        raise UnsatisfiableSchema("the `false` schema accepts no value", ())
    try:
        key = canonical(schema)
    except (TypeError, ValueError) as exc:
        raise UnsatisfiableSchema(f"invalid schema: {exc}", ()) from None
    budget.spend(GENERATE_TICKS + len(key) // 4)  # the canonical JSON parsed again, indexed
    checker = checker_for(key)
    # The root's validator, and each pattern once for matching property names and strings.
    prices = checker.pattern_prices
    budget.spend(compile_cost(key, prices) + sum(prices.values()))
    validator, error = compiled(key, True)
    if validator is None:
        raise UnsatisfiableSchema(error or "invalid schema", ())
    generator = _Generator(schema, rng, words, checker, budget)
    for _ in range(3):
        value = generator.value(schema, Place((), 0, None))
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        budget.spend(1 + len(text) // 16)
        if len(text) > MAX_VALUE_CHARS:
            raise UnsatisfiableSchema(TOO_LONG, ())
        if validator.is_valid(value):
            return value
    raise UnsatisfiableSchema("could not generate a value valid against the schema", ())
