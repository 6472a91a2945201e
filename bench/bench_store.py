"""What stored completions cost, over HTTP on 127.0.0.1 (one client, one request at a time).

    python bench/bench_store.py [--requests N] [--fill N]

* create: ``POST /v1/chat/completions`` without ``store``, with ``store: true`` in memory, and
  with ``store: true`` in a SQLite file;
* ``store.add`` alone (no HTTP), while filling the store;
* list: ``GET /v1/chat/completions?limit=100`` (first page, and a metadata-filtered page that has
  to skip most of the store) and ``GET /v1/chat/completions/{id}`` with the store full
  (``--fill`` completions, default the default cap of 10,000).

Prints the median milliseconds per request.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from mockai.chat.store.records import record_for
from mockai.core.config import ServerConfig
from mockai.core.plan import PlannedReply
from mockai.server.runner import ServerThread

AUTH = {"Authorization": "Bearer sk-bench"}


def median_ms(fn: Callable[[int], Any], rounds: int) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_create(config: ServerConfig, store: bool, rounds: int) -> float:
    with ServerThread(config) as thread, httpx.Client(base_url=thread.base_url + "/", headers=AUTH) as http:

        def one(i: int) -> None:
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q {i}"}], "store": store}
            http.post("chat/completions", json=body).raise_for_status()

        one(-1)  # warm up
        return median_ms(one, rounds)


def fill(thread: ServerThread, count: int) -> list[str]:
    """``count`` stored completions, the last one tagged ``{"rare": "yes"}``, straight into the store."""
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    plan = thread.state.planner.seeded(body)
    base = record_for("POST", "/v1/chat/completions", b"{}", body, PlannedReply(plan))
    assert base is not None
    store = thread.state.store
    ids = []
    for i in range(count):
        record = base.with_id(f"chatcmpl-bench{i:08d}")
        if i == count - 1:
            record = replace(record, metadata={"rare": "yes"})
        ids.append(store.add(record, fresh_id=False).id)
    return ids


def bench_reads(config: ServerConfig, count: int, rounds: int) -> dict[str, float]:
    with ServerThread(config) as thread, httpx.Client(base_url=thread.base_url + "/", headers=AUTH) as http:
        start = time.perf_counter()
        ids = fill(thread, count)
        per_add = (time.perf_counter() - start) / count * 1000

        def get(path: str, **params: Any) -> Callable[[int], None]:
            return lambda i: http.get(path, params=params).raise_for_status()

        return {
            "store.add itself (no HTTP)": per_add,
            "list first page (limit=100)": median_ms(get("chat/completions", limit=100), rounds),
            "list, metadata filter matching 1": median_ms(get("chat/completions", **{"metadata[rare]": "yes"}), rounds),
            "retrieve one": median_ms(lambda i: get(f"chat/completions/{ids[i % len(ids)]}")(i), rounds),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests timed per figure")
    parser.add_argument("--fill", type=int, default=10_000, help="stored completions for the read figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        memory = ServerConfig(port=0, store_cap=max(args.fill, 1))
        sqlite = replace(memory, store_path=Path(tmp) / "store.db")
        print(f"create, no store:          {bench_create(memory, False, args.requests):6.2f} ms")
        print(f"create, store in memory:   {bench_create(memory, True, args.requests):6.2f} ms")
        print(f"create, store in SQLite:   {bench_create(sqlite, True, args.requests):6.2f} ms")
        for name, config in (("memory", memory), ("SQLite", replace(sqlite, store_path=Path(tmp) / "r.db"))):
            for what, ms in bench_reads(config, args.fill, args.requests).items():
                print(f"{what}, {args.fill} in {name}: {ms:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
