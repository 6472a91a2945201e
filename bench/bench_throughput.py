"""Throughput of one mockai worker (default flags) against a bare aiohttp server, in one interleaved run.

    python bench/bench_throughput.py [--rounds 5] [--duration 4] [--quick] [--mockai-args "--quiet"]

* non-streaming chat requests/s at concurrency 1, 16 and 64, load from wrk (a C client, installed
  with apt-get when missing; bench/loadgen.py when it cannot be): the same request every time,
  and a distinct request every time (a counter in the prompt: nothing can come from a memo),
  against bench/bare_server.py answering mockai's own reply as canned bytes; at concurrency 16
  also distinct requests after the same 4 KB system prompt (bench/common.py's LONG_PROMPT_BODY,
  the bare server sent the same size of body);
* the server's CPU per request (µs, from /proc), which a busy machine changes far less than
  requests/s;
* streaming at concurrency 16: SSE events/s against the bare server writing the same request's
  pre-built events one ``write()`` each; the same request with wrk (requests/s times the events
  of the stream), distinct requests with bench/loadgen.py, which counts the events (and is slower:
  its ratio is to the bare server measured with it too);
* the Responses API streamed (events/s) and embeddings (requests/s), distinct requests, against
  the bare server sending mockai's own answers, when the server has those endpoints (a row says
  when it does not).

The targets run interleaved, round after round, and every ratio is the median of the per-round
ratios.  Writes bench/results/throughput.json and prints a markdown table.
Targets (issue 17): distinct non-streaming ≥ 0.7 × bare at concurrency 16, the same request ≥ 0.8 ×,
streamed events/s ≥ 1.6 × the bare per-event-write server, and server CPU per distinct request at
most 60 µs beyond the bare server's.
"""

from __future__ import annotations

import argparse
import json
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import loadgen
from common import (
    BODY,
    LONG_PROMPT_BODY,
    STREAM_BODY,
    Server,
    bare,
    body_bytes,
    check,
    ensure_wrk,
    interleave,
    median,
    mockai,
    paired_ratio,
    post,
    results_dir,
    sse_events,
    write_results,
    wrk_load,
    wrk_script,
)
from run_all import TABLE_HEAD, throughput_rows

TARGETS = {"distinct_c16": 0.7, "same_c16": 0.8, "stream": 1.6, "cpu_beyond_bare_us": 60.0}
PROMPT = "Tell me about load testing {n}."
RESPONSES_BODY: dict[str, Any] = {"model": "gpt-4o-mini", "input": PROMPT, "stream": True}
EMBEDDINGS_BODY: dict[str, Any] = {"model": "text-embedding-3-small", "input": PROMPT}


class Bench:
    """The load runs of one benchmark: wrk or loadgen, with the server's CPU per request."""

    def __init__(self, duration: float, quick: bool, tmp: Path, use_wrk: bool) -> None:
        self.duration = duration
        self.quick = quick
        self.tmp = tmp
        self.use_wrk = use_wrk
        self.runs = 0

    def non_stream(self, url: str, body: bytes, concurrency: int, server: Server, *, distinct: bool) -> dict[str, Any]:
        self.runs += 1
        if self.use_wrk:
            tag = f"r{self.runs}" if distinct else None
            script = wrk_script(self.tmp, f"run{self.runs}", body, tag=tag)
            return wrk_load(url, script, concurrency, self.duration, server.pid)
        return self.loadgen(url, body, concurrency, server, vary=distinct)

    def loadgen(
        self, url: str, body: bytes, concurrency: int, server: Server, *, vary: bool, stream: bool = False
    ) -> dict[str, Any]:
        self.runs += 1
        return loadgen.run(
            url,
            body,
            concurrency=concurrency,
            requests=300 if self.quick else 10_000_000,
            duration=self.duration,
            warmup=20 if self.quick else 200,
            stream=stream,
            vary=vary,
            server_pids=(server.pid,),
            start=self.runs * 10_000_000,  # every run's requests are new to the server
        )


def _field(runs: list[dict[str, Any]], name: str) -> list[float]:
    return [float(r[name]) for r in runs]


def _no_errors(name: str, runs: list[dict[str, Any]]) -> None:
    check(all(r["errors"] == 0 for r in runs), f"{name} had errors: {runs[-1]}")


def _pair(runs: dict[str, list[dict[str, Any]]], measure: str, ours: str = "mockai") -> dict[str, Any]:
    """The medians and the paired ratio of ``measure`` (rps or events_per_s), with CPU per request."""
    for name, rs in runs.items():
        _no_errors(name, rs)
    return {
        f"bare_{measure}": median(_field(runs["bare"], measure)),
        f"mockai_{measure}": median(_field(runs[ours], measure)),
        "ratio": paired_ratio(_field(runs[ours], measure), _field(runs["bare"], measure)),
        "bare_cpu_us": median(_field(runs["bare"], "server_cpu_us_per_request")),
        "mockai_cpu_us": median(_field(runs[ours], "server_cpu_us_per_request")),
    }


