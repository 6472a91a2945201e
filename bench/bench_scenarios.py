"""Matching cost stays flat: non-streamed throughput with 1,000 scenario rules vs none, same run.

    python bench/bench_scenarios.py [--duration 4] [--rounds 3] [--concurrency 16] [--check]

One in-process server on 127.0.0.1 (a :class:`~mockai.server.runner.ServerThread`), driven by the load
generator of ``bench/loadgen.py`` in its own process (bounded by request count and time; every
request distinct).  Three configurations, measured in alternation for ``--rounds`` rounds:

* ``none``: no rules; every request gets the seeded answer;
* ``1000_miss``: 1,000 rules of the usual kinds (``user_contains``, exact ``model``,
  ``user_equals``, some unindexable globs and regexes), none matching: every request is checked
  against them and then gets the same seeded answer.  This isolates the cost of matching;
* ``1000_hit``: the same rules plus requests that each match one ``user_contains`` rule in the
  middle of the file (scripted answers of similar length).

Reports requests/s (the ratio to ``none`` paired by round), the server thread's CPU per request,
and the CPU spent in ``ScenarioSource.choose`` per request (the matching itself; for ``1000_hit``
it includes building the scripted reply).  Writes ``bench/results/scenarios.json``.  Target:
``1000_miss`` within 20% of ``none`` (``--check`` exits 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen

from mockai.core.config import ServerConfig
from mockai.scenarios.source import ScenarioSource
from mockai.server.runner import ServerThread

RESULTS = Path(__file__).resolve().parent / "results" / "scenarios.json"
TARGET = 0.20
ANSWER = "Here is a scripted answer of about the length of a seeded one, so that both cost the same to send."


def thousand_rules() -> str:
    """1,000 rules as a user might write them, as YAML."""
    rules = []
    for i in range(600):
        rules.append(
            {
                "name": f"topic {i}",
                "match": {"user_contains": f"topic-{i:04d}:"},
                "reply": {"content": f"{ANSWER} ({i})"},
            }
        )
    for i in range(200):
        rules.append(
            {
                "name": f"fine-tune {i}",
                "match": {"model": f"ft:gpt-4o-mini:org:bench-{i}", "stream": False},
                "reply": {"content": ANSWER},
            }
        )
    for i in range(150):
        rules.append(
            {
                "name": f"exact {i}",
                "match": {"user_equals": f"Exactly question number {i}?"},
                "reply": {"content": ANSWER},
            }
        )
    for i in range(50):
        rules.append(
            {
                "name": f"glob {i}",
                "match": {"model": f"o{i}-*", "user_regex": rf"\bcase {i}\b"},
                "reply": {"content": ANSWER},
            }
        )
    return json.dumps(rules)


def body(text: str) -> bytes:
    return json.dumps(
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": text},
            ],
        }
    ).encode()


class TimedChoose:
    """Wraps the scenario source's ``choose`` to add up the CPU it takes on the server thread."""

    def __init__(self, source: ScenarioSource) -> None:
        self.inner = source.choose
        self.cpu = 0.0
        self.calls = 0

    async def __call__(self, ctx: Any) -> Any:
        started = time.thread_time()
        try:
            return await self.inner(ctx)
        finally:
            self.cpu += time.thread_time() - started
            self.calls += 1


def measure(
    server: ServerThread, rules: str | None, text: str, args: argparse.Namespace, timer: TimedChoose
) -> dict[str, Any]:
    source: ScenarioSource = server.state.scenarios  # type: ignore[attr-defined]

    def setup() -> None:
        source.clear()
        if rules:
            source.load_text(rules, "bench")

    server.run(setup)
    url = server.base_url + "/chat/completions"
    timer.cpu, timer.calls = 0.0, 0
    before = server_cpu(server)
    result = loadgen.run(
        url,
        body(text),
        concurrency=args.concurrency,
        requests=args.requests,
        duration=args.duration,
        warmup=200,
        vary=True,
    )
    spent = server_cpu(server) - before
    result.pop("sample", None)
    if result["errors"]:
        raise SystemExit(f"bench: {result['errors']} errors: {result['status']}")
    # CPU of the server's thread per request (warm-up included): steady when other processes
    # compete for the machine, unlike requests/s.
    result["server_cpu_us_per_request"] = round(spent / (result["requests"] + 200) * 1e6, 1)
    # CPU spent choosing among the rules (ScenarioSource.choose), per request.
    result["matching_cpu_us_per_request"] = round(timer.cpu / max(timer.calls, 1) * 1e6, 1)
    return result


