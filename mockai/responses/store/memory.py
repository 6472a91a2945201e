"""Stored responses in memory: the default store, bounded, oldest evicted first.

Bounded twice: at most ``cap`` responses and about ``max_bytes`` bytes (each record's cost from
:func:`~mockai.responses.store.records.record_cost`).  The newest is kept even when it alone is
over ``max_bytes``, so a request's ``store`` is never silently dropped.  Every method runs under
one lock: the server's event loop and a test thread driving ``ServerState.reset`` may both use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from mockai.responses.store.records import StoredResponse, record_cost

__all__ = ["MemoryResponseStore"]


class MemoryResponseStore:
    def __init__(self, cap: int, max_bytes: int) -> None:
        if cap < 1:
            raise ValueError(f"store cap must be at least 1, got {cap}")
        self.cap = cap
        self.max_bytes = max_bytes
        self.bytes = 0
        self._records: OrderedDict[str, tuple[StoredResponse, int]] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._records)

    def close(self) -> None:
        """Nothing is held open in memory."""

    def add(self, record: StoredResponse) -> None:
        cost = record_cost(record)
        records = self._records
        with self._lock:
            old = records.pop(record.id, None)
            if old is not None:
                self.bytes -= old[1]
            records[record.id] = (record, cost)
            self.bytes += cost
            while len(records) > self.cap or (self.bytes > self.max_bytes and len(records) > 1):
                self.bytes -= records.popitem(last=False)[1][1]  # the oldest

    def _pop(self, response_id: str) -> bool:
        entry = self._records.pop(response_id, None)
        if entry is None:
            return False
        self.bytes -= entry[1]
        return True

    def get(self, response_id: str) -> StoredResponse | None:
        entry = self._records.get(response_id)
        return None if entry is None else entry[0]

    def with_prefix(self, prefix: str) -> list[StoredResponse]:
        with self._lock:
            return [record for key, (record, _) in self._records.items() if key.startswith(prefix)]

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._pop(response_id)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self.bytes = 0
