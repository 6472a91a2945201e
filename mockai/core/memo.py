"""A bounded least-recently-used memo, for the hot path's pure functions.

Bounded twice: by entries and by (estimated) bytes, so a long load test, or one huge request,
cannot make memory grow.  Only for pure functions of the key: a hit must give exactly what
computing again would.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Thread-safe: the rendering memos are shared by every server of a process, and the pytest
    plugin runs servers on threads.  ``get`` takes no lock (each of its steps is atomic, and an
    entry evicted meanwhile is simply not refreshed); ``put``, which keeps the byte count, does."""

    def __init__(
        self, max_entries: int, max_bytes: int, size: Callable[[K, V], int], *, second_sight: bool = False
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size = size
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        # second_sight: a key is kept only when put a second time (a "doorkeeper"): a load test
        # sending every request different pays a hash and a set lookup per request, not an entry
        # pushed through the memo (its size estimated, the oldest evicted) that nothing will ask
        # for again.  The set of keys seen once holds hashes only, and is cleared when it grows
        # past a few times the entries, so it stays small; a collision only admits a key early.
        self._seen: set[int] | None = set() if second_sight else None

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:  # noqa: SIM105 (contextlib.suppress costs more, and this is the hot path)
            self._entries.move_to_end(key)
        except KeyError:  # evicted by another thread since
            pass
        return entry[0]

    def put(self, key: K, value: V) -> None:
        if self.max_entries <= 0:
            return
        seen = self._seen
        if seen is not None and key not in self._entries:
            digest = hash(key)
            if digest not in seen:
                if len(seen) >= 4 * self.max_entries:
                    seen.clear()
                seen.add(digest)
                return
        cost = self._size(key, value)
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, cost)
            self.bytes += cost
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self.bytes -= freed

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0
            if self._seen is not None:
                self._seen.clear()

    def __len__(self) -> int:
        return len(self._entries)
