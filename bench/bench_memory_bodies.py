"""Memory of one mockai server fed large request bodies: bounded by bytes, not only by count.

    python bench/bench_memory_bodies.py [--requests 1000] [--quick]

Two runs, each against a fresh ``mockai serve`` at default settings (journal: 1,000 entries and
32 MiB, large bodies kept cut; in-memory store: 10,000 completions and 32 MiB):

- ``bodies``: ``--requests`` chat requests whose user message is 512 KiB, every one different;
- ``store``: as many ``store: true`` requests of 256 KiB each.

The server's RSS (/proc, Linux) is read after a few small warm-up requests ("before") and after
the run ("after"); the target is that each run adds at most 64 MiB.  Requests are sent one after
the other on one connection.  Prints the figures and writes bench/results/memory_bodies.json.
Before the byte budgets, the same runs (1,100 requests) added 536 MiB and 285 MiB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import API_KEY, check, mockai, results_dir, write_results

TARGET_MIB = 64
KiB = 1024


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def body(n: int, size: int, store: bool) -> bytes:
    text = f"request {n}: " + "lorem ipsum dolor sit amet " * (size // 27 + 1)
    request: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text[:size]}]}
    if store:
        request["store"] = True
    return json.dumps(request).encode()


def run(name: str, requests: int, size: int, store: bool) -> dict[str, Any]:
    with mockai() as server:
        parts = urlsplit(server.url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

        def send(payload: bytes) -> None:
            conn.request("POST", parts.path + "/chat/completions", body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            check(response.status == 200, f"{name}: status {response.status}")

        for n in range(20):  # warm-up: imports, memos, the first of everything
            send(body(-n - 1, 1000, store))
        before = proc_kb(server.pid, "VmRSS")
        started = time.monotonic()
        for n in range(requests):
            send(body(n, size, store))
        seconds = time.monotonic() - started
        after = proc_kb(server.pid, "VmRSS")
        peak = proc_kb(server.pid, "VmHWM")
        admin = server.url.removesuffix("/v1") + "/_mockai/health"
        conn.request("GET", urlsplit(admin).path)
        health = json.loads(conn.getresponse().read())
        conn.close()
    added = (after - before) / KiB
    result = {
        "requests": requests,
        "body_kib": size // KiB,
        "store": store,
        "rss_mib_before": round(before / KiB, 1),
        "rss_mib_after": round(after / KiB, 1),
        "rss_mib_added": round(added, 1),
        "rss_mib_peak": round(peak / KiB, 1),
        "journaled": health.get("requests"),
        "seconds": round(seconds, 1),
        "met": added <= TARGET_MIB,
    }
    print(
        f"{name:>6}: {requests} requests of {size // KiB} KiB{' (store: true)' if store else ''}: "
        f"RSS {before / KiB:.1f} -> {after / KiB:.1f} MiB (+{added:.1f} MiB, peak {peak / KiB:.1f} MiB) "
        f"in {seconds:.1f} s; target +{TARGET_MIB} MiB: {'met' if added <= TARGET_MIB else 'NOT met'}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="requests per run (default 1,000)")
    parser.add_argument("--quick", action="store_true", help="50 requests a run: checks the script runs")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    if args.quick:
        args.requests = 50
    bodies = run("bodies", args.requests, 512 * KiB, store=False)
    store = run("store", args.requests, 256 * KiB, store=True)
    results = {
        "target": f"each run adds at most {TARGET_MIB} MiB of RSS at default settings",
        "bodies": bodies,
        "store": store,
        "met": bodies["met"] and store["met"],
        "command": f"python bench/bench_memory_bodies.py --requests {args.requests}",
    }
    path = write_results("memory_bodies", results, results_dir(args.out, args.quick))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
