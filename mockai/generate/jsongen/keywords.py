"""Schema plumbing shared by the JSON generator's modules: the error, keyword readers, JSON equality
and ``allOf`` merging.

:func:`merge` folds two schemas into one equivalent schema (what it cannot fold in, it keeps under
:data:`ALSO`: checked, not generated from); the other helpers read keywords the way every builder does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeAlias, TypeGuard

from mockai.generate.jsongen.budget import WorkBudget
from mockai.generate.jsongen.patterns import search

__all__ = [
    "ALSO", "ANNOTATIONS", "LITERAL_KEYS", "Schema", "UnsatisfiableSchema", "all_of", "count_of", "enum_of",
    "fraction", "is_num", "jkey", "matches", "merge", "nullish", "ref_count",
]  # fmt: skip

Schema: TypeAlias = Mapping[str, Any] | bool


class UnsatisfiableSchema(ValueError):
    """No value can be generated: the schema admits none (``false``, an empty ``enum``, min > max…),
    the schema itself is invalid, or it is beyond what the generator can satisfy (or afford: see
    :mod:`mockai.generate.jsongen.budget`).

    ``reason`` says why; ``context`` is where in the schema, as the keys from its root (list
    indexes as strings: ``("properties", "tags", "items")``), once known.
    """

    def __init__(self, reason: str, context: tuple[str, ...] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context = context


LITERAL_KEYS = frozenset({"enum", "const", "default", "examples"})  # their values are data, not schemas
ALSO = "x-mockai-also"  # constraints a merge could not fold in: checked, not generated from
ANNOTATIONS = frozenset(
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
     "enum", "const", ALSO}
)  # fmt: skip


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


def jkey(value: Any) -> str:
    """A key equal for JSON-equal values (1 == 1.0, but true != 1)."""
    return json.dumps(_normal(value), sort_keys=True, default=repr)


def is_num(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def count_of(schema: Mapping[str, Any], key: str) -> int | None:
    """The integer value of a count keyword (``minLength``, ``maxItems``…), or None."""
    value = schema.get(key)
    return int(value) if is_num(value) else None


def all_of(parts: list[Any]) -> Any:
    """The conjunction of schemas, as small as possible."""
    if any(p is False for p in parts):
        return False
    parts = [p for p in parts if p is not True and p != {}]
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def fraction(x: int | float) -> Fraction:
    """``x`` exactly as written (0.1 is 1/10)."""
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _lcm(a: int | float, b: int | float) -> int | float:
    fa, fb = fraction(a), fraction(b)
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


def matches(patterns: Any, name: str) -> bool:
    """Whether ``name`` matches one of ``patterns`` (the ones that do not compile are skipped), with
    a bound on the work of each match (:mod:`mockai.generate.jsongen.patterns`)."""
    return any(isinstance(pattern, str) and search(pattern, name) for pattern in patterns or ())


def enum_of(schema: Mapping[str, Any]) -> list[Any] | None:
    """The values ``const``/``enum`` allow, or None when the schema has neither."""
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """One schema equivalent (or, where noted in ``ALSO``, checked to be equivalent) to ``a`` ∧ ``b``."""
    out = dict(a)
    also = [*a.get(ALSO, ()), *b.get(ALSO, ())]
    if any(k in s for s in (a, b) for k in ("properties", "additionalProperties", "patternProperties")):
        out.update(_merged_object_keywords(a, b))
    if "prefixItems" in a or "prefixItems" in b:
        out["prefixItems"] = _merged_prefix(a, b)
    if "if" in b:
        condition = {k: b[k] for k in ("if", "then", "else") if k in b}
        if "if" in a:
            also.append(condition)
        else:
            out.update(condition)
    for key, bv in b.items():
        if key in _MERGED_ELSEWHERE:
            continue
        if key in ANNOTATIONS or key not in out:
            out.setdefault(key, bv)
            continue
        av = out[key]
        if av == bv and jkey(av) == jkey(bv):
            continue
        folded = _fold(key, av, bv)
        if folded is _UNFOLDED:  # pattern, format, contains, …: keep a's, check b's
            also.append({key: bv})
        else:
            out[key] = folded
    ea, eb = enum_of(a), enum_of(b)
    if eb is not None:
        out.pop("const", None)
        keep = {jkey(v) for v in eb}
        out["enum"] = eb if ea is None else [v for v in ea if jkey(v) in keep]
    if also:
        out[ALSO] = also
    return out


def _merged_object_keywords(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``properties``, ``additionalProperties`` and ``patternProperties`` of ``a`` ∧ ``b`` (those
    not empty): a property one side lacks is still bound by that side's additionalProperties."""
    out: dict[str, Any] = {}
    pa, pb = a.get("properties", {}), b.get("properties", {})
    props: dict[str, Any] = {}
    for name in [*pa, *(k for k in pb if k not in pa)]:
        parts = []
        for side, own in ((a, pa), (b, pb)):
            if name in own:
                parts.append(own[name])
            elif "additionalProperties" in side and not matches(side.get("patternProperties"), name):
                parts.append(side["additionalProperties"])
        props[name] = all_of(parts)
    if props:
        out["properties"] = props
    extra = [s["additionalProperties"] for s in (a, b) if "additionalProperties" in s]
    if extra:
        out["additionalProperties"] = all_of(extra)
    patterns = dict(a.get("patternProperties", {}))
    for pattern, sub in b.get("patternProperties", {}).items():
        patterns[pattern] = all_of([patterns[pattern], sub]) if pattern in patterns else sub
    if patterns:
        out["patternProperties"] = patterns
    return out


