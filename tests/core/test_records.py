"""``@record``: what ``@dataclass(frozen=True, slots=True)`` gave the hot path's plans (equality,
the hash of their fields, ``replace``, no ``__dict__``), built without ``object.__setattr__``.
That no field is assigned after construction is ``mypy --strict``'s to check (CI runs it)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field, replace

import pytest

from mockai.core.records import record


@record
class _Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _FrozenPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())


def test_a_record_behaves_as_the_frozen_dataclass_it_replaces() -> None:
    point, frozen = _Point(1, tags=("a",)), _FrozenPoint(1, tags=("a",))
    assert point == _Point(1, 0, ("a",)) and point != _Point(2)
    assert hash(point) == hash(_Point(1, 0, ("a",))) == hash(frozen)  # (a frozen dataclass hashes its fields)
    assert replace(point, y=5) == _Point(1, 5, ("a",)) and point.y == 0
    assert not hasattr(point, "__dict__") and repr(point) == "_Point(x=1, y=0, tags=('a',))"
    with pytest.raises(FrozenInstanceError):
        frozen.x = 2  # type: ignore[misc]
    assert {point: 1}[_Point(1, 0, ("a",))] == 1
