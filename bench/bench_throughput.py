"""Throughput of one mockai worker against a bare aiohttp server, measured in the same run.

    python bench/bench_throughput.py [--rounds 5] [--duration 4] [--quick]

* non-streaming requests/s at concurrency 1, 16 and 64: mockai (default options) against
  bench/bare_server.py answering mockai's own reply as canned bytes; mockai both with the same
  request every time (what most load tests send) and with a distinct request every time
  (``--vary``: nothing can come from a cache);
* streaming at concurrency 16: SSE events/s and time-to-first-byte, against the bare server
  writing mockai's own pre-built events one ``write()`` each.

Each load run is bench/loadgen.py in its own process.  The targets run interleaved, round after
round, and every ratio is the median of the per-round ratios, so a busy machine slows both sides
alike.  Writes bench/results/throughput.json and prints a markdown table.
Targets: non-streaming ≥ 0.6 × bare at concurrency 16; streaming ≥ 0.7 × bare events/s.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import loadgen
from common import (
    BODY,
    STREAM_BODY,
    bare,
    body_bytes,
    check,
    median,
    mockai,
    paired_ratio,
    post,
    results_dir,
    sse_events,
    write_results,
)
from run_all import TABLE_HEAD, throughput_rows

TARGET_JSON = 0.6
TARGET_STREAM = 0.7


def reference_answers(url: str) -> tuple[bytes, list[bytes]]:
    """mockai's reply to the benchmark requests: what the bare server will send as canned bytes."""
    status, _, canned = post(url + "/chat/completions", body_bytes(BODY, 1))
    check(status == 200, f"mockai answered {status} to the benchmark request: {canned[:300]!r}")
    status, headers, stream = post(url + "/chat/completions", body_bytes(STREAM_BODY, 1))
    check(status == 200 and headers.get("content-type", "").startswith("text/event-stream"), "no stream")
    return canned, sse_events(stream)


def run(rounds: int, duration: float, quick: bool) -> dict[str, Any]:
    requests = 300 if quick else 10_000_000
    warmup = 20 if quick else 300
    concurrencies = (1, 16) if quick else (1, 16, 64)
    results: dict[str, Any] = {"rounds": rounds, "duration_s": duration, "non_streaming": {}, "streaming": {}}
    with mockai() as server:
        canned, events = reference_answers(server.url)
        endpoint = server.url + "/chat/completions"
        with bare(canned, events) as baseline:

            def load(url: str, body: bytes, concurrency: int, **kw: Any) -> dict[str, Any]:
                return loadgen.run(
                    url, body, concurrency=concurrency, requests=requests, duration=duration, warmup=warmup, **kw
                )

            same = body_bytes(BODY, 1)
            for c in concurrencies:
                runs: dict[str, list[dict[str, Any]]] = {"bare": [], "mockai": [], "mockai_distinct": []}
                for r in range(rounds):
                    order = ["bare", "mockai", "mockai_distinct"]
                    for name in order if r % 2 == 0 else order[::-1]:
                        if name == "bare":
                            runs[name].append(load(baseline.origin + "/json", same, c))
                        elif name == "mockai":
                            runs[name].append(load(endpoint, same, c))
                        else:
                            runs[name].append(load(endpoint, body_bytes(BODY), c, vary=True))
                for name, rs in runs.items():
                    check(all(x["errors"] == 0 for x in rs), f"{name} had errors at concurrency {c}: {rs[-1]}")
                bare_rps = [x["rps"] for x in runs["bare"]]
                results["non_streaming"][str(c)] = {
                    "bare_rps": median(bare_rps),
                    "mockai_rps": median([x["rps"] for x in runs["mockai"]]),
                    "mockai_distinct_rps": median([x["rps"] for x in runs["mockai_distinct"]]),
                    "ratio": paired_ratio([x["rps"] for x in runs["mockai"]], bare_rps),
                    "ratio_distinct": paired_ratio([x["rps"] for x in runs["mockai_distinct"]], bare_rps),
                    "mockai_latency_ms": runs["mockai"][-1]["latency_ms"],
                    "loadgen_cpu_share": median([x["loadgen_cpu_s"] / x["elapsed_s"] for x in runs["mockai"]]),
                }
            stream_body = body_bytes(STREAM_BODY, 1)
            c = 16
            sruns: dict[str, list[dict[str, Any]]] = {"bare": [], "mockai": []}
            for r in range(rounds):
                for name in ("bare", "mockai") if r % 2 == 0 else ("mockai", "bare"):
                    url = baseline.origin + "/sse" if name == "bare" else endpoint
                    sruns[name].append(load(url, stream_body, c, stream=True))
            for name, rs in sruns.items():
                check(all(x["errors"] == 0 for x in rs), f"{name} stream had errors: {rs[-1]}")
                check(all(x["events"] == x["requests"] * len(events) for x in rs), f"{name}: wrong event count")
            results["streaming"] = {
                "concurrency": c,
                "events_per_stream": len(events),
                "bare_events_per_s": median([x["events_per_s"] for x in sruns["bare"]]),
                "mockai_events_per_s": median([x["events_per_s"] for x in sruns["mockai"]]),
                "ratio": paired_ratio(
                    [x["events_per_s"] for x in sruns["mockai"]], [x["events_per_s"] for x in sruns["bare"]]
                ),
                "bare_ttfb_ms": {q: median([x["ttfb_ms"][q] for x in sruns["bare"]]) for q in ("p50", "p99")},
                "mockai_ttfb_ms": {q: median([x["ttfb_ms"][q] for x in sruns["mockai"]]) for q in ("p50", "p99")},
            }
    ns16 = results["non_streaming"]["16"]
    results["targets"] = {
        "non_streaming_c16": {"target": TARGET_JSON, "ratio": ns16["ratio"], "met": ns16["ratio"] >= TARGET_JSON},
        "streaming": {
            "target": TARGET_STREAM,
            "ratio": results["streaming"]["ratio"],
            "met": results["streaming"]["ratio"] >= TARGET_STREAM,
        },
    }
    return results


def table(results: dict[str, Any]) -> str:
    return "\n".join([*TABLE_HEAD, *throughput_rows(results)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per measure (default 5)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per load run (default 4)")
    parser.add_argument("--quick", action="store_true", help="a few hundred requests: checks the script runs")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    rounds, duration = (1, 1.0) if args.quick else (args.rounds, args.duration)
    results = run(rounds, duration, args.quick)
    path = write_results("throughput", results, results_dir(args.out, args.quick))
    print(table(results))
    print(json.dumps(results["targets"]))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
