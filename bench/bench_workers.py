"""``mockai serve --workers 2`` against one worker, in the same run, and the same bytes from both.

    python bench/bench_workers.py [--rounds 5] [--duration 4] [--quick]

Both servers run side by side; the load generator (bench/loadgen.py, its own process) drives
them in turn, interleaved round after round, at concurrency 64 (connections stay on the worker
the kernel gave them, so many connections spread the load).  Reports requests/s of each and the
ratio (target ≥ 1.6), the server and load-generator CPU used per second of wall time, and checks
that every worker answers the same bytes to the same request (on fresh connections).

On a 2-core machine the load generator needs CPU too: with two busy workers the three processes
share two cores, so the ratio is bounded by 2 / (1 + g / s), not 2, where g and s are the load
generator's and the servers' CPU per request (``ceiling_on_this_machine``).  And when other work
runs on the machine, one worker may not get a whole core (``server_cores_busy``).  The JSON file
records both, so the figure can be read honestly.
Writes bench/results/workers.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import loadgen
from common import BODY, body_bytes, check, children, median, mockai, paired_ratio, post, results_dir, write_results

TARGET = 1.6


def same_bytes(url: str, tries: int) -> bool:
    """The same request on ``tries`` fresh connections (spread over the workers) gets one answer."""
    answers = set()
    for _ in range(tries):
        status, headers, body = post(url + "/chat/completions", body_bytes(BODY, 1))
        check(status == 200, f"status {status}")
        answers.add((headers.get("x-request-id"), body))
    return len(answers) == 1


def run(rounds: int, duration: float, concurrency: int, quick: bool) -> dict[str, Any]:
    requests = 300 if quick else 10_000_000
    body = body_bytes(BODY, 1)
    with mockai() as one, mockai("--workers", "2") as two:
        pids = {"1": [one.pid], "2": children(two.pid)}
        check(len([p for p in pids["2"] if _is_worker(p)]) == 2, f"expected 2 workers under {two.pid}")
        pids["2"] = [p for p in pids["2"] if _is_worker(p)]
        _, _, reference = post(one.url + "/chat/completions", body)
        deterministic = same_bytes(two.url, 20 if quick else 200)
        _, _, answer_two = post(two.url + "/chat/completions", body)
        runs: dict[str, list[dict[str, Any]]] = {"1": [], "2": []}
        for r in range(rounds):
            for name in ("1", "2") if r % 2 == 0 else ("2", "1"):
                server = one if name == "1" else two
                runs[name].append(
                    loadgen.run(
                        server.url + "/chat/completions",
                        body,
                        concurrency=concurrency,
                        requests=requests,
                        duration=duration,
                        warmup=50 if quick else 500,
                        server_pids=pids[name],
                    )
                )
    for name, rs in runs.items():
        check(all(x["errors"] == 0 for x in rs), f"errors with {name} worker(s): {rs[-1]['status']}")
    rps = {name: [x["rps"] for x in rs] for name, rs in runs.items()}
    cores = {name: [x["server_cpu_s"] / x["elapsed_s"] for x in rs] for name, rs in runs.items()}
    loadgen_share = {name: [x["loadgen_cpu_s"] / x["elapsed_s"] for x in rs] for name, rs in runs.items()}
    ratio = paired_ratio(rps["2"], rps["1"])
    share = median(loadgen_share["2"])
    busy = median(cores["2"])
    return {
        "target": f"2 workers ≥ {TARGET} × 1 worker requests/s",
        "cpus": os.cpu_count(),
        "concurrency": concurrency,
        "rps_1_worker": median(rps["1"]),
        "rps_2_workers": median(rps["2"]),
        "ratio": ratio,
        "met": ratio >= TARGET,
        "server_cores_busy": {"1": median(cores["1"]), "2": median(cores["2"])},
        "loadgen_cores_busy": {"1": median(loadgen_share["1"]), "2": share},
        "ceiling_on_this_machine": round(2 / (1 + share / busy), 2) if busy and (os.cpu_count() or 0) <= 2 else None,
        "server_cpu_us_per_request": {
            name: median([x["server_cpu_us_per_request"] for x in rs]) for name, rs in runs.items()
        },
        "same_bytes_on_every_worker": deterministic and answer_two == reference,
        "rounds": rounds,
        "duration_s": duration,
        "command": "python bench/bench_workers.py",
    }


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per load run")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="a few hundred requests: checks the script runs")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    rounds, duration = (1, 1.0) if args.quick else (args.rounds, args.duration)
    results = run(rounds, duration, args.concurrency, args.quick)
    check(results["same_bytes_on_every_worker"], "workers gave different bytes to the same request")
    path = write_results("workers", results, results_dir(args.out, args.quick))
    print(json.dumps(results))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
