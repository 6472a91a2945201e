"""Regex conditions that cannot stall the server: pathological ones are refused when a rule loads.

Python's ``re`` backtracks, and it cannot be interrupted: ``(a+)+$`` takes seconds on 26
characters and blocks every client meanwhile.  :func:`regex_problem` reads a pattern with
``re._parser`` and refuses, with the reason:

* **nested quantifiers** (star height > 1): a variable repeat inside a repeat that can run more
  than once, when the inner one's characters can also start the outer one's next round
  (``(a+)+``, ``(\\w+\\s?)*``, ``(a?a?)+``): exponential;
* **overlapping alternatives under a quantifier**: two branches that can start with the same
  character, or one that can match nothing (``(a|a)*``, ``(\\w|\\d)+``, ``(a|b?)+``): exponential;
* **chained unbounded quantifiers over the same characters** (``a*a*b``, ``.*a.*b``,
  ``foo.*bar.*baz``): cubic or worse, counting ``re.search``'s tries at each position.  A repeated
  group chains with what follows it when that can start like one of its rounds and take a whole
  round over (``(?:ab)+(?:ab)+c``, ``(?:\r\n)+(?:\r\n)+x``): the rounds it gives back are
  taken by the next one.

Possessive quantifiers (``a++``) and atomic groups (``(?>…)``) do not backtrack and are never
refused.  What is left is at worst quadratic in the text, and :func:`compile_condition` removes the
commonest quadratic case: a pattern that starts with an unbounded repeat of one character class
(``\\s+$``, ``.*weather``) is only tried where a run of that class starts, which finds the same
matches (a match inside a run also starts at the run's start).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["compile_condition", "regex_problem"]

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_SINGLE = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_FLAG_MASK = re.IGNORECASE | re.DOTALL | re.ASCII
# Characters every class is probed with, besides those the pattern names: Latin-1 and beyond, and
# a few that the Unicode classes treat specially (spaces, digits, case folding).
_BASE_PROBES = frozenset(
    [chr(i) for i in range(0x250)]
    + list("\u1680\u2000\u2028\u2029\u202f\u3000\u0660\u0663\u06f1\u0966\uff10\u212a\u0130\u4e2d\U0001f600\uffff")
)
_LEADING_FLAGS = re.compile(r"\A(?:\(\?[aiLmsux]+\))+")
_MAX_DEGREE = 2  # quadratic: what any search of a repeat costs on a run of its characters


@dataclass(frozen=True)
class _Shape:
    """What a piece of pattern can do: match nothing, start with which characters, consume which,
    end with which."""

    nullable: bool
    first: frozenset[str]
    chars: frozenset[str]
    last: frozenset[str]


_EMPTY = _Shape(True, frozenset(), frozenset(), frozenset())


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` could take exponential or cubic time on some text, or None."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None  # the caller's re.compile says what is wrong
    analysis = _Analysis(parsed)
    return analysis.exponential(parsed.data, parsed.state.flags, None) or analysis.polynomial(parsed)


def compile_condition(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled for ``search``, tried only where a leading run starts (same matches)."""
    return _compile(pattern)


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    compiled = re.compile(pattern)
    try:
        parsed = sre_parse.parse(pattern)
        lead = _leading_run(parsed)
    except (re.error, RecursionError, OverflowError):
        return compiled
    if lead is None:
        return compiled
    rest = _LEADING_FLAGS.sub("", pattern, count=1)
    try:
        # Not an alternation at the top (its first item is the repeat): the prefix binds to all.
        return re.compile(f"(?<!{lead}){rest}", compiled.flags)
    except re.error:
        return compiled


def _leading_run(parsed: Any) -> str | None:
    """The class of an unbounded repeat of one character that the pattern starts with, if any."""
    items = _Analysis.flatten(parsed.data, parsed.state.flags)
    if not items:
        return None
    op, av, flags = items[0]
    if op not in (*_REPEATS, sre.POSSESSIVE_REPEAT) or av[1] != sre.MAXREPEAT or flags != parsed.state.flags:
        return None
    single = _single_body(av[2])
    return _class_source(*single) if single is not None else None


def _single_body(body: Any) -> tuple[Any, Any] | None:
    """The one single-character item a repeat's body is, through plain groups (``(x)+``), if so."""
    items = list(body)
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN and not items[0][1][1] and not items[0][1][2]:
        items = list(items[0][1][3])
    return (items[0][0], items[0][1]) if len(items) == 1 and items[0][0] in _SINGLE else None


