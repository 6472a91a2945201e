"""Where a value is being built (:class:`Place`), and what builds values (:class:`ValueMaker`): the
two types the generator and its array and object builders share."""

from __future__ import annotations

import random
from typing import Any, NamedTuple, Protocol

from mockai.generate.jsongen.budget import WorkBudget

__all__ = ["Place", "ValueMaker"]


class Place(NamedTuple):
    """Where a value is being built: the ``$ref`` expanded on the way there, the nesting depth, the
    property name (a hint for strings), how small the value must be, and the schema keys that lead
    there from the root (the context of an error)."""

    refs: tuple[str, ...]
    depth: int
    name: str | None
    minimal: bool = False  # as small as allowed: deep, or a $ref recurring _RECURSION times
    small: bool = False  # a $ref recurring at all: few items
    path: tuple[str, ...] = ()

    def child(self, name: str | None, *steps: str) -> Place:
        return Place(self.refs, self.depth + 1, name, path=(*self.path, *steps))


class ValueMaker(Protocol):
    rng: random.Random
    budget: WorkBudget

    def value(self, schema: Any, at: Place) -> Any: ...

    def valid(self, schema: Any, value: Any) -> bool: ...