def server_cpu(server: ServerThread) -> float:
    """CPU seconds used so far by the server's event-loop thread."""
    return server.run(time.thread_time)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per measurement")
    parser.add_argument("--requests", type=int, default=50_000, help="at most this many per measurement")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if 1000_miss is > {TARGET:.0%} slower")
    args = parser.parse_args()

    rules = thousand_rules()
    load_ms = []
    for _ in range(3):
        started = time.perf_counter()
        ScenarioSource().load_text(rules, "bench")
        load_ms.append((time.perf_counter() - started) * 1000)
    configs = {
        "none": (None, "Tell me something about request {n}, please."),
        "1000_miss": (rules, "Tell me something about request {n}, please."),
        "1000_hit": (rules, "Tell me about topic-0300: request {n}, please."),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
    with ServerThread(ServerConfig(port=0, journal_size=1000)) as server:
        source: ScenarioSource = server.state.scenarios  # type: ignore[attr-defined]
        timer = TimedChoose(source)
        source.choose = timer  # type: ignore[method-assign]
        for round_ in range(args.rounds):
            for name, (loaded, text) in configs.items():
                result = measure(server, loaded, text, args, timer)
                runs[name].append(result)
                print(
                    f"round {round_ + 1} {name:10s} {result['rps']:9.1f} req/s  "
                    f"p50 {result['latency_ms']['p50']:7.2f} ms  "
                    f"server CPU {result['server_cpu_us_per_request']:7.1f} µs/request, "
                    f"matching {result['matching_cpu_us_per_request']:6.1f} µs",
                    flush=True,
                )
        hits = sum(n for _, n in server.state.scenarios.counts())  # type: ignore[attr-defined]
    rps = {name: statistics.median(r["rps"] for r in results) for name, results in runs.items()}
    cpu = {name: statistics.median(r["server_cpu_us_per_request"] for r in results) for name, results in runs.items()}
    matching = {
        name: statistics.median(r["matching_cpu_us_per_request"] for r in results) for name, results in runs.items()
    }
    # Throughput ratios paired by round (measured one after the other), then the median: other
    # load on the machine drifts between rounds, much less within one.
    ratio_miss = statistics.median(m["rps"] / n["rps"] for m, n in zip(runs["1000_miss"], runs["none"], strict=True))
    ratio_hit = statistics.median(h["rps"] / n["rps"] for h, n in zip(runs["1000_hit"], runs["none"], strict=True))
    summary = {
        "target": f"1000_miss within {TARGET:.0%} of none",
        "median_rps": rps,
        "median_server_cpu_us_per_request": cpu,
        "median_matching_cpu_us_per_request": matching,
        "matching_share_of_server_cpu_1000_miss": round(matching["1000_miss"] / cpu["1000_miss"], 3),
        "ratio_1000_miss_vs_none": round(ratio_miss, 3),
        "ratio_1000_hit_vs_none": round(ratio_hit, 3),
        "cpu_ratio_1000_miss_vs_none": round(cpu["1000_miss"] / cpu["none"], 3),
        "ok": ratio_miss >= 1 - TARGET,
        "last_round_rule_hits": hits,
        "load_1000_rules_ms": round(statistics.median(load_ms), 1),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "concurrency": args.concurrency,
            "rules": 1000,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": __import__("os").cpu_count(),
        },
        "command": "python bench/bench_scenarios.py " + " ".join(sys.argv[1:]),
        "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"median req/s: none {rps['none']:.0f}, 1000 rules (no match) {rps['1000_miss']:.0f}, "
        f"1000 rules (match) {rps['1000_hit']:.0f}; paired ratios vs none: no match {ratio_miss:.1%}, "
        f"match {ratio_hit:.1%}"
    )
    print(
        f"median matching CPU µs/request: none {matching['none']:.1f}, 1000 rules (no match) "
        f"{matching['1000_miss']:.1f}, 1000 rules (match) {matching['1000_hit']:.1f} (includes building the reply)"
    )
    print(
        f"median server CPU µs/request: none {cpu['none']:.0f}, 1000 rules (no match) {cpu['1000_miss']:.0f}, "
        f"1000 rules (match) {cpu['1000_hit']:.0f}"
    )
    print(f"wrote {RESULTS}")
    return 0 if summary["ok"] or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
