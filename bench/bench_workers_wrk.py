"""`--workers 2` vs 1 with wrk as the load generator.

bench_workers.py drives the servers with the project's Python load generator, which needs about
half a core of this 2-core machine for itself, so two workers cannot show more than ~1.5x there.
wrk (a C client: `apt-get install wrk`) needs much less, which leaves the second core to the second
worker. Same request, interleaved rounds, median of the per-round ratios.

    python bench/bench_workers_wrk.py [--rounds 5] [--seconds 5] [--connections 64] [--quick]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from common import (
    API_KEY,
    BODY,
    body_bytes,
    check,
    interleave,
    median,
    mockai,
    paired_ratio,
    results_dir,
    write_results,
)

TARGET = 1.6


def wrk_rps(url: str, script: Path, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    check(found is not None and "Non-2xx" not in out, f"wrk failed or got errors:\n{out}")
    assert found is not None
    return float(found.group(1))


def one_round(workers: int, script: Path, seconds: float, connections: int) -> dict[str, Any]:
    with mockai("--workers", str(workers), "--journal-size", "0") as server:
        url = f"{server.url}/chat/completions"
        wrk_rps(url, script, min(seconds, 2.0), connections)  # warm up every worker
        return {"rps": wrk_rps(url, script, seconds, connections)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="one short round (figures mean nothing)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    check(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    if args.quick:
        args.rounds, args.seconds = 1, 1.0
    body = body_bytes(BODY, 0).decode()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {API_KEY}"\n'
        )
        runs = interleave(
            {str(w): (lambda w=w: one_round(w, script, args.seconds, args.connections)) for w in (1, 2)},
            args.rounds,
        )
    one = [r["rps"] for r in runs["1"]]
    two = [r["rps"] for r in runs["2"]]
    ratio = paired_ratio(two, one)
    data = {
        "target": f"2 workers >= {TARGET} x 1 worker requests/s (load generator: wrk, 1 thread)",
        "connections": args.connections,
        "rps_1_worker": median(one),
        "rps_2_workers": median(two),
        "ratio": ratio,
        "met": ratio >= TARGET,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "runs": {"1": one, "2": two},
        "command": "python bench/bench_workers_wrk.py",
    }
    path = write_results("workers_wrk", data, results_dir(args.out, args.quick))
    print(
        f"1 worker {median(one):,.0f} req/s, 2 workers {median(two):,.0f} req/s: ratio {ratio} "
        f"(target {TARGET}) -> {path}"
    )


if __name__ == "__main__":
    main()