def _merged_prefix(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Any]:
    """``prefixItems`` of ``a`` ∧ ``b``: a position one side lacks is bound by that side's items."""
    pa, pb = a.get("prefixItems", []), b.get("prefixItems", [])
    prefix = []
    for i in range(max(len(pa), len(pb))):
        parts = [p[i] if i < len(p) else s["items"] for p, s in ((pa, a), (pb, b)) if i < len(p) or "items" in s]
        prefix.append(all_of(parts))
    return prefix


_UNFOLDED = object()


def _fold(key: str, av: Any, bv: Any) -> Any:
    """One value of keyword ``key`` that means both ``av`` and ``bv``; ``_UNFOLDED`` when there is none."""
    if key == "type":
        return _intersect_types(av, bv)
    numbers = is_num(av) and is_num(bv)
    if key in _MAX_OF and numbers:
        return max(av, bv)
    if key in _MIN_OF and numbers:
        return min(av, bv)
    if key in ("exclusiveMinimum", "exclusiveMaximum") and numbers:
        return max(av, bv) if key == "exclusiveMinimum" else min(av, bv)
    if key == "multipleOf" and numbers:
        return _lcm(av, bv)
    if key == "required":
        return list(dict.fromkeys([*av, *bv]))
    if key == "uniqueItems":
        return bool(av) or bool(bv)
    if key in _SUBSCHEMA and key != "contains" and not isinstance(av, list) and not isinstance(bv, list):
        return all_of([av, bv])
    if key == "not":
        return {"anyOf": [av, bv]}
    if key in ("anyOf", "oneOf") and len(av) * len(bv) <= 64:
        # (∃ a) ∧ (∃ b) ≡ ∃ (a ∧ b); and "exactly one a" ∧ "exactly one b" ≡ "exactly one pair".
        return [all_of([x, y]) for x in av for y in bv]
    if key == "dependentRequired":
        return {k: list(dict.fromkeys([*av.get(k, []), *bv.get(k, [])])) for k in {**av, **bv}}
    if key == "dependentSchemas":
        return {k: all_of([s[k] for s in (av, bv) if k in s]) for k in {**av, **bv}}
    return _UNFOLDED


def nullish(schema: Any) -> bool:
    """Whether the schema declares only null (``type: null`` or ``const: null``)."""
    if not isinstance(schema, Mapping):
        return False
    return schema.get("type") in ("null", ["null"]) or ("const" in schema and schema["const"] is None)


def ref_count(node: Any, budget: WorkBudget | None = None) -> int:
    """How many ``$ref`` the schema holds (a hint of how likely it is to recurse); each container
    visited costs a tick of ``budget``."""
    if isinstance(node, list):
        if budget is not None:
            budget.spend(1)
        return sum(ref_count(item, budget) for item in node)
    if not isinstance(node, Mapping):
        return 0
    if budget is not None:
        budget.spend(1)
    return ("$ref" in node) + sum(ref_count(v, budget) for k, v in node.items() if k not in LITERAL_KEYS)
