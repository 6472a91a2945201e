"""Arrays and objects for the JSON generator: lengths and property sets within the schema's bounds,
each item and property built by the generator (:class:`~mockai.generate.jsongen.place.ValueMaker`).

A value holds at most :data:`MAX_ITEMS` items or properties (each takes at least two characters
of a completion, see :mod:`mockai.generate.jsongen.budget`): a schema asking for more cannot be
answered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from mockai.generate.jsongen.budget import MAX_VALUE_CHARS, TOO_LONG
from mockai.generate.jsongen.keywords import UnsatisfiableSchema, all_of, count_of, jkey, matches
from mockai.generate.jsongen.place import Place, ValueMaker
from mockai.generate.jsongen.strings import WORDS

__all__ = ["MAX_ITEMS", "array", "object_value"]

MAX_ITEMS = MAX_VALUE_CHARS // 2  # an item or a property takes at least two characters ("1,")


def _length(maker: ValueMaker, lo: int, hi: int | None, at: Place, preferred: int) -> int:
    """How many items: as few as allowed when ``at`` is minimal, else ``preferred`` or a few."""
    if lo > MAX_ITEMS:
        raise UnsatisfiableSchema(TOO_LONG)
    if at.minimal:
        return lo
    count = preferred or maker.rng.randint(1, 2 if at.small else 3)
    return max(lo, count if hi is None else min(hi, count))


def array(maker: ValueMaker, s: Mapping[str, Any], at: Place) -> list[Any]:
    prefix, items = list(s.get("prefixItems", [])), s.get("items", True)
    key = "prefixItems"
    if isinstance(items, list):  # draft 2019-09 and earlier tuples
        prefix, items, key = items, s.get("additionalItems", True), "items"
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
    count = _length(maker, lo, hi, at, len(prefix))
    unique = s.get("uniqueItems") is True
    values: list[Any] = []
    seen: set[str] = set()
    for i in range(count):
        if i < len(prefix):
            sub, where = prefix[i], at.child(at.name, key, str(i))
        elif i - len(prefix) < need:
            sub, where = {"allOf": [items, contains]}, at.child(at.name, "contains")
        else:
            sub, where = items, at.child(at.name, "items")
        for _ in range(8 if unique else 1):
            try:
                value = maker.value(sub, where)
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
        if unique:
            seen.add(jkey(value))
    return values


def object_value(maker: ValueMaker, s: Mapping[str, Any], at: Place) -> dict[str, Any]:
    props = s.get("properties", {})
    required = [k for k in dict.fromkeys(s.get("required", [])) if isinstance(k, str)]
    extra = s.get("additionalProperties", s.get("unevaluatedProperties", True))
    dependent = s.get("dependentRequired", {})
    patterns = s.get("patternProperties", {})
    lo, hi = count_of(s, "minProperties") or 0, count_of(s, "maxProperties")
    if lo > MAX_ITEMS:
        raise UnsatisfiableSchema(TOO_LONG)

    def build(key: str) -> Any:
        maker.budget.spend(len(patterns))
        parts = [props[key]] if key in props else []
        parts += [sub for pattern, sub in patterns.items() if matches([pattern], key)]
        where = at.child(key, "properties", key) if key in props else at.child(key, "additionalProperties")
        return maker.value(all_of(parts) if parts else extra, where)

    must = set(required)
    wanted = [k for k in props if k in must or not at.minimal]
    wanted += [k for k in required if k not in props]
    listed = set(wanted)
    out: dict[str, Any] = {}
    for key in wanted:  # grows with dependentRequired
        if hi is not None and len(out) >= hi and key not in must:
            continue
        try:
            out[key] = build(key)
        except UnsatisfiableSchema:
            if key in must:
                raise
            continue
        for dep in dependent.get(key, []):
            must.add(dep)
            if dep not in listed:
                listed.add(dep)
                wanted.append(dep)
    spare = deque(k for k in props if k not in out)
    n = 0
    while len(out) < lo:
        key = spare.popleft() if spare else maker.rng.choice(WORDS) + (f"_{n}" if n > len(WORDS) else "")
        n += 1
        if n > 2 * lo + len(props) + 32:
            raise UnsatisfiableSchema("cannot reach minProperties")
        if key not in out:
            try:
                out[key] = build(key)
            except UnsatisfiableSchema:
                continue
    return out