def _surface(url: str, body: dict[str, Any], stream: bool) -> tuple[bytes | list[bytes] | None, str]:
    """mockai's answer to one request of a surface, as the bare server will send it; None and why
    when the server does not answer it."""
    status, headers, answer = post(url, body_bytes(body, 0))
    if status != 200:
        return None, f"not measured: the server answered {status} ({answer[:120]!r})"
    if stream:
        check(headers.get("content-type", "").startswith("text/event-stream"), f"{url}: no stream")
        return sse_events(answer), ""
    return answer, ""


def run(rounds: int, duration: float, quick: bool, mockai_args: list[str]) -> dict[str, Any]:
    concurrencies = (16,) if quick else (1, 16, 64)
    # A quick run (it only checks the script) uses the Python load generator for a few hundred
    # requests a run; wrk runs last at least a second each.  bench_peers --quick runs wrk.
    use_wrk = not quick and ensure_wrk()
    results: dict[str, Any] = {
        "rounds": rounds,
        "duration_s": duration,
        "mockai_args": mockai_args,
        "load_generator_non_streaming": "wrk -t1" if use_wrk else "bench/loadgen.py (quick, or wrk not installed)",
        "non_streaming": {},
    }
    with mockai(*mockai_args) as server, tempfile.TemporaryDirectory(prefix="mockai-bench-") as tmp:
        chat = server.url + "/chat/completions"
        status, _, canned = post(chat, body_bytes(BODY, 1))
        check(status == 200, f"mockai answered {status} to the benchmark request: {canned[:300]!r}")
        events, _ = _surface(chat, STREAM_BODY, stream=True)
        assert isinstance(events, list)
        responses_events, responses_note = _surface(server.url + "/responses", RESPONSES_BODY, stream=True)
        embedding, embeddings_note = _surface(server.url + "/embeddings", EMBEDDINGS_BODY, stream=False)
        routes: dict[str, bytes | list[bytes]] = {}
        if responses_events is not None:
            routes["/responses-sse"] = responses_events
        if embedding is not None:
            routes["/embeddings"] = embedding
        bench = Bench(duration, quick, Path(tmp), use_wrk)
        with bare(canned, events, routes) as baseline:
            same, distinct = body_bytes(BODY, 1), body_bytes(BODY)
            long_same, long_distinct = body_bytes(LONG_PROMPT_BODY, 1), body_bytes(LONG_PROMPT_BODY)
            if not quick:  # warm-up, not counted
                bench.non_stream(chat, same, 16, server, distinct=False)
                bench.non_stream(baseline.origin + "/json", same, 16, baseline, distinct=False)
            for c in concurrencies:
                targets: dict[str, Callable[[], dict[str, Any]]] = {
                    "bare": lambda c=c: bench.non_stream(baseline.origin + "/json", same, c, baseline, distinct=False),
                    "mockai": lambda c=c: bench.non_stream(chat, same, c, server, distinct=False),
                    "mockai_distinct": lambda c=c: bench.non_stream(chat, distinct, c, server, distinct=True),
                }
                if c == 16:  # the same with a 4 KB system prompt, the bare server sent it too
                    targets["bare_long"] = lambda: bench.non_stream(
                        baseline.origin + "/json", long_same, 16, baseline, distinct=False
                    )
                    targets["mockai_long"] = lambda: bench.non_stream(chat, long_distinct, 16, server, distinct=True)
                runs = interleave(targets, rounds)
                row = _pair({"bare": runs["bare"], "mockai": runs["mockai"]}, "rps")
                row.update(
                    {
                        "mockai_distinct_rps": median(_field(runs["mockai_distinct"], "rps")),
                        "ratio_distinct": paired_ratio(
                            _field(runs["mockai_distinct"], "rps"), _field(runs["bare"], "rps")
                        ),
                        "mockai_distinct_cpu_us": median(_field(runs["mockai_distinct"], "server_cpu_us_per_request")),
                    }
                )
                _no_errors("mockai_distinct", runs["mockai_distinct"])
                if c == 16:
                    row["long_prompt"] = _pair({"bare": runs["bare_long"], "mockai": runs["mockai_long"]}, "rps")
                results["non_streaming"][str(c)] = row
            stream_same, stream_distinct = body_bytes(STREAM_BODY, 1), body_bytes(STREAM_BODY)
            # The same request: wrk (its requests/s times the stream's events; the Python load
            # generator would be the bottleneck).  Distinct requests: loadgen counts the events.
            same_runs = interleave(
                {
                    "bare": lambda: bench.non_stream(
                        baseline.origin + "/sse", stream_same, 16, baseline, distinct=False
                    ),
                    "mockai": lambda: bench.non_stream(chat, stream_same, 16, server, distinct=False),
                },
                rounds,
            )
            for r in (*same_runs["bare"], *same_runs["mockai"]):
                r["events_per_s"] = round(r["rps"] * len(events), 1)
            distinct_runs = interleave(
                {
                    "bare": lambda: bench.loadgen(
                        baseline.origin + "/sse", stream_same, 16, baseline, vary=False, stream=True
                    ),
                    "mockai": lambda: bench.loadgen(chat, stream_distinct, 16, server, vary=True, stream=True),
                },
                rounds,
            )
            distinct_pair = _pair(distinct_runs, "events_per_s")
            results["streaming"] = {
                "concurrency": 16,
                "events_per_stream": len(events),
                "load_generator_same": results["load_generator_non_streaming"],
                **_pair(same_runs, "events_per_s"),
                "load_generator_distinct": "bench/loadgen.py (counts events)",
                "mockai_distinct_events_per_stream": round(
                    sum(r["events"] for r in distinct_runs["mockai"])
                    / max(1, sum(r["requests"] for r in distinct_runs["mockai"])),
                    1,
                ),
                "bare_events_per_s_loadgen": distinct_pair["bare_events_per_s"],
                "mockai_distinct_events_per_s": distinct_pair["mockai_events_per_s"],
                "ratio_distinct": distinct_pair["ratio"],
                "bare_cpu_us_loadgen": distinct_pair["bare_cpu_us"],
                "mockai_distinct_cpu_us": distinct_pair["mockai_cpu_us"],
                "bare_ttfb_ms": {q: median([r["ttfb_ms"][q] for r in distinct_runs["bare"]]) for q in ("p50", "p99")},
                "mockai_ttfb_ms": {
                    q: median([r["ttfb_ms"][q] for r in distinct_runs["mockai"]]) for q in ("p50", "p99")
                },
            }
            if responses_events is not None:
                responses = interleave(
                    {
                        "bare": lambda: bench.loadgen(
                            baseline.origin + "/responses-sse",
                            body_bytes(RESPONSES_BODY, 1),
                            16,
                            baseline,
                            vary=False,
                            stream=True,
                        ),
                        "mockai": lambda: bench.loadgen(
                            server.url + "/responses", body_bytes(RESPONSES_BODY), 16, server, vary=True, stream=True
                        ),
                    },
                    rounds,
                )
                results["responses_streaming"] = {
                    "events_per_stream": len(responses_events),
                    **_pair(responses, "events_per_s"),
                }
            else:
                results["responses_streaming"] = {"skipped": responses_note}
            if embedding is not None:
                embeddings_body = body_bytes(EMBEDDINGS_BODY)
                embeddings = interleave(
                    {
                        "bare": lambda: bench.non_stream(
                            baseline.origin + "/embeddings", embeddings_body, 16, baseline, distinct=False
                        ),
                        "mockai": lambda: bench.non_stream(
                            server.url + "/embeddings", embeddings_body, 16, server, distinct=True
                        ),
                    },
                    rounds,
                )
                results["embeddings"] = {"bytes": len(embedding), **_pair(embeddings, "rps")}
            else:
                results["embeddings"] = {"skipped": embeddings_note}
    results["targets"] = _targets(results)
    return results


