"""Immutable records for the hot path: frozen to the type checker, cheap to build at run time.

``@record`` is ``@dataclass(frozen=True, slots=True)`` as mypy sees it (``dataclass_transform``):
no field of a record is assigned after it is built, and ``mypy --strict`` refuses code that does.
At run time it is a slotted dataclass with the hash a frozen one has, because a frozen
dataclass's ``__init__`` sets each field through ``object.__setattr__``: about 1,500 machine
instructions a field (callgrind: 8,508 to build a 5-field ``MessageItem`` frozen, 2,170 as a
record; about 20,000 for a Response's 12-field plan). ``tests/core/test_records.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["record"]

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # (only the type checker reads it; typing has it from Python 3.11 on)

    def dataclass_transform(**_: Any) -> Callable[[T], T]:
        return lambda decorated: decorated


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    return dataclass(slots=True, unsafe_hash=True)(cls)
