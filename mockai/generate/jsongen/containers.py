"""Arrays and objects for the JSON generator: lengths and property sets within the schema's bounds,
each item and property built by the generator (:class:`~mockai.generate.jsongen.place.ValueMaker`).

A value holds at most :data:`MAX_ITEMS` items or properties (each takes at least two characters
of a completion, see :mod:`mockai.generate.jsongen.budget`): a schema asking for more cannot be
answered.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from mockai.generate.jsongen.budget import MAX_VALUE_CHARS, TOO_LONG
from mockai.generate.jsongen.keywords import UnsatisfiableSchema, all_of, count_of, enum_of, jkey, matches
from mockai.generate.jsongen.numbers import bounds
from mockai.generate.jsongen.patterns import search
from mockai.generate.jsongen.place import Place, ValueMaker
from mockai.generate.jsongen.strings import WORDS
from mockai.generate.regex_sampler import parse_regex, sample

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
            if i >= lo:
                return values
            value = _unseen(maker, sub, seen)  # random draws collide: the rest of a finite domain
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
            _pattern_keys(maker, patterns, lo, out, build)
            break
        if key not in out:
            try:
                out[key] = build(key)
            except UnsatisfiableSchema:
                continue
    return out


def _domain(sub: Any) -> list[Any] | None:
    """The values of a finite domain ``sub`` (or one of its ``allOf`` parts) keeps to, in order:
    its enum or const, the booleans, or the integers between its bounds (at most :data:`MAX_ITEMS`);
    None when there is no such domain."""
    if not isinstance(sub, Mapping):
        return None
    values = enum_of(sub)
    if values is not None:
        return values
    if sub.get("type") == "boolean":
        return [False, True]
    if sub.get("type") == "integer":
        lo, lo_x, hi, hi_x = bounds(sub)
        if lo is not None and hi is not None:
            first = math.floor(lo) + 1 if lo_x or lo != math.floor(lo) else int(lo)
            last = math.ceil(hi) - 1 if hi_x or hi != math.ceil(hi) else int(hi)
            if last - first < MAX_ITEMS:
                return list(range(first, last + 1))
    for part in sub.get("allOf", []) if isinstance(sub.get("allOf"), list) else []:
        values = _domain(part)
        if values is not None:
            return values
    return None


def _unseen(maker: ValueMaker, sub: Any, seen: set[str]) -> Any:
    """The first value of ``sub``'s finite domain that is not in ``seen`` and is valid against it."""
    for value in _domain(sub) or []:
        maker.budget.spend(1)
        if jkey(value) not in seen and maker.valid(sub, value):
            return value
    raise UnsatisfiableSchema("not enough distinct items for uniqueItems")


def _pattern_keys(
    maker: ValueMaker, patterns: Mapping[str, Any], lo: int, out: dict[str, Any], build: Callable[[str], Any]
) -> None:
    """Properties named after ``patterns`` (patternProperties) added to ``out`` until it has ``lo``."""
    for pattern in patterns:
        tree = parse_regex(pattern) if isinstance(pattern, str) else None
        if tree is None:
            continue
        for attempt in range(4 * lo + 16):
            if len(out) >= lo:
                return
            key = sample(tree, maker.rng, attempt % 4 + attempt // 8, limit=64)
            maker.budget.spend(2)
            if key is None or key in out or not search(pattern, key):
                continue
            try:
                out[key] = build(key)
            except UnsatisfiableSchema:
                continue
    if len(out) < lo:
        raise UnsatisfiableSchema("cannot reach minProperties")
