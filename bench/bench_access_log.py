"""What ``mockai serve``'s line per request costs: the same load with ``--quiet`` and with the log on.

    python bench/bench_access_log.py [--rounds 3] [--duration 4] [--concurrency 16] [--quick]

Three ``mockai serve`` processes (default options besides the log), measured in alternation:
``quiet`` (``--quiet``: the baseline), ``text`` and ``json``, the last two writing stderr to a file
(as ``mockai serve 2> log`` or a container's log does).  The load is bench/loadgen.py in its own
process, non-streamed, the same request every time (the cheapest request, where a fixed cost per
request shows most).  Reports requests/s with the ratio to ``quiet`` paired by round, and the
server's CPU per request.  On a busy machine those swing by more than the log costs, so the
script also measures the log's own cost in-process: the event loop's CPU per request through the
front door's ``error_boundary`` alone and through ``AccessLog.observe`` (best of 5 runs of 50,000
requests to a handler that answers at once), and the writer thread's CPU per line.  Writes
bench/results/access_log.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import loadgen
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from common import BODY, body_bytes, interleave, machine, median, paired_ratio, results_dir, write_results

from mockai.http.responses import error_boundary
from mockai.server.access_log import AccessLog, note_answer
from mockai.server.line_writer import LineWriter

TARGETS = {"quiet": ["--quiet"], "text": [], "json": ["--log-format", "json"]}
IN_PROCESS_REQUESTS = 50_000


class LoggingServer:
    """``mockai serve --port 0 FLAGS`` with stderr going to a file."""

    def __init__(self, flags: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mockai", "serve", "--port", "0", *flags],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if " serving on " not in first:
            self.stop()
            raise RuntimeError(f"mockai did not start: {first!r} {log.read_text()[-2000:]}")
        self.url = first.split()[-1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run(rounds: int, duration: float, concurrency: int, quick: bool) -> dict[str, Any]:
    body = body_bytes(BODY, 1)
    with tempfile.TemporaryDirectory() as folder:
        servers = {name: LoggingServer(flags, Path(folder) / f"{name}.log") for name, flags in TARGETS.items()}
        try:

            def measure(server: LoggingServer) -> dict[str, Any]:
                return loadgen.run(
                    server.url + "/chat/completions",
                    body,
                    concurrency=concurrency,
                    requests=500 if quick else 10_000_000,
                    duration=duration,
                    warmup=50 if quick else 300,
                    server_pids=[server.proc.pid],
                )

            runs = interleave({name: (lambda s=server: measure(s)) for name, server in servers.items()}, rounds)
        finally:
            for server in servers.values():
                server.stop()
        lines = {name: sum(1 for _ in server.log.open()) for name, server in servers.items()}
    rps = {name: [r["rps"] for r in results] for name, results in runs.items()}
    cpu = {name: [r["server_cpu_us_per_request"] for r in results] for name, results in runs.items()}
    return {
        "rounds": rounds,
        "duration_s": duration,
        "concurrency": concurrency,
        "machine": machine(),
        "targets": {
            name: {
                "rps": median(rps[name]),
                "ratio_to_quiet": paired_ratio(rps[name], rps["quiet"]),
                "server_cpu_us_per_request": median(cpu[name]),
                "log_lines": lines[name],
            }
            for name in TARGETS
        },
    }


def loop_cost() -> dict[str, float]:
    """The event loop's CPU per request (µs) without and with the log, and the writer's per line."""
    answer = web.Response(status=200)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

    async def handler(request: web.Request) -> web.StreamResponse:
        note_answer("seeded", body)  # what the journal does for every request
        return answer

    request = make_mocked_request("POST", "/v1/chat/completions")
    with open(os.devnull, "w") as devnull:
        logs = {
            "text": AccessLog("text", LineWriter(devnull.write)),
            "json": AccessLog("json", LineWriter(devnull.write)),
        }

        async def best(log: AccessLog | None) -> float:
            runs = []
            for _ in range(5):
                started = time.thread_time()
                for _ in range(IN_PROCESS_REQUESTS):
                    if log is None:
                        await error_boundary(request, handler, 1 << 20)
                    else:
                        await log.observe(request, handler, 1 << 20)
                runs.append((time.thread_time() - started) / IN_PROCESS_REQUESTS * 1e6)
            return min(runs)

        async def measure() -> dict[str, float]:
            found = {"quiet": await best(None)}
            for name, log in logs.items():
                found[name] = await best(log)
            return found

        found = asyncio.run(measure())
        writer = LineWriter(devnull.write)
        line = logs["text"].line("POST", "/v1/chat/completions", 200, "gpt-4o-mini", "seeded", 1.0)
        started = time.process_time()
        for _ in range(IN_PROCESS_REQUESTS):
            writer.add(line)
        writer.close()
        for log in logs.values():
            log.close()
    found["writer_per_line"] = (time.process_time() - started) / IN_PROCESS_REQUESTS * 1e6
    return {name: round(value, 2) for name, value in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="a few hundred requests: checks that it runs")
    parser.add_argument("--out", default=None, help="directory for the results (default bench/results)")
    args = parser.parse_args()
    data = run(args.rounds, args.duration, args.concurrency, args.quick)
    data["in_process_us"] = loop_cost()
    write_results("access_log", data, results_dir(args.out, args.quick))
    print("| log | req/s | ratio to --quiet | server CPU µs/request | lines written |")
    print("|---|---:|---:|---:|---:|")
    for name, row in data["targets"].items():
        print(
            f"| {name} | {row['rps']:,.0f} | {row['ratio_to_quiet']:.3f} | "
            f"{row['server_cpu_us_per_request']:.0f} | {row['log_lines']:,} |"
        )
    cost = data["in_process_us"]
    print(
        f"\nevent loop CPU per request, in process: {cost['quiet']} µs without the log, {cost['text']} µs with "
        f"text lines, {cost['json']} µs with JSON lines; the writer thread: {cost['writer_per_line']} µs a line"
    )


if __name__ == "__main__":
    main()
