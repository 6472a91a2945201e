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

:func:`is_valid` and :func:`first_error` validate a value against a schema with a small LRU cache of
compiled validators keyed by the schema's canonical JSON; an invalid schema gives a readable error
instead of an exception.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import itertools
import json
import math
import random
import re
import string
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeAlias, TypeGuard
from urllib.parse import unquote

import jsonschema_rs

__all__ = ["UnsatisfiableSchema", "first_error", "generate", "is_valid"]

Schema: TypeAlias = Mapping[str, Any] | bool
Words: TypeAlias = Callable[[random.Random], str]


class UnsatisfiableSchema(ValueError):
    """No value can be generated: the schema admits none (``false``, an empty ``enum``, min > max…),
    the schema itself is invalid, or it is beyond what the generator can satisfy."""


class _TooComplex(Exception):
    """The generation budget ran out (internal; surfaces as :class:`UnsatisfiableSchema`)."""


# ---------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _canonical(value: Any) -> str:
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


def _describe(error: Any) -> str:
    message = getattr(error, "message", None) or (str(error).splitlines() or ["invalid"])[0]
    path = list(getattr(error, "instance_path", None) or [])
    return f"{message} (at {_pointer(path)})" if path else str(message)


@functools.lru_cache(maxsize=128)
def _compiled(canonical: str, formats: bool) -> tuple[Any, str | None]:
    try:
        return jsonschema_rs.validator_for(json.loads(canonical), validate_formats=formats, offline=True), None
    except Exception as exc:  # the schema does not match its meta-schema, or a $ref cannot be resolved
        return None, f"invalid schema: {_describe(exc)}"


def _validator(schema: Any, formats: bool) -> tuple[Any, str | None]:
    try:
        key = _canonical(schema)
    except (TypeError, ValueError) as exc:
        return None, f"invalid schema: {exc}"
    return _compiled(key, formats)


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
            return _describe(problem)
    except (ValueError, TypeError, OverflowError) as exc:
        return f"value is not JSON: {exc}"
    return None


# ---------------------------------------------------------------------------------------------------
# Sub-schema checks: validate against a piece of the root schema, its $refs resolved against the root
# ---------------------------------------------------------------------------------------------------

_LITERAL_KEYS = frozenset({"enum", "const", "default", "examples"})
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
            if key in _LITERAL_KEYS:
                out[key] = value
            elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = base + value
            elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {name: _absolutise(sub, base, memo) for name, sub in value.items()}
            else:
                out[key] = _absolutise(value, base, memo)
    memo[id(node)] = (node, out)
    return out


class _Checker:
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

    def valid(self, schema: Any, value: Any, memo: dict[int, tuple[Any, Any]]) -> tuple[bool, int]:
        """Whether ``value`` is valid against ``schema`` (a piece of the root), and the check's cost in
        ticks: one per 50 characters of schema, and 10 for compiling it."""
        schema = _absolutise(schema, self.base, memo)
        if isinstance(schema, dict) and self.draft is not None and "$schema" not in schema:
            schema = {**schema, "$schema": self.draft}
        key = _canonical(schema)
        cost = len(key) // 50
        validator = self.validators.get(key)
        if validator is None:
            cost += 10
            try:
                validator = jsonschema_rs.validator_for(
                    schema, registry=self.registry, validate_formats=True, offline=True
                )
            except Exception as exc:
                raise UnsatisfiableSchema(f"cannot check a value: {_describe(exc)}") from None
            if len(self.validators) > 512:
                self.validators.clear()
            self.validators[key] = validator
        return bool(validator.is_valid(value)), cost


@functools.lru_cache(maxsize=32)
def _checker_for(canonical: str) -> _Checker:
    return _Checker(json.loads(canonical))


# ---------------------------------------------------------------------------------------------------
# Schema plumbing: JSON equality, allOf merging
# ---------------------------------------------------------------------------------------------------

_ALSO = "x-mockai-also"  # constraints a merge could not fold in: checked, not generated from
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$defs", "definitions", "$vocabulary",
     "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip
_MAX_OF = frozenset({"minimum", "minLength", "minItems", "minProperties", "minContains"})
_MIN_OF = frozenset({"maximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_SUBSCHEMA = frozenset(
    {"items", "additionalItems", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contains"}
)
_MERGED_ELSEWHERE = frozenset(
    {"properties", "additionalProperties", "patternProperties", "prefixItems", "if", "then", "else",
     "enum", "const", _ALSO}
)  # fmt: skip


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


def _jkey(value: Any) -> str:
    """A key equal for JSON-equal values (1 == 1.0, but true != 1)."""
    return json.dumps(_normal(value), sort_keys=True, default=repr)


def _is_num(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count(schema: Mapping[str, Any], key: str) -> int | None:
    value = schema.get(key)
    return int(value) if _is_num(value) else None


def _all(parts: list[Any]) -> Any:
    """The conjunction of schemas, as small as possible."""
    if any(p is False for p in parts):
        return False
    parts = [p for p in parts if p is not True and p != {}]
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def _fraction(x: int | float) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _lcm(a: int | float, b: int | float) -> int | float:
    fa, fb = _fraction(a), _fraction(b)
    result = Fraction(math.lcm(fa.numerator, fb.numerator), math.gcd(fa.denominator, fb.denominator))
    return int(result) if result.denominator == 1 else float(result)


def _intersect_types(a: Any, b: Any) -> list[str]:
    la = [a] if isinstance(a, str) else list(a)
    lb = [b] if isinstance(b, str) else list(b)
    out: list[str] = []
    for t in la:
        if t in lb:
            out.append(t)
        elif (t == "number" and "integer" in lb) or (t == "integer" and "number" in lb):
            out.append("integer")
    return list(dict.fromkeys(out))


def _matches(patterns: Any, name: str) -> bool:
    for pattern in patterns or ():
        try:
            if re.search(pattern, name):
                return True
        except re.error:
            continue
    return False


def _enum_of(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """One schema equivalent (or, where noted in ``_ALSO``, checked to be equivalent) to ``a`` ∧ ``b``."""
    out = dict(a)
    also = [*a.get(_ALSO, ()), *b.get(_ALSO, ())]
    # Objects: a property one side lacks is still bound by that side's additionalProperties.
    if any(k in s for s in (a, b) for k in ("properties", "additionalProperties", "patternProperties")):
        pa, pb = a.get("properties", {}), b.get("properties", {})
        props: dict[str, Any] = {}
        for name in [*pa, *(k for k in pb if k not in pa)]:
            parts = []
            for side, own in ((a, pa), (b, pb)):
                if name in own:
                    parts.append(own[name])
                elif "additionalProperties" in side and not _matches(side.get("patternProperties"), name):
                    parts.append(side["additionalProperties"])
            props[name] = _all(parts)
        if props:
            out["properties"] = props
        extra = [s["additionalProperties"] for s in (a, b) if "additionalProperties" in s]
        if extra:
            out["additionalProperties"] = _all(extra)
        patterns = dict(a.get("patternProperties", {}))
        for pattern, sub in b.get("patternProperties", {}).items():
            patterns[pattern] = _all([patterns[pattern], sub]) if pattern in patterns else sub
        if patterns:
            out["patternProperties"] = patterns
    # Tuples: a position one side lacks is bound by that side's items.
    if "prefixItems" in a or "prefixItems" in b:
        pa, pb = a.get("prefixItems", []), b.get("prefixItems", [])
        prefix = []
        for i in range(max(len(pa), len(pb))):
            parts = [p[i] if i < len(p) else s["items"] for p, s in ((pa, a), (pb, b)) if i < len(p) or "items" in s]
            prefix.append(_all(parts))
        out["prefixItems"] = prefix
    if "if" in b:
        condition = {k: b[k] for k in ("if", "then", "else") if k in b}
        if "if" in a:
            also.append(condition)
        else:
            out.update(condition)
    for key, bv in b.items():
        if key in _MERGED_ELSEWHERE:
            continue
        if key in _ANNOTATIONS or key not in out:
            out.setdefault(key, bv)
            continue
        av = out[key]
        if av == bv and _jkey(av) == _jkey(bv):
            continue
        if key == "type":
            out[key] = _intersect_types(av, bv)
        elif key in _MAX_OF and _is_num(av) and _is_num(bv):
            out[key] = max(av, bv)
        elif key in _MIN_OF and _is_num(av) and _is_num(bv):
            out[key] = min(av, bv)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and _is_num(av) and _is_num(bv):
            out[key] = max(av, bv) if key == "exclusiveMinimum" else min(av, bv)
        elif key == "multipleOf" and _is_num(av) and _is_num(bv):
            out[key] = _lcm(av, bv)
        elif key == "required":
            out[key] = list(dict.fromkeys([*av, *bv]))
        elif key == "uniqueItems":
            out[key] = bool(av) or bool(bv)
        elif key in _SUBSCHEMA and key != "contains" and not isinstance(av, list) and not isinstance(bv, list):
            out[key] = _all([av, bv])
        elif key == "not":
            out[key] = {"anyOf": [av, bv]}
        elif key in ("anyOf", "oneOf") and len(av) * len(bv) <= 64:
            # (∃ a) ∧ (∃ b) ≡ ∃ (a ∧ b); and "exactly one a" ∧ "exactly one b" ≡ "exactly one pair".
            out[key] = [_all([x, y]) for x in av for y in bv]
        elif key == "dependentRequired":
            out[key] = {k: list(dict.fromkeys([*av.get(k, []), *bv.get(k, [])])) for k in {**av, **bv}}
        elif key == "dependentSchemas":
            out[key] = {k: _all([s[k] for s in (av, bv) if k in s]) for k in {**av, **bv}}
        else:  # pattern, format, contains, …: keep a's, check b's
            also.append({key: bv})
    ea, eb = _enum_of(a), _enum_of(b)
    if eb is not None:
        out.pop("const", None)
        keep = [_jkey(v) for v in eb]
        out["enum"] = eb if ea is None else [v for v in ea if _jkey(v) in keep]
    if also:
        out[_ALSO] = also
    return out


def _nullish(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    return schema.get("type") in ("null", ["null"]) or ("const" in schema and schema["const"] is None)


def _ref_count(node: Any) -> int:
    if isinstance(node, list):
        return sum(_ref_count(item) for item in node)
    if not isinstance(node, Mapping):
        return 0
    return ("$ref" in node) + sum(_ref_count(v) for k, v in node.items() if k not in _LITERAL_KEYS)


# ---------------------------------------------------------------------------------------------------
# Regular expressions: a small generator for the common subset (no lookarounds, no backreferences)
# ---------------------------------------------------------------------------------------------------

_PRINTABLE = "".join(chr(c) for c in range(32, 127))
_WORDCHARS = string.ascii_letters + string.digits + "_"
_CLASSES = {
    "d": string.digits,
    "w": _WORDCHARS,
    "s": " ",
    "D": "".join(c for c in _PRINTABLE if c not in string.digits),
    "W": "".join(c for c in _PRINTABLE if c not in _WORDCHARS),
    "S": _PRINTABLE.replace(" ", ""),
}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")


class _Unsupported(Exception):
    pass


@dataclass(frozen=True)
class _Chars:
    chars: str  # one of these


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    options: tuple[_Node, ...]


@dataclass(frozen=True)
class _Repeat:
    node: _Node
    lo: int
    hi: int | None


_Node: TypeAlias = _Chars | _Seq | _Alt | _Repeat


class _RegexParser:
    def __init__(self, pattern: str) -> None:
        self.p, self.i = pattern, 0

    def parse(self) -> _Node:
        node = self._alternation()
        if self.i != len(self.p):
            raise _Unsupported("unbalanced parenthesis")
        return node

    def _peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def _alternation(self) -> _Node:
        options = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def _sequence(self) -> _Node:
        items: list[_Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _Seq(tuple(items))

    def _atom(self) -> _Node:
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self.p.startswith(("?<", "?P<"), self.i) and self.p[self.i + 2 : self.i + 3] not in "=!":
                self.i = self.p.index(">", self.i) + 1
            elif self._peek() == "?":
                raise _Unsupported("lookaround or inline flags")
            node = self._alternation()
            if self._peek() != ")":
                raise _Unsupported("unbalanced parenthesis")
            self.i += 1
            return node
        if c == "[":
            return self._class()
        if c == ".":
            return _Chars(string.ascii_lowercase + string.digits)
        if c in "^$":
            return _Seq(())
        if c == "\\":
            if self.p[self.i : self.i + 1] in ("b", "B"):  # word boundaries: the final check decides
                self.i += 1
                return _Seq(())
            return _Chars(self._escape(in_class=False))
        if c in "*+?":
            raise _Unsupported("nothing to repeat")
        return _Chars(c)

    def _escape(self, *, in_class: bool) -> str:
        if self.i >= len(self.p):
            raise _Unsupported("trailing backslash")
        c = self.p[self.i]
        self.i += 1
        if c in _CLASSES:
            return _CLASSES[c]
        if c in _CONTROL:
            return _CONTROL[c]
        if c == "b" and in_class:
            return "\b"
        if c in "xu":
            width = 2 if c == "x" else 4
            digits = self.p[self.i : self.i + width]
            if len(digits) != width or any(d not in string.hexdigits for d in digits):
                raise _Unsupported("escape")
            self.i += width
            return chr(int(digits, 16))
        if c.isalnum():  # backreferences, \p{…}, \c…
            raise _Unsupported(f"\\{c}")
        return c

    def _class_atom(self) -> str:
        c = self.p[self.i]
        self.i += 1
        return self._escape(in_class=True) if c == "\\" else c

    def _class(self) -> _Node:
        negate = self._peek() == "^"
        self.i += negate
        members: list[str] = []
        while True:
            if self.i >= len(self.p):
                raise _Unsupported("unterminated class")
            if self.p[self.i] == "]":
                self.i += 1
                break
            first = self._class_atom()
            if len(first) == 1 and self._peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("", "]"):
                self.i += 1
                last = self._class_atom()
                if len(last) != 1 or ord(last) < ord(first):
                    raise _Unsupported("range")
                span = [chr(c) for c in range(ord(first), ord(last) + 1)]
                members.extend([c for c in span if c in _PRINTABLE] or span[:64])
            else:
                members.extend(first)
        chars = "".join(sorted(dict.fromkeys(members)))
        if negate:
            chars = "".join(c for c in _PRINTABLE if c not in chars)
        if not chars:
            raise _Unsupported("empty class")
        return _Chars(chars)

    def _quantified(self, atom: _Node) -> _Node:
        c = self._peek()
        if c in ("*", "+", "?"):
            self.i += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{" and (m := _QUANTIFIER.match(self.p, self.i)):
            self.i = m.end()
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        else:
            return atom
        if self._peek() in ("?", "+"):  # lazy / possessive: same strings
            self.i += 1
        return _Repeat(atom, lo, hi)


@functools.lru_cache(maxsize=256)
def _parse_regex(pattern: str) -> _Node | None:
    try:
        return _RegexParser(pattern).parse()
    except (_Unsupported, ValueError, IndexError):
        return None


@functools.lru_cache(maxsize=256)
def _python_regex(pattern: str) -> re.Pattern[str] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(pattern)
        except re.error:
            return None


# ---------------------------------------------------------------------------------------------------
# Readable strings
# ---------------------------------------------------------------------------------------------------

_WORDS = (
    "amber", "breeze", "cedar", "delta", "ember", "falcon", "garden", "harbor", "island", "juniper",
    "kettle", "lantern", "meadow", "nectar", "orchid", "pebble", "quartz", "river", "summit", "timber",
    "velvet", "willow", "yonder", "zephyr",
)  # fmt: skip
_CITIES = (
    "San Francisco, CA", "Boston, MA", "Paris, France", "Tokyo, Japan", "London, UK", "Berlin, Germany",
    "Toronto, Canada", "Sydney, Australia",
)  # fmt: skip
_PEOPLE = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Margaret Hamilton",
    "Edsger Dijkstra", "Barbara Liskov",
)  # fmt: skip
_COUNTRIES = ("France", "Japan", "Canada", "Brazil", "Kenya", "Germany", "Australia")
_PERSON_WORDS = frozenset({"name", "author", "owner", "assignee", "recipient", "sender", "customer", "person"})
_NOT_PERSON = frozenset({
    "file", "city", "country", "company", "product", "project", "function", "tool", "model", "host", "domain",
    "place", "event", "team", "brand", "display", "class", "type",
})  # fmt: skip
_CITY_WORDS = frozenset({"city", "location", "town", "destination", "origin", "place"})
_URL_WORDS = frozenset({"url", "uri", "website", "link", "homepage"})


def _builtin_phrase(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}"


def _tokens(name: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    if words:
        last = words[-1]
        if last.endswith("ies") and len(last) > 4:
            words[-1] = last[:-3] + "y"
        elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
            words[-1] = last[:-1]
    return words


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2020, 2026):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _duration(rng: random.Random) -> str:
    days, hours, minutes = rng.randint(1, 30), rng.randint(1, 23), rng.randint(1, 59)
    return rng.choice([f"P{days}D", f"PT{hours}H{minutes}M", f"P{days}DT{hours}H"])


def _email(rng: random.Random) -> str:
    return rng.choice(_PEOPLE).lower().replace(" ", ".") + "@example.com"


def _url(rng: random.Random) -> str:
    return f"https://example.com/{rng.choice(_WORDS)}"


def _hostname(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}.example.com"


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date": _date,
    "time": _time,
    "date-time": lambda rng: f"{_date(rng)}T{_time(rng)}",
    "duration": _duration,
    "email": _email,
    "idn-email": _email,
    "hostname": _hostname,
    "idn-hostname": _hostname,
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "ipv6": lambda rng: str(ipaddress.IPv6Address((0x20010DB8 << 96) | rng.getrandbits(96))),
    "uri": _url,
    "iri": _url,
    "uri-reference": _url,
    "iri-reference": _url,
    "uri-template": lambda rng: _url(rng) + "/{id}",
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "json-pointer": lambda rng: f"/{rng.choice(_WORDS)}/{rng.randint(0, 9)}",
    "relative-json-pointer": lambda rng: f"{rng.randint(0, 3)}/{rng.choice(_WORDS)}",
    "regex": lambda rng: "^[a-z]+$",
}


def _fit(text: str, lo: int, hi: int | None, more: Callable[[], str]) -> str:
    """Pad (with more words) or cut ``text`` to a length in [lo, hi]."""
    for _ in range(lo):
        if len(text) >= lo:
            break
        text = f"{text} {more()}".strip()
    if len(text) < lo:
        text += "x" * (lo - len(text))
    if hi is not None and len(text) > hi:
        cut = text[:hi]
        text = cut.rstrip() if len(cut.rstrip()) >= lo else cut
    return text


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------

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
_BY_CONSTRUCTION = _ANNOTATIONS | {
    "type", "properties", "required", "additionalProperties", "minProperties", "prefixItems", "items",
    "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
}  # fmt: skip
_SIMPLICITY = ("null", "boolean", "integer", "number", "string", "array", "object")


class _Generator:
    def __init__(self, root: Schema, rng: random.Random, words: Words, checker: _Checker) -> None:
        self.root, self.rng, self.words, self.checker = root, rng, words, checker
        self.ticks = 0  # work done: schema visits, merges and checks (see _Checker.valid)
        self.memo: dict[int, tuple[Any, Any]] = {}  # for _absolutise
        self.explore = False  # set while retrying: numbers may then be negative

    # -- schema resolution -----------------------------------------------------------------------

    def _resolve(self, ref: str) -> Any:
        fragment = ref
        if fragment.startswith(self.checker.base + "#"):
            fragment = fragment[len(self.checker.base) :]
        if not fragment.startswith("#"):
            raise UnsatisfiableSchema(f"unsupported $ref {ref!r}: only references within the schema are")
        fragment = unquote(fragment[1:])
        if fragment and not fragment.startswith("/"):
            found = self._anchor(self.root, fragment)
            if found is None:
                raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}")
            return found
        node: Any = self.root
        for token in fragment.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}")
        return node

    def _anchor(self, node: Any, name: str) -> Any:
        if isinstance(node, list):
            node = {str(i): v for i, v in enumerate(node)}
        if not isinstance(node, Mapping):
            return None
        if node.get("$anchor") == name:
            return node
        for key, value in node.items():
            if key not in _LITERAL_KEYS and (found := self._anchor(value, name)) is not None:
                return found
        return None

    def _normalise(self, schema: Any, refs: tuple[str, ...], chain: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """Expand a top-level $ref and allOf into one schema; ``refs`` gains the references expanded."""
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or ref in chain:
                raise UnsatisfiableSchema(f"circular $ref {ref!r}")
            chain, refs = (*chain, ref), (*refs, ref)
            target = self._resolve(ref)
            rest = {k: v for k, v in schema.items() if k != "$ref" and k not in _ANNOTATIONS}
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
                merged = _merge(merged, part)
                self.ticks += 1
        return merged, refs

    # -- values ----------------------------------------------------------------------------------

    def _valid(self, schema: Any, value: Any) -> bool:
        ok, cost = self.checker.valid(schema, value, self.memo)
        self.ticks += cost
        return ok

    def value(self, schema: Any, refs: tuple[str, ...], depth: int, name: str | None) -> Any:
        self.ticks += 1
        if self.ticks > _BUDGET:
            raise _TooComplex
        if depth > _MAX_DEPTH or len(refs) > _MAX_DEPTH:
            raise UnsatisfiableSchema("the schema's recursion has no finite base case")
        s, refs = self._normalise(schema, refs, ())
        if s is False:
            raise UnsatisfiableSchema("the `false` schema accepts no value")
        if s is True:
            s = {}
        counts = Counter(refs)
        minimal = depth >= _SHALLOW_DEPTH or any(n >= _RECURSION for n in counts.values())
        small = minimal or any(n >= 2 for n in counts.values())
        if "anyOf" in s or "oneOf" in s:
            return self._choose(s, "anyOf" if "anyOf" in s else "oneOf", refs, depth, name, minimal)
        if "if" in s:
            rest = {k: v for k, v in s.items() if k not in ("if", "then", "else")}
            options = [[rest, s["if"], s.get("then", True)], [rest, {"not": s["if"]}, s.get("else", True)]]
            return self._first_of([{"allOf": o} for o in options], refs, depth, name)
        check = {k: v for k, v in s.items() if k not in (_ALSO, "$id", "$anchor", "$defs", "definitions")}
        if s.get(_ALSO):
            check["allOf"] = list(s[_ALSO])
        if "enum" in s or "const" in s:
            options = [v for v in (_enum_of(s) or []) if self._valid(check, v)]
            if not options:
                raise UnsatisfiableSchema("no value of the enum/const satisfies the schema")
            return copy.deepcopy(self.rng.choice(options))
        checked = isinstance(s.get("items"), list) or any(k not in _BY_CONSTRUCTION for k in s)
        error = UnsatisfiableSchema("no type of the schema can be satisfied")
        for type_ in self._types(s, minimal):
            for attempt in range(_ATTEMPTS):
                explore, self.explore = self.explore, self.explore or attempt >= _ATTEMPTS // 2
                try:
                    candidate = self._of_type(type_, s, refs, depth, name, minimal, small)
                except UnsatisfiableSchema as exc:
                    error = exc
                    break
                finally:
                    self.explore = explore
                if not checked or self._valid(check, candidate):
                    return candidate
                error = UnsatisfiableSchema(f"could not generate a valid {type_} for the schema")
        raise error

    def _first_of(self, options: list[Any], refs: tuple[str, ...], depth: int, name: str | None) -> Any:
        error = UnsatisfiableSchema("no alternative can be satisfied")
        for option in options:
            try:
                return self.value(option, refs, depth, name)
            except UnsatisfiableSchema as exc:
                error = exc
        raise error

    def _choose(
        self,
        s: Mapping[str, Any],
        key: str,
        refs: tuple[str, ...],
        depth: int,
        name: str | None,
        minimal: bool,
    ) -> Any:
        branches = list(s[key])
        rest = {k: v for k, v in s.items() if k != key}
        order = list(range(len(branches)))
        if minimal:  # null first, then the branch least likely to recurse
            order.sort(key=lambda i: (not _nullish(branches[i]), _ref_count(branches[i])))
        else:  # any, but null last: a value says more than a null
            self.rng.shuffle(order)
            order.sort(key=lambda i: _nullish(branches[i]))
        options = []
        for i in order:
            parts = [rest, branches[i]]
            others = branches[:i] + branches[i + 1 :]
            if key == "oneOf" and others:
                parts.append({"not": {"anyOf": others}})
            options.append({"allOf": parts})
        return self._first_of(options, refs, depth, name)

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
            integral = all(_is_num(v) and float(v).is_integer() for v in numeric)
            inferred.append("integer" if integral else "number")
        return list(dict.fromkeys([*inferred, "string", "integer", "number", "boolean", "null", "array", "object"]))

    def _of_type(
        self,
        type_: str,
        s: Mapping[str, Any],
        refs: tuple[str, ...],
        depth: int,
        name: str | None,
        minimal: bool,
        small: bool,
    ) -> Any:
        if type_ == "null":
            return None
        if type_ == "boolean":
            return self.rng.random() < 0.5
        if type_ in ("integer", "number"):
            return self._number(s, type_ == "integer")
        if type_ == "string":
            return self._string(s, name)
        if type_ == "array":
            return self._array(s, refs, depth, name, minimal, small)
        if type_ == "object":
            return self._object(s, refs, depth, minimal)
        raise UnsatisfiableSchema(f"unknown type {type_!r}")

    # -- numbers ---------------------------------------------------------------------------------

    @staticmethod
    def _bounds(s: Mapping[str, Any]) -> tuple[Any, bool, Any, bool]:
        lo, lo_x, hi, hi_x = s.get("minimum"), False, s.get("maximum"), False
        lo = lo if _is_num(lo) else None
        hi = hi if _is_num(hi) else None
        ex_lo, ex_hi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        if ex_lo is True or ex_hi is True:  # draft 4: a flag on minimum / maximum
            lo_x, hi_x = ex_lo is True and lo is not None, ex_hi is True and hi is not None
        if _is_num(ex_lo) and (lo is None or ex_lo >= lo):
            lo, lo_x = ex_lo, True
        if _is_num(ex_hi) and (hi is None or ex_hi <= hi):
            hi, hi_x = ex_hi, True
        return lo, lo_x, hi, hi_x

    def _window(self, lo: Any, hi: Any, width: Any) -> tuple[Any, Any]:
        """A readable range inside [lo, hi]: from 0 up when allowed, else at the nearest bound."""
        a, b = (-width, width) if self.explore else (0, width)
        if lo is not None and lo > a:
            a, b = lo, lo + width
        elif hi is not None and hi < (b if self.explore else 0):
            a, b = hi - width, hi
        return (a if lo is None else max(a, lo)), (b if hi is None else min(b, hi))

    def _number(self, s: Mapping[str, Any], integer: bool) -> int | float:
        lo, lo_x, hi, hi_x = self._bounds(s)
        m = s.get("multipleOf")
        m = m if _is_num(m) and m > 0 else None

        def inside(v: int | float) -> bool:
            above = lo is None or (v > lo if lo_x else v >= lo)
            below = hi is None or (v < hi if hi_x else v <= hi)
            return above and below and (m is None or not isinstance(m, float) or (v / m).is_integer())

        if integer or m is not None:
            step = _fraction(m) if m is not None else Fraction(1)
            if integer:
                step = Fraction(step.numerator)  # integers that are multiples of p/q are multiples of p
            a, b = self._window(lo, hi, 100 * step)
            k_lo, k_hi = math.ceil(Fraction(a) / step), math.floor(Fraction(b) / step)
            if k_lo > k_hi:
                raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
            for k in itertools.chain((self.rng.randint(k_lo, k_hi) for _ in range(20)), (k_lo, k_hi)):
                exact = k * step
                v: int | float = int(exact) if exact.denominator == 1 else float(exact)
                if inside(v):
                    return v
            raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
        a, b = self._window(lo, hi, 100.0)
        if not math.isfinite(b - a):
            b = a + 100.0
        for digits in (2, 2, 4, 6):
            v = round(self.rng.uniform(a, b), digits)
            if inside(v):
                return v
        for v in ((a + b) / 2, a, b):
            if inside(v):
                return v
        raise UnsatisfiableSchema("no number satisfies the bounds")

    # -- strings ---------------------------------------------------------------------------------

    def _phrase(self) -> str:
        text = str(self.words(self.rng)).strip()
        return text or _builtin_phrase(self.rng)

    def _hinted(self, name: str | None) -> str | None:
        tokens = _tokens(name or "")
        if not tokens:
            return None
        last, before = tokens[-1], tokens[-2] if len(tokens) > 1 else ""
        if last in _CITY_WORDS:
            return self.rng.choice(_CITIES)
        if last == "country":
            return self.rng.choice(_COUNTRIES)
        if last == "email":
            return _FORMATS["email"](self.rng)
        if last in _URL_WORDS:
            return _FORMATS["uri"](self.rng)
        if last == "phone" or (last == "number" and before == "phone"):
            return f"+1-555-01{self.rng.randint(0, 99):02d}"
        if last in _PERSON_WORDS and before not in _NOT_PERSON:
            person = self.rng.choice(_PEOPLE)
            first, last_name = person.split()
            return first if before == "first" else last_name if before == "last" else person
        return None

    def _string(self, s: Mapping[str, Any], name: str | None) -> str:
        lo, hi = _count(s, "minLength") or 0, _count(s, "maxLength")
        if hi is not None and lo > hi:
            raise UnsatisfiableSchema("minLength is greater than maxLength")
        pattern = s.get("pattern")
        make = _FORMATS.get(s["format"]) if isinstance(s.get("format"), str) else None
        formatted = make(self.rng) if make is not None else None
        if isinstance(pattern, str):
            compiled = _python_regex(pattern)
            if formatted is None or compiled is None or not compiled.search(formatted):
                return self._matching(pattern, lo, hi)
        if formatted is not None:
            return formatted
        hinted = self._hinted(name)
        if hinted is not None and lo <= len(hinted) and (hi is None or len(hinted) <= hi):
            return hinted
        return _fit(self._phrase(), lo, hi, lambda: self.rng.choice(_WORDS))

    def _sample(self, node: _Node, stretch: int, out: list[str]) -> None:
        if isinstance(node, _Chars):
            out.append(self.rng.choice(node.chars))
        elif isinstance(node, _Seq):
            for item in node.items:
                self._sample(item, stretch, out)
        elif isinstance(node, _Alt):
            self._sample(self.rng.choice(node.options), stretch, out)
        else:
            top = node.lo + stretch if node.hi is None else min(node.hi, node.lo + stretch)
            for _ in range(self.rng.randint(node.lo, max(node.lo, top))):
                self._sample(node.node, stretch, out)

    def _matching(self, pattern: str, lo: int, hi: int | None) -> str:
        compiled, tree = _python_regex(pattern), _parse_regex(pattern)

        def ok(text: str) -> bool:
            if len(text) < lo or (hi is not None and len(text) > hi):
                return False
            if compiled is not None:
                return compiled.search(text) is not None
            return self._valid({"pattern": pattern}, text)

        if tree is not None:
            for attempt in range(40):
                stretch = (0, 3, max(3, lo))[attempt % 3]
                out: list[str] = []
                self._sample(tree, stretch, out)
                text = "".join(out)
                pad = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(max(0, lo - len(text))))
                for candidate in (text, text + pad, pad + text):
                    if ok(candidate):
                        return candidate
        # Best effort for patterns outside the supported subset: a small deterministic search.
        for text in (self._phrase(), *_WORDS, "0", "123", "A1", "a", "", "abc123", "x" * max(lo, 1)):
            for candidate in (text, _fit(text, lo, hi, lambda: self.rng.choice(_WORDS))):
                if ok(candidate):
                    return candidate
        raise UnsatisfiableSchema(f"could not generate a string matching {pattern!r}")

    # -- arrays and objects ----------------------------------------------------------------------

    def _array(
        self,
        s: Mapping[str, Any],
        refs: tuple[str, ...],
        depth: int,
        name: str | None,
        minimal: bool,
        small: bool,
    ) -> list[Any]:
        prefix, items = list(s.get("prefixItems", [])), s.get("items", True)
        if isinstance(items, list):  # draft 2019-09 and earlier tuples
            prefix, items = items, s.get("additionalItems", True)
        lo, hi = _count(s, "minItems") or 0, _count(s, "maxItems")
        if items is False:
            hi = len(prefix) if hi is None else min(hi, len(prefix))
        contains, need = s.get("contains"), 0
        if contains is not None:
            minimum = _count(s, "minContains")
            need = 1 if minimum is None else minimum
            lo = max(lo, need if items is False else len(prefix) + need)
        if hi is not None and lo > hi:
            raise UnsatisfiableSchema("the array's bounds admit no length")
        if minimal:
            count = lo
        else:
            count = len(prefix) or self.rng.randint(1, 2 if small else 3)
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
                    value = self.value(sub, refs, depth + 1, name)
                except UnsatisfiableSchema:
                    if i < lo:
                        raise
                    return values
                if not unique or _jkey(value) not in seen:
                    break
            else:
                if i < lo:
                    raise UnsatisfiableSchema("not enough distinct items for uniqueItems")
                return values
            values.append(value)
            seen.append(_jkey(value))
        return values

    def _object(self, s: Mapping[str, Any], refs: tuple[str, ...], depth: int, minimal: bool) -> dict[str, Any]:
        props = s.get("properties", {})
        required = [k for k in dict.fromkeys(s.get("required", [])) if isinstance(k, str)]
        extra = s.get("additionalProperties", s.get("unevaluatedProperties", True))
        dependent = s.get("dependentRequired", {})
        lo, hi = _count(s, "minProperties") or 0, _count(s, "maxProperties")

        def schema_for(key: str) -> Any:
            parts = [props[key]] if key in props else []
            parts += [sub for pattern, sub in s.get("patternProperties", {}).items() if _matches([pattern], key)]
            return _all(parts) if parts else extra

        wanted = [k for k in props if k in required or not minimal]
        wanted += [k for k in required if k not in props]
        out: dict[str, Any] = {}
        must = set(required)
        for key in wanted:
            if hi is not None and len(out) >= hi and key not in must:
                continue
            try:
                out[key] = self.value(schema_for(key), refs, depth + 1, key)
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
            key = spare.pop(0) if spare else self.rng.choice(_WORDS) + (f"_{n}" if n > len(_WORDS) else "")
            n += 1
            if n > 2 * lo + len(props) + 32:
                raise UnsatisfiableSchema("cannot reach minProperties")
            if key not in out:
                try:
                    out[key] = self.value(schema_for(key), refs, depth + 1, key)
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
        key = _canonical(schema)
    except (TypeError, ValueError) as exc:
        raise UnsatisfiableSchema(f"invalid schema: {exc}") from None
    validator, error = _compiled(key, True)
    if validator is None:
        raise UnsatisfiableSchema(error)
    generator = _Generator(schema, rng, words or _builtin_phrase, _checker_for(key))
    try:
        for _ in range(3):
            value = generator.value(schema, (), 0, None)
            if validator.is_valid(value):
                return value
    except (_TooComplex, RecursionError):
        raise UnsatisfiableSchema("the schema is too complex to generate a value for") from None
    raise UnsatisfiableSchema("could not generate a value valid against the schema")
