"""Stored completions in memory: the default store, bounded, oldest evicted first.

Bounded twice: at most ``cap`` completions and about ``max_bytes`` bytes of memory (each record's
cost estimated by :func:`~mockai.core.json_budget.json_cost`, on the high side).  Records are kept
whole (a stored completion is answered as it was stored); the newest is kept even when it alone is
over ``max_bytes``, so a request's ``store: true`` is never silently dropped.

Every method runs under one lock, so the store may be used from several threads (the server's
event loop and a test thread driving ``ServerState.reset``).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import replace

from mockai.chat.store.records import ListQuery, Page, StoredCompletion, UnknownCursor, derived_id
from mockai.core.json_budget import json_cost

__all__ = ["DEFAULT_STORE_BYTES", "MemoryStore", "record_cost"]

DEFAULT_STORE_BYTES = 32 << 20


def record_cost(record: StoredCompletion) -> int:
    """Estimated bytes of memory a stored completion holds (with its share of the indexes)."""
    parts = json_cost(record.completion) + json_cost(record.messages) + json_cost(record.metadata)
    return 1024 + len(record.id) + parts


class MemoryStore:
    def __init__(self, cap: int, max_bytes: int = DEFAULT_STORE_BYTES) -> None:
        if cap < 1:
            raise ValueError(f"store cap must be at least 1, got {cap}")
        self.cap = cap
        self.max_bytes = max_bytes
        self.bytes = 0
        self._costs: dict[int, int] = {}  # by seq
        self._lock = threading.Lock()
        self._by_id: dict[str, StoredCompletion] = {}
        self._by_seq: dict[int, StoredCompletion] = {}
        self._seqs: list[int] = []  # ascending: storage order
        # Filter index: ("model", name) and ("meta", key, value) -> seqs of the matching records.
        self._index: dict[tuple[str, ...], set[int]] = {}
        # Deleted or evicted ids and where they were, so that a cursor on one still works.
        self._gone: OrderedDict[str, int] = OrderedDict()
        # Where to start looking for a free derived id, per base id.
        self._next_suffix: dict[str, int] = {}
        self._last_seq = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, record: StoredCompletion, *, fresh_id: bool) -> StoredCompletion:
        with self._lock:
            if record.id in self._by_id:
                if fresh_id:
                    record = record.with_id(self._free_id(record.id))
                else:
                    self._remove(record.id)
            self._last_seq += 1
            record = replace(record, seq=self._last_seq)
            self._by_id[record.id] = record
            self._by_seq[record.seq] = record
            self._seqs.append(record.seq)
            self._indexed(record, add=True)
            self._gone.pop(record.id, None)
            self._cost(record)
            seqs = self._seqs
            while len(seqs) > self.cap or (self.bytes > self.max_bytes and len(seqs) > 1):
                self._remove(self._by_seq[seqs[0]].id)
            return record

    def _cost(self, record: StoredCompletion) -> None:
        cost = record_cost(record)
        self.bytes += cost - self._costs.get(record.seq, 0)
        self._costs[record.seq] = cost

    def id_for(self, base: str) -> str:
        with self._lock:
            return base if base not in self._by_id else self._free_id(base)

    def _free_id(self, base: str) -> str:
        n = self._next_suffix.get(base, 2)
        while derived_id(base, n) in self._by_id:
            n += 1
        if len(self._next_suffix) >= self.cap:  # only a hint: keep it bounded like the rest
            self._next_suffix.clear()
        self._next_suffix[base] = n + 1
        return derived_id(base, n)

    def _indexed(self, record: StoredCompletion, *, add: bool) -> None:
        keys: list[tuple[str, ...]] = [("model", record.model), ("model", record.requested_model)]
        keys += [("meta", k, v) for k, v in record.metadata.items()]
        for key in keys:
            if add:
                self._index.setdefault(key, set()).add(record.seq)
            else:
                seqs = self._index.get(key)
                if seqs is not None:
                    seqs.discard(record.seq)
                    if not seqs:
                        del self._index[key]

    def _remove(self, completion_id: str) -> None:
        record = self._by_id.pop(completion_id)
        self._indexed(record, add=False)
        del self._by_seq[record.seq]
        del self._seqs[bisect.bisect_left(self._seqs, record.seq)]
        self.bytes -= self._costs.pop(record.seq, 0)
        self._gone[completion_id] = record.seq
        while len(self._gone) > self.cap:
            self._gone.popitem(last=False)

    def get(self, completion_id: str) -> StoredCompletion | None:
        with self._lock:
            return self._by_id.get(completion_id)

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None:
        with self._lock:
            record = self._by_id.get(completion_id)
            if record is None:
                return None
            self._indexed(record, add=False)
            record = replace(record, metadata=dict(metadata))
            self._indexed(record, add=True)
            self._by_id[completion_id] = record
            self._by_seq[record.seq] = record
            self._cost(record)
            return record

    def delete(self, completion_id: str) -> bool:
        with self._lock:
            if completion_id not in self._by_id:
                return False
            self._remove(completion_id)
            return True

    def page(self, query: ListQuery) -> Page:
        with self._lock:
            seqs = self._candidates(query)
            at = None if query.after is None else self._position(query.after)
            if query.order == "asc":
                indexes = range(0 if at is None else bisect.bisect_right(seqs, at), len(seqs))
            else:
                indexes = range((len(seqs) if at is None else bisect.bisect_left(seqs, at)) - 1, -1, -1)
            items: list[StoredCompletion] = []
            for i in indexes:
                record = self._by_seq[seqs[i]]
                if query.matches(record):
                    if len(items) == query.limit:
                        return Page(items, has_more=True)
                    items.append(record)
            return Page(items, has_more=False)

    def _candidates(self, query: ListQuery) -> list[int]:
        """Seqs that may match, ascending: all of them, or what the filter index allows."""
        keys: list[tuple[str, ...]] = [("meta", k, v) for k, v in query.metadata.items()]
        if not keys and query.model is None:
            return self._seqs
        sets = [self._index.get(key, set()) for key in keys]
        if query.model is not None:
            sets.append(self._index.get(("model", query.model), set()))
        return sorted(set.intersection(*sorted(sets, key=len)))

    def _position(self, completion_id: str) -> int:
        record = self._by_id.get(completion_id)
        if record is not None:
            return record.seq
        if completion_id in self._gone:
            return self._gone[completion_id]
        raise UnknownCursor(completion_id)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()
            self._by_seq.clear()
            self._seqs.clear()
            self._index.clear()
            self._gone.clear()
            self._next_suffix.clear()
            self._costs.clear()
            self.bytes = 0

    def close(self) -> None:
        """Nothing is held open in memory."""
