"""Run every benchmark, then print the results as one markdown table (the one in the README).

    python bench/run_all.py              # everything, results in bench/results/*.json (long: the
                                         # memory run alone sends 1,000,000 requests)
    python bench/run_all.py --skip memory,fixture
    python bench/run_all.py --table      # only print the table from bench/results/*.json
    python bench/run_all.py --quick      # the load benchmarks in a few seconds, to a temporary directory

Each benchmark is its own script (bench/bench_*.py) and runs in its own process, one after the
other; the ones other features own are run when present.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"

# name: (script, arguments for a full run); the load benchmarks also have --quick and --out.
BENCHMARKS: dict[str, tuple[str, list[str]]] = {
    "throughput": ("bench_throughput.py", []),
    "workers": ("bench_workers.py", []),
    "memory": ("bench_memory.py", []),
    "memory_bodies": ("bench_memory_bodies.py", []),
    "validation": ("bench_validation.py", []),
    "scenarios": ("bench_scenarios.py", []),
    "cassette": ("bench_cassette.py", []),
    "fixture": ("bench_fixture.py", []),
    "peers": ("bench_peers.py", []),
}
QUICK = ("throughput", "workers", "memory")


def run(names: list[str], quick: bool, out: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for name in names:
        script, args = BENCHMARKS[name]
        if not (BENCH / script).exists():
            print(f"-- {name}: {script} not present, skipped", flush=True)
            continue
        extra = ["--quick", "--out", str(out)] if quick else args
        print(f"-- {name}: python bench/{script} {' '.join(extra)}", flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(BENCH / script), *extra], check=False)
        seconds[name] = round(time.monotonic() - started, 1)
        if done.returncode != 0:
            raise SystemExit(f"bench/{script} failed with exit code {done.returncode}")
    return seconds


def _load(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / f"{name}.json"
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


TABLE_HEAD = ("| measure | baseline | mockai | ratio | target |", "|---|---:|---:|---:|---|")


def throughput_rows(r: dict[str, Any]) -> list[str]:
    """The throughput rows of the table (bench_throughput.py prints them too)."""
    rows = []
    for c, x in r["non_streaming"].items():
        rows.append(
            f"| non-streaming req/s, concurrency {c}, same request | {x['bare_rps']:.0f} | "
            f"{x['mockai_rps']:.0f} | **{x['ratio']:.2f}** | {'≥ 0.8' if c == '16' else ''} |"
        )
        rows.append(
            f"| non-streaming req/s, concurrency {c}, every request different | {x['bare_rps']:.0f} | "
            f"{x['mockai_distinct_rps']:.0f} | **{x['ratio_distinct']:.2f}** | {'≥ 0.7' if c == '16' else ''} |"
        )
        if "long_prompt" in x:
            lp = x["long_prompt"]
            rows.append(
                f"| non-streaming req/s, concurrency {c}, every request different after a 4 KB system prompt "
                f"(CPU µs a request: bare {lp['bare_cpu_us']:.0f}, mockai {lp['mockai_cpu_us']:.0f}) | "
                f"{lp['bare_rps']:.0f} | {lp['mockai_rps']:.0f} | **{lp['ratio']:.2f}** | |"
            )
        if "mockai_distinct_cpu_us" in x:
            rows.append(
                f"| server CPU µs a request, concurrency {c}: bare / same / different | {x['bare_cpu_us']:.0f} | "
                f"{x['mockai_cpu_us']:.0f} / {x['mockai_distinct_cpu_us']:.0f} | "
                f"+{x['mockai_distinct_cpu_us'] - x['bare_cpu_us']:.0f} µs | {'≤ +60 µs' if c == '16' else ''} |"
            )
    s = r["streaming"]
    rows.append(
        f"| streamed events/s, concurrency {s['concurrency']}, same request ({s['events_per_stream']} events a "
        f"stream; bare: the same events, one write each) | {s['bare_events_per_s']:.0f} | "
        f"{s['mockai_events_per_s']:.0f} | **{s['ratio']:.2f}** | ≥ 1.6 |"
    )
    if "ratio_distinct" in s:
        rows.append(
            f"| streamed events/s, concurrency {s['concurrency']}, every request different "
            f"({s['mockai_distinct_events_per_stream']} events a stream; Python load generator; CPU µs a stream: "
            f"bare {s.get('bare_cpu_us_loadgen', s['bare_cpu_us']):.0f}, mockai {s['mockai_distinct_cpu_us']:.0f}) | "
            f"{s.get('bare_events_per_s_loadgen', s['bare_events_per_s']):.0f} | "
            f"{s['mockai_distinct_events_per_s']:.0f} | **{s['ratio_distinct']:.2f}** | |"
        )
    rows.append(
        f"| stream time to first byte, p50 / p99 (ms) | {s['bare_ttfb_ms']['p50']:.1f} / "
        f"{s['bare_ttfb_ms']['p99']:.1f} | {s['mockai_ttfb_ms']['p50']:.1f} / {s['mockai_ttfb_ms']['p99']:.1f} | | |"
    )
    for key, label, unit in (
        (
            "responses_streaming",
            "Responses API streamed events/s, concurrency 16, every request different",
            "events_per_s",
        ),
        ("embeddings", "embeddings req/s, concurrency 16, every request different", "rps"),
    ):
        x = r.get(key)
        if x is None:
            continue
        if "skipped" in x:
            rows.append(f"| {label} | | {x['skipped']} | | |")
        else:
            rows.append(
                f"| {label} (CPU µs a request: bare {x['bare_cpu_us']:.0f}, mockai {x['mockai_cpu_us']:.0f}) | "
                f"{x['bare_' + unit]:.0f} | {x['mockai_' + unit]:.0f} | {x['ratio']:.2f} | |"
            )
    return rows


def _workers(r: dict[str, Any]) -> list[str]:
    return [
        f"| req/s, `--workers 2` vs 1 (concurrency {r['concurrency']}; {r['cpus']} cores, ceiling "
        f"{r['ceiling_on_this_machine']} with the load generator on the same cores) | 1 worker: "
        f"{r['rps_1_worker']:.0f} | 2 workers: {r['rps_2_workers']:.0f} | **{r['ratio']:.2f}** | ≥ 1.6 |"
    ]


def _memory(r: dict[str, Any]) -> list[str]:
    return [
        f"| RSS after {r['reference_requests']:,} → {r['requests']:,} requests (MiB; {r['seconds'] / 60:.0f} min) | "
        f"{r['rss_mib_at_reference']} | {r['rss_mib_at_end']} | **{r['growth']:+.1%}** | within ±10% |"
    ]


def _memory_bodies(r: dict[str, Any]) -> list[str]:
    b, s = r["bodies"], r["store"]
    return [
        f"| RSS added by {b['requests']:,} requests of {b['body_kib']} KiB / {s['requests']:,} `store: true` of "
        f"{s['body_kib']} KiB (MiB) | | {b['rss_mib_added']} / {s['rss_mib_added']} | | ≤ 64 MiB |"
    ]


def _peers(r: dict[str, Any]) -> list[str]:
    rows = []
    for name, x in r["servers"].items():
        rows.append(
            f"| {name} vs bare aiohttp, concurrency 16: same request / every request different (req/s) | "
            f"{r['bare_rps']:.0f} | {x['same']['rps']:.0f} / {x['distinct']['rps']:.0f} | "
            f"{x['same']['ratio_to_bare']:.2f} / {x['distinct']['ratio_to_bare']:.2f} | |"
        )
    rows += [f"| {name} | | {why[:80]} | | |" for name, why in r.get("not_measured", {}).items()]
    return rows


def _scenarios(r: dict[str, Any]) -> list[str]:
    rps = r["median_rps"]
    return [
        f"| req/s with 1,000 scenario rules (none match) vs none | {rps['none']:.0f} | {rps['1000_miss']:.0f} | "
        f"{r['ratio_1000_miss_vs_none']:.2f} | |",
        f"| req/s with 1,000 scenario rules (one matches) vs none | {rps['none']:.0f} | {rps['1000_hit']:.0f} | "
        f"{r['ratio_1000_hit_vs_none']:.2f} | |",
    ]


def _cassette(r: dict[str, Any]) -> list[str]:
    rps = r["median_rps"]
    return [
        f"| req/s replaying a 1,000-exchange cassette vs seeded answers | {rps['seeded']:.0f} | "
        f"{rps['replay_1000']:.0f} | {r['ratio_replay_vs_seeded']:.2f} | |"
    ]


def _validation(r: dict[str, Any]) -> list[str]:
    t = r["results"]["typical"]
    return [
        f"| request validation, typical body (µs, best / median) | | {t['best_us']} / {t['median_us']} | | ≤ 20 µs |"
    ]


def _fixture(r: dict[str, Any]) -> list[str]:
    m = r["fixtures"]["mockai"]
    return [f"| pytest fixture cost per test (ms) | | {m['per_test_ms']} | | ≤ 5 ms |"]


ROWS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "throughput": throughput_rows,
    "workers": _workers,
    "memory": _memory,
    "memory_bodies": _memory_bodies,
    "scenarios": _scenarios,
    "cassette": _cassette,
    "validation": _validation,
    "fixture": _fixture,
    "peers": _peers,
}


def table(directory: Path) -> str:
    rows = list(TABLE_HEAD)
    for name, make in ROWS.items():
        result = _load(directory, name)
        if result is not None:
            try:
                rows += make(result)
            except (KeyError, TypeError) as exc:  # another benchmark changed its format
                rows.append(f"| {name}: results in an unexpected shape ({exc!r}) | | | | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the load benchmarks, quickly, into a temporary directory")
    parser.add_argument("--table", action="store_true", help="only print the table from the results directory")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="mockai-bench-")) if args.quick else RESULTS
    if not args.table:
        names = [n for n in args.only.split(",") if n] or list(QUICK if args.quick else BENCHMARKS)
        unknown = sorted(set(names) - set(BENCHMARKS))
        if unknown:
            raise SystemExit(f"unknown benchmarks {unknown}; known: {', '.join(BENCHMARKS)}")
        skipped = set(args.skip.split(","))
        seconds = run([n for n in names if n not in skipped], args.quick, out)
        print(f"-- done in {sum(seconds.values()):.0f} s: {seconds}")
    print(table(out))


if __name__ == "__main__":
    main()
