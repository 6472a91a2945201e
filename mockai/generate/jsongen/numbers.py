"""Numbers for numeric schemas: bounds (inclusive, exclusive, draft-4 flags) and ``multipleOf``, exact
for integers and for multiples of decimal steps."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mockai.generate.jsongen.keywords import UnsatisfiableSchema, fraction, is_num

__all__ = ["bounds", "number"]


def bounds(s: Mapping[str, Any]) -> tuple[Any, bool, Any, bool]:
    """The lower bound, whether it is exclusive, the upper bound, whether it is exclusive."""
    lo, lo_x, hi, hi_x = s.get("minimum"), False, s.get("maximum"), False
    lo = lo if is_num(lo) else None
    hi = hi if is_num(hi) else None
    ex_lo, ex_hi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    if ex_lo is True or ex_hi is True:  # draft 4: a flag on minimum / maximum
        lo_x, hi_x = ex_lo is True and lo is not None, ex_hi is True and hi is not None
    if is_num(ex_lo) and (lo is None or ex_lo >= lo):
        lo, lo_x = ex_lo, True
    if is_num(ex_hi) and (hi is None or ex_hi <= hi):
        hi, hi_x = ex_hi, True
    return lo, lo_x, hi, hi_x


def _window(lo: Any, hi: Any, width: Any, explore: bool, hi_x: bool = False) -> tuple[Any, Any]:
    """A readable range inside [lo, hi]: from 0 up when allowed, else at the nearest bound (below
    an exclusive maximum of 0, the range is below it: 0 itself is not allowed)."""
    a, b = (-width, width) if explore else (0, width)
    if lo is not None and lo > a:
        a, b = lo, lo + width
    elif hi is not None and (hi < (b if explore else 0) or (hi_x and hi <= a)):
        a, b = hi - width, hi
    return (a if lo is None else max(a, lo)), (b if hi is None else min(b, hi))


def number(s: Mapping[str, Any], integer: bool, rng: random.Random, explore: bool) -> int | float:
    """A number (an integer if ``integer``) satisfying the bounds and ``multipleOf`` of ``s``, drawn from
    ``rng``: a readable one near 0 or near a bound; with ``explore``, possibly negative."""
    lo, lo_x, hi, hi_x = bounds(s)
    m = s.get("multipleOf")
    m = m if is_num(m) and m > 0 else None
    if integer and m is None and _whole(lo) and _whole(hi):
        return _integer(lo, lo_x, hi, hi_x, rng, explore)

    def inside(v: int | float) -> bool:
        above = lo is None or (v > lo if lo_x else v >= lo)
        below = hi is None or (v < hi if hi_x else v <= hi)
        return above and below and (m is None or not isinstance(m, float) or (v / m).is_integer())

    if integer or m is not None:
        step = fraction(m) if m is not None else Fraction(1)
        if integer:
            step = Fraction(step.numerator)  # integers that are multiples of p/q are multiples of p
        a, b = _window(lo, hi, 100 * step, explore, hi_x)
        k_lo, k_hi = math.ceil(Fraction(a) / step), math.floor(Fraction(b) / step)
        if k_lo > k_hi:
            raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
        for k in itertools.chain((rng.randint(k_lo, k_hi) for _ in range(20)), (k_lo, k_hi)):
            exact = k * step
            v: int | float = int(exact) if exact.denominator == 1 else float(exact)
            if inside(v):
                return v
        raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
    a, b = _window(lo, hi, 100.0, explore, hi_x)
    if not math.isfinite(b - a):
        b = a + 100.0
    for digits in (2, 2, 4, 6):
        v = round(rng.uniform(a, b), digits)
        if inside(v):
            return v
    for v in ((a + b) / 2, a, b):
        if inside(v):
            return v
    raise UnsatisfiableSchema("no number satisfies the bounds")


def _whole(bound: Any) -> bool:
    return bound is None or bound.__class__ is int


def _integer(lo: int | None, lo_x: bool, hi: int | None, hi_x: bool, rng: random.Random, explore: bool) -> int:
    """:func:`number` for an integer between bounds that are integers (or absent), with no
    ``multipleOf``: the same draws and the same value, in integers (the exact arithmetic of
    :class:`~fractions.Fraction` a step of 1 needs cost 10 to 20 us a value; a tool's arguments
    draw a few such integers a call)."""
    a, b = _window(lo, hi, 100, explore, hi_x)  # (integers in, integers out)
    k_lo, k_hi = int(a), int(b)
    if k_lo > k_hi:
        raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
    for k in itertools.chain((rng.randint(k_lo, k_hi) for _ in range(20)), (k_lo, k_hi)):
        if (lo is None or (k > lo if lo_x else k >= lo)) and (hi is None or (k < hi if hi_x else k <= hi)):
            return k
    raise UnsatisfiableSchema("no number satisfies the bounds and multipleOf")