def _class_source(op: Any, av: Any) -> str | None:
    """A regex for one single-character item (flags applied by the caller)."""
    if op is sre.ANY:
        return "."
    if op is sre.LITERAL:
        return f"[\\U{av:08x}]"
    if op is sre.NOT_LITERAL:
        return f"[^\\U{av:08x}]"
    parts: list[str] = []
    for kind, value in av:
        if kind is sre.NEGATE:
            parts.insert(0, "^")
        elif kind is sre.LITERAL:
            parts.append(f"\\U{value:08x}")
        elif kind is sre.RANGE:
            parts.append(f"\\U{value[0]:08x}-\\U{value[1]:08x}")
        elif kind is sre.CATEGORY and value in _CATEGORIES:
            parts.append(_CATEGORIES[value])
        else:
            return None
    return "[" + "".join(parts) + "]"


class _Analysis:
    """Shapes and checks of one parsed pattern (probing classes with the characters it names)."""

    def __init__(self, parsed: Any) -> None:
        named: set[str] = set()
        self._collect(parsed.data, named)
        self.probes = frozenset(_BASE_PROBES | named | {c.swapcase() for c in named if len(c.swapcase()) == 1})
        self.anchored = self._anchored(parsed)
        self.flags: int = parsed.state.flags

    def _collect(self, items: Any, named: set[str]) -> None:
        for op, av in items:
            if op in (sre.LITERAL, sre.NOT_LITERAL):
                named.add(chr(av))
            elif op is sre.RANGE:
                named.update((chr(av[0]), chr(av[1]), chr((av[0] + av[1]) // 2)))
            elif op is sre.IN:
                self._collect(av, named)
            else:
                for sub in _subsequences(op, av):
                    self._collect(sub, named)

    @staticmethod
    def _anchored(parsed: Any) -> bool:
        items = list(parsed.data)
        if not items or items[0][0] is not sre.AT:
            return False
        where = items[0][1]
        return where is sre.AT_BEGINNING_STRING or (where is sre.AT_BEGINNING and not parsed.state.flags & re.MULTILINE)

    # --- shapes ---------------------------------------------------------------------------------

    def chars_of(self, op: Any, av: Any, flags: int) -> frozenset[str]:
        source = _class_source(op, av)
        if source is None:
            return self.probes
        return _probe(source, flags & _FLAG_MASK, self.probes)

    def shape(self, items: Any, flags: int) -> _Shape:
        nullable, first, chars, last = True, frozenset[str](), frozenset[str](), frozenset[str]()
        for op, av in items:
            part = self.item_shape(op, av, flags)
            if nullable:
                first |= part.first
            last = last | part.last if part.nullable else part.last
            chars |= part.chars
            nullable = nullable and part.nullable
        return _Shape(nullable, first, chars, last)

    def item_shape(self, op: Any, av: Any, flags: int) -> _Shape:
        if op in _SINGLE:
            chars = self.chars_of(op, av, flags)
            return _Shape(False, chars, chars, chars)
        if op in (*_REPEATS, sre.POSSESSIVE_REPEAT):
            body = self.shape(av[2], flags)
            if av[1] == 0:
                return _EMPTY
            return _Shape(av[0] == 0 or body.nullable, body.first, body.chars, body.last)
        if op is sre.SUBPATTERN:
            return self.shape(av[3], (flags | av[1]) & ~av[2])
        if op in (sre.BRANCH, sre.ATOMIC_GROUP, sre.GROUPREF_EXISTS):
            shapes = [self.shape(sub, flags) for sub in _subsequences(op, av)]
            if op is sre.GROUPREF_EXISTS and av[2] is None:
                shapes.append(_EMPTY)
            return _Shape(
                any(s.nullable for s in shapes),
                frozenset().union(*(s.first for s in shapes)),
                frozenset().union(*(s.chars for s in shapes)),
                frozenset().union(*(s.last for s in shapes)),
            )
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return _EMPTY
        return _Shape(True, self.probes, self.probes, self.probes)  # a back-reference: anything

    # --- exponential: nested quantifiers, overlapping alternatives ---------------------------------

    def exponential(self, items: Any, flags: int, outer: _Shape | None, tail: _Shape = _EMPTY) -> str | None:
        """The first exponential construct in ``items``.  ``outer``: the body of the nearest
        enclosing repeat that can run more than once and backtracks; ``tail``: what follows
        ``items`` inside that body."""
        items = list(items)
        for index, (op, av) in enumerate(items):
            rest = self.shape(items[index + 1 :], flags)
            after = _Shape(rest.nullable and tail.nullable, frozenset(), rest.chars | tail.chars, frozenset())
            found = self._exponential_item(op, av, flags, outer, after)
            if found:
                return found
        return None

    def _exponential_item(self, op: Any, av: Any, flags: int, outer: _Shape | None, tail: _Shape) -> str | None:
        if op in _REPEATS:
            low, high, body = av
            inner = self.shape(body, flags)
            # A round of the outer repeat can end inside this one's run, and the next round go on
            # with the same characters: the run splits between rounds in many ways.
            ends_here = tail.nullable or tail.chars <= inner.chars
            if outer is not None and low != high and ends_here and inner.chars & outer.first:
                return (
                    "a quantifier inside a quantifier (star height 2) over the same characters: "
                    "the text can be split between them in exponentially many ways"
                )
            if high > 1:
                return self.exponential(body, flags, inner)
            return self.exponential(body, flags, outer, tail)
        if op in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP, sre.ASSERT, sre.ASSERT_NOT):
            return self.exponential(_subsequences(op, av)[0], flags, None)  # no backtracking into it
        if op is sre.SUBPATTERN:
            return self.exponential(av[3], (flags | av[1]) & ~av[2], outer, tail)
        if op is sre.BRANCH and outer is not None:
            found = self._overlapping(av[1], flags)
            if found:
                return found
        for sub in _subsequences(op, av):
            found = self.exponential(sub, flags, outer, tail)
            if found:
                return found
        return None

    def _overlapping(self, branches: Any, flags: int) -> str | None:
        shapes = [self.shape(branch, flags) for branch in branches]
        if any(s.nullable for s in shapes):
            return "an alternative that can match nothing, under a quantifier: exponentially many ways to match"
        for i, a in enumerate(shapes):
            if any(a.first & b.first for b in shapes[i + 1 :]):
                return (
                    "alternatives that can start with the same character, under a quantifier: "
                    "exponentially many ways to try"
                )
        return None

    # --- polynomial: chains of unbounded quantifiers --------------------------------------------

    @staticmethod
    def flatten(items: Any, flags: int) -> list[tuple[Any, Any, int]]:
        """``items`` with plain groups opened: the sequence the matcher walks, with each one's flags."""
        out: list[tuple[Any, Any, int]] = []
        for op, av in items:
            if op is sre.SUBPATTERN:
                out.extend(_Analysis.flatten(av[3], (flags | av[1]) & ~av[2]))
            else:
                out.append((op, av, flags))
        return out

    def polynomial(self, parsed: Any) -> str | None:
        degree = self._degree(parsed.data, parsed.state.flags, top=True)
        if degree <= _MAX_DEGREE:
            return None
        return (
            f"unbounded quantifiers in a row over the same characters: time grows as the length of the "
            f"text to the power {degree}"
        )

    def _degree(self, items: Any, flags: int, top: bool) -> int:
        """The worst chain of unbounded repeats in ``items``: each one able to go on where the one
        before stops, and everything between them (that must match) fitting both."""
        flat = self.flatten(items, flags)
        best = 0
        chain: list[tuple[int, _Shape]] = []  # the chain's repeats: position in flat, what they take
        between = frozenset[str]()
        for index, (op, av, item_flags) in enumerate(flat):
            for sub in _subsequences(op, av):  # chains inside groups, branches, lookarounds
                best = max(best, self._degree(sub, item_flags, top=False))
            member = self._member(op, av, item_flags)
            if member is not None:
                previous = chain[-1][1] if chain else _EMPTY
                shared = member.chars & previous.chars
                meets = (previous.last & member.first) if not between else shared
                if chain and not between and not meets and previous.first & member.first:
                    # A repeat gives back whole rounds: the next item can take them over when a
                    # round of the repeat can be made of its characters ((?:ab)+(?:ab)+c).
                    meets = self._rounds_within(flat[chain[-1][0]], member.chars)
                chain = [*chain, (index, member)] if chain and meets and between <= shared else [(index, member)]
                between = frozenset()
                best = max(best, self._chain_degree(flat, chain, top))
                continue
            shape = self.item_shape(op, av, item_flags)
            if not shape.nullable:
                between |= shape.chars
        return best

    def _rounds_within(self, item: tuple[Any, Any, int], allowed: frozenset[str]) -> frozenset[str]:
        """The characters a round of ``item`` can start with when it is a backtracking unbounded repeat whose
        body can match a non-empty text made only of ``allowed`` characters (else nothing)."""
        op, av, flags = item
        if op not in _REPEATS or av[1] != sre.MAXREPEAT:  # a possessive repeat gives nothing back
            return frozenset()
        possible, non_empty = self._within(av[2], flags, allowed)
        return self.shape(av[2], flags).first & allowed if possible and non_empty else frozenset()

    def _within(self, items: Any, flags: int, allowed: frozenset[str]) -> tuple[bool, bool]:
        """Whether ``items`` can match some text made only of ``allowed`` characters, and whether
        that text can be non-empty (lookarounds and anchors are not checked: they match nothing)."""
        possible, non_empty = True, False
        for op, av in items:
            can, some = self._item_within(op, av, flags, allowed)
            possible, non_empty = possible and can, non_empty or some
        return possible, possible and non_empty

    def _item_within(self, op: Any, av: Any, flags: int, allowed: frozenset[str]) -> tuple[bool, bool]:
        if op in _SINGLE:
            fits = bool(self.chars_of(op, av, flags) & allowed)
            return fits, fits
        if op in (*_REPEATS, sre.POSSESSIVE_REPEAT):
            if av[1] == 0:
                return True, False
            can, some = self._within(av[2], flags, allowed)
            return can or av[0] == 0, can and some
        if op is sre.SUBPATTERN:
            return self._within(av[3], (flags | av[1]) & ~av[2], allowed)
        if op in (sre.BRANCH, sre.ATOMIC_GROUP, sre.GROUPREF_EXISTS):
            results = [self._within(sub, flags, allowed) for sub in _subsequences(op, av)]
            if op is sre.GROUPREF_EXISTS and av[2] is None:
                results.append((True, False))
            return any(can for can, _ in results), any(can and some for can, some in results)
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return True, False
        return True, True  # a back-reference: anything

    def _member(self, op: Any, av: Any, flags: int) -> _Shape | None:
        """What an item that can take a run of any length takes (possessive ones too: each try of
        them walks the run), or None for an item of bounded length."""
        if op in (*_REPEATS, sre.POSSESSIVE_REPEAT) and av[1] == sre.MAXREPEAT:
            return self.shape(av[2], flags)
        if op not in _SINGLE and _unbounded(op, av):
            return self.item_shape(op, av, flags)
        return None

    def _chain_degree(self, flat: list[tuple[Any, Any, int]], chain: list[tuple[int, _Shape]], top: bool) -> int:
        length = len(chain)
        if top and all(_cannot_fail(op, av) for op, av, _ in flat[chain[-1][0] + 1 :]):
            length -= 1  # a last repeat with nothing after it that can fail never gives back
        if top and self.anchored:
            return length
        start, first = chain[0]
        lead = flat[0]
        # compile_condition tries only where a run of the leading class starts; elsewhere the
        # leading repeat is empty (an X* start outside X runs): one member fewer, same degree.
        if top and start == 0 and lead[2] == self.flags and _leading_single(lead):
            return length
        before = [self.item_shape(op, av, f) for op, av, f in flat[:start]]
        if top and any(not s.nullable and not s.chars <= first.chars for s in before):
            return length  # a start before the chain cannot reach it inside a run
        return length + 1


def _cannot_fail(op: Any, av: Any) -> bool:
    return op in (*_REPEATS, sre.POSSESSIVE_REPEAT) and av[0] == 0


def _unbounded(op: Any, av: Any) -> bool:
    """Whether an item holds a repeat without an upper bound."""
    if op in (*_REPEATS, sre.POSSESSIVE_REPEAT) and av[1] == sre.MAXREPEAT:
        return True
    return any(_unbounded(sub_op, sub_av) for sub in _subsequences(op, av) for sub_op, sub_av in sub)


def _leading_single(item: tuple[Any, Any, int]) -> bool:
    op, av, _ = item
    return op in (*_REPEATS, sre.POSSESSIVE_REPEAT) and av[1] == sre.MAXREPEAT and _single_body(av[2]) is not None


def _subsequences(op: Any, av: Any) -> list[Any]:
    """The sub-patterns inside one item (none for a single character or an anchor)."""
    if op in (*_REPEATS, sre.POSSESSIVE_REPEAT):
        return [av[2]]
    if op is sre.SUBPATTERN:
        return [av[3]]
    if op is sre.ATOMIC_GROUP:
        return [av]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    if op is sre.GROUPREF_EXISTS:
        return [sub for sub in av[1:] if sub is not None]
    return []


@lru_cache(maxsize=4096)
def _probe(source: str, flags: int, probes: frozenset[str]) -> frozenset[str]:
    matcher = re.compile(source, flags)
    return frozenset(c for c in probes if matcher.fullmatch(c))