def _targets(results: dict[str, Any]) -> dict[str, Any]:
    row = results["non_streaming"]["16"]
    beyond = round(row["mockai_distinct_cpu_us"] - row["bare_cpu_us"], 1)
    measured = {
        "distinct_c16": row["ratio_distinct"],
        "same_c16": row["ratio"],
        "stream": results["streaming"]["ratio"],
        "cpu_beyond_bare_us": beyond,
    }
    return {
        name: {
            "target": target,
            "measured": measured[name],
            "met": measured[name] <= target if name == "cpu_beyond_bare_us" else measured[name] >= target,
        }
        for name, target in TARGETS.items()
    }


def table(results: dict[str, Any]) -> str:
    return "\n".join([*TABLE_HEAD, *throughput_rows(results)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per measure (default 5)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per load run (default 4)")
    parser.add_argument("--quick", action="store_true", help="short runs: checks the script runs")
    parser.add_argument("--mockai-args", default="", help="flags for mockai serve (default: none, the defaults)")
    parser.add_argument("--out", default=None, help="results directory (default bench/results)")
    args = parser.parse_args()
    rounds, duration = (1, 1.0) if args.quick else (args.rounds, args.duration)
    results = run(rounds, duration, args.quick, shlex.split(args.mockai_args))
    results["command"] = "python bench/bench_throughput.py " + " ".join(
        f"--{k} {v}" for k, v in (("rounds", args.rounds), ("duration", args.duration)) if not args.quick
    )
    path = write_results("throughput", results, results_dir(args.out, args.quick))
    print(table(results))
    print(json.dumps(results["targets"]))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
