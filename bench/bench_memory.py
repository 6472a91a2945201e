"""Memory of one mockai server over a long load test: flat once warm, because everything is bounded.

    python bench/bench_memory.py [--requests 1000000] [--quick]

One mockai process (default options: a 1,000-entry journal, stored completions capped) answers
``--requests`` distinct requests (bench/loadgen.py ``--vary``: every body differs, so every memo
fills up and turns over), in batches that alternate plain and streamed (``include_usage``)
requests.  The server's RSS (/proc, Linux) is read after each batch.  Reports RSS at 100,000
requests and at the end, their ratio (target: within ±10%) and how long the run took.
Writes bench/results/memory.json.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import loadgen
from common import BODY, STREAM_BODY, body_bytes, mockai, proc_rss_kb, results_dir, write_results

TARGET = 0.10


def run(total: int, batch: int, reference: int, concurrency: int) -> dict[str, Any]:
    samples: list[dict[str, Any]] = []
    done = 0
    started = time.monotonic()
    with mockai() as server:
        url = server.url + "/chat/completions"
        samples.append({"requests": 0, "rss_kb": proc_rss_kb(server.pid)})
        turn = 0
        while done < total:
            count = min(batch, total - done)
            stream = turn % 2 == 1
            body = body_bytes(
                {**(STREAM_BODY if stream else BODY), **({"stream_options": {"include_usage": True}} if stream else {})}
            )
            result = loadgen.run(
                url,
                body,
                concurrency=concurrency,
                requests=count,
                duration=3600,
                warmup=0,
                stream=stream,
                vary=True,
                start=done,
                timeout=7200,
            )
            if result["errors"]:
                raise SystemExit(f"bench: errors during the memory run: {result['status']}")
            done += result["requests"]
            turn += 1
            samples.append(
                {"requests": done, "rss_kb": proc_rss_kb(server.pid), "seconds": round(time.monotonic() - started, 1)}
            )
            print(
                f"{done:>9} requests  rss {samples[-1]['rss_kb'] / 1024:7.1f} MiB  {samples[-1]['seconds']:7.1f} s",
                flush=True,
            )
    at_reference = next(s for s in samples if s["requests"] >= reference)
    final = samples[-1]
    growth = final["rss_kb"] / at_reference["rss_kb"] - 1
    return {
        "target": f"RSS within ±{TARGET:.0%} between {reference:,} and {total:,} requests",
        "requests": total,
        "reference_requests": at_reference["requests"],
        "rss_mib_at_reference": round(at_reference["rss_kb"] / 1024, 1),
        "rss_mib_at_end": round(final["rss_kb"] / 1024, 1),
        "growth": round(growth, 4),
        "met": abs(growth) <= TARGET,
        "seconds": final["seconds"],
        "requests_per_s": round(total / final["seconds"], 1) if final["seconds"] else 0.0,
        "concurrency": concurrency,
        "samples": samples,
        "command": f"python bench/bench_memory.py --requests {total}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="total requests (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=50_000, help="requests between two RSS readings")
    parser.add_argument("--reference", type=int, default=100_000, help="compare the end with RSS here")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="2,000 requests: checks the script runs")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.batch, args.reference = 2_000, 500, 1_000
    results = run(args.requests, args.batch, args.reference, args.concurrency)
    path = write_results("memory", results, results_dir(args.out, args.quick))
    print(json.dumps({k: v for k, v in results.items() if k != "samples"}))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
