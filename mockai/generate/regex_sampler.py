"""Random strings matching a regular expression, for the common subset of patterns.

:func:`parse_regex` turns a pattern into a small tree (characters, sequences, alternatives,
repetitions) or None when the pattern is outside the subset (lookarounds, backreferences, ``\\p{…}``…,
groups nested more than :data:`MAX_GROUP_DEPTH` deep); :func:`sample` draws one string from such a
tree, within a length and a number of steps (``a{1000000}`` or ``((a*)*)*`` cost no more than the
caller allows).  Anchors and word boundaries are dropped, so a sample is a candidate: callers check it.
"""

from __future__ import annotations

import functools
import random
import re
import string
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

__all__ = ["MAX_GROUP_DEPTH", "STEPS_PER_TICK", "Node", "parse_regex", "python_regex", "sample"]

MAX_GROUP_DEPTH = 32

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


class _TooLong(Exception):
    pass


@dataclass(frozen=True)
class _Chars:
    chars: str  # one of these


@dataclass(frozen=True)
class _Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class _Alt:
    options: tuple[Node, ...]


@dataclass(frozen=True)
class _Repeat:
    node: Node
    lo: int
    hi: int | None


Node: TypeAlias = _Chars | _Seq | _Alt | _Repeat


class _RegexParser:
    def __init__(self, pattern: str) -> None:
        self.p, self.i, self.depth = pattern, 0, 0

    def parse(self) -> Node:
        node = self._alternation()
        if self.i != len(self.p):
            raise _Unsupported("unbalanced parenthesis")
        return node

    def _peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def _alternation(self) -> Node:
        options = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def _sequence(self) -> Node:
        items: list[Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _Seq(tuple(items))

    def _atom(self) -> Node:
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self.p.startswith(("?<", "?P<"), self.i) and self.p[self.i + 2 : self.i + 3] not in "=!":
                self.i = self.p.index(">", self.i) + 1
            elif self._peek() == "?":
                raise _Unsupported("lookaround or inline flags")
            self.depth += 1
            if self.depth > MAX_GROUP_DEPTH:
                raise _Unsupported("groups nested too deep")
            node = self._alternation()
            self.depth -= 1
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

    def _class(self) -> Node:
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
                low, high = ord(first), ord(last)
                printable = range(max(low, 32), min(high, 126) + 1)  # the span's printable ASCII
                members.extend(chr(c) for c in (printable or range(low, min(high, low + 63) + 1)))
            else:
                members.extend(first)
        chars = "".join(sorted(dict.fromkeys(members)))
        if negate:
            chars = "".join(c for c in _PRINTABLE if c not in chars)
        if not chars:
            raise _Unsupported("empty class")
        return _Chars(chars)

    def _quantified(self, atom: Node) -> Node:
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
def parse_regex(pattern: str) -> Node | None:
    """The tree of ``pattern``, or None when it is outside the supported subset."""
    try:
        return _RegexParser(pattern).parse()
    except (_Unsupported, ValueError, IndexError, RecursionError):
        return None


@functools.lru_cache(maxsize=256)
def python_regex(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` compiled by :mod:`re` (warnings silenced), or None when it does not compile."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(pattern)
        except re.error:
            return None


def sample(
    node: Node,
    rng: random.Random,
    stretch: int,
    *,
    limit: int | None = None,
    tick: Callable[[], None] | None = None,
    at_least: int = 0,
) -> str | None:
    """A string drawn from ``node``; an open-ended repetition repeats at most ``stretch`` more times.

    With ``limit``, None instead of a string longer than ``limit`` characters, or one that takes more
    than ``4 * limit + 64`` steps to draw (a repetition of something empty, ``(\\b)*``, is steps).
    ``tick()`` is called every :data:`STEPS_PER_TICK` steps (it may raise to stop the drawing).
    With ``at_least``, a repetition goes on past its drawn count (within its bound) while the string
    would otherwise end shorter than ``at_least`` characters (a minLength): ``a+`` gives 40 ``a`` for
    40.  Without it (0) the draws are those of earlier versions, character for character.
    """
    sampler = _Sampler(rng, stretch, limit, tick)
    sampler.at_least = at_least
    try:
        sampler.draw(node)
    except _TooLong:
        return None
    return "".join(sampler.out)


def _shortest(node: Node, memo: dict[int, int]) -> int:
    """The length of the shortest string ``node`` draws."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, _Chars):
        length = 1
    elif isinstance(node, _Seq):
        length = sum(_shortest(item, memo) for item in node.items)
    elif isinstance(node, _Alt):
        length = min(_shortest(option, memo) for option in node.options)
    else:
        length = node.lo * _shortest(node.node, memo)
    memo[id(node)] = length
    return length


STEPS_PER_TICK = 256


class _Sampler:
    def __init__(self, rng: random.Random, stretch: int, limit: int | None, tick: Callable[[], None] | None) -> None:
        self.rng, self.stretch, self.out, self.tick = rng, stretch, list[str](), tick
        self.chars_left = -1 if limit is None else limit
        self.steps_left = -1 if limit is None else 4 * limit + 64
        self.steps = 0
        self.at_least = 0  # see sample()
        self.shortest: dict[int, int] = {}

    def draw(self, node: Node, after: int = 0) -> None:
        """Draw ``node``; ``after``: the fewest characters that will follow it (with ``at_least``)."""
        self.steps += 1
        if self.tick is not None and self.steps % STEPS_PER_TICK == 0:
            self.tick()
        if self.steps_left >= 0:
            self.steps_left -= 1
            if self.steps_left < 0:
                raise _TooLong
        if isinstance(node, _Chars):
            if self.chars_left >= 0:
                self.chars_left -= 1
                if self.chars_left < 0:
                    raise _TooLong
            self.out.append(self.rng.choice(node.chars))
        elif isinstance(node, _Seq):
            if not self.at_least:
                for item in node.items:
                    self.draw(item)
                return
            following = after + _shortest(node, self.shortest)
            for item in node.items:
                following -= _shortest(item, self.shortest)
                self.draw(item, following)
        elif isinstance(node, _Alt):
            self.draw(self.rng.choice(node.options), after)
        else:
            top = node.lo + self.stretch if node.hi is None else min(node.hi, node.lo + self.stretch)
            count = self.rng.randint(node.lo, max(node.lo, top))
            for _ in range(count):
                self.draw(node.node, after)
            while self.at_least and len(self.out) + after < self.at_least and (node.hi is None or count < node.hi):
                before = len(self.out)
                self.draw(node.node, after)
                count += 1
                if len(self.out) == before:  # a round of nothing never gets there
                    break
