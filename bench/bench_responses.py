"""Responses throughput against chat completions' in the same run, non-stream and stream.

    python bench/bench_responses.py [--rounds 3] [--duration 3] [--quick]

The same short turn on both surfaces (bench/common.py's BODY as ``instructions`` + ``input``),
requests/s at concurrency 16, the two surfaces interleaved round after round (the ratio is the
median of the per-round ratios): the same body every time (what a load test repeating a request
sends) and a distinct body every time.  Non-stream load comes from wrk (a C client, installed
with apt-get when missing, as bench/bench_throughput.py does), so the load generator does not
take the server's core; streams, whose events must be counted, from bench/loadgen.py (and
everything with ``--quick`` or without wrk).  Besides requests/s, the server's CPU
per request (from /proc): on a machine shared with other work it is the steadier figure, and
``cpu ratio`` (chat's CPU per request / Responses') is the throughput ratio a dedicated core gives.  Responses requests send
``store: false`` (a load test has no use for keeping them; ``store`` defaults to true, see the
``stored`` row for its cost).

Target (issue 13): Responses ≥ 0.8 × chat, non-stream and stream.
Writes bench/results/responses.json and prints a markdown table.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench_throughput import Bench
from common import BODY, body_bytes, check, ensure_wrk, median, mockai, paired_ratio, post, rounds_main

TARGET_RATIO = 0.8
RESPONSES_BODY: dict[str, Any] = {
    "model": BODY["model"],
    "instructions": BODY["messages"][0]["content"],
    "input": BODY["messages"][1]["content"],
    "store": False,
}


def run(rounds: int, duration: float, quick: bool) -> dict[str, Any]:
    use_wrk = not quick and ensure_wrk()
    results: dict[str, Any] = {
        "rounds": rounds,
        "duration_s": duration,
        "load_generator_non_streaming": "wrk -t1" if use_wrk else "bench/loadgen.py (quick, or wrk not installed)",
        "rows": {},
    }
    cases = [
        ("non-stream, same body", False, False, RESPONSES_BODY),
        ("non-stream, distinct bodies", False, True, RESPONSES_BODY),
        ("stream, same body", True, False, RESPONSES_BODY),
        ("stream, distinct bodies", True, True, RESPONSES_BODY),
        ("non-stream, same body, stored", False, False, {**RESPONSES_BODY, "store": True}),
    ]
    with mockai() as server, tempfile.TemporaryDirectory(prefix="mockai-bench-") as tmp:
        bench = Bench(duration, quick, Path(tmp), use_wrk)
        chat_url = server.url + "/chat/completions"
        responses_url = server.url + "/responses"
        check(post(chat_url, body_bytes(BODY, 1))[0] == 200, "chat refused")
        check(post(responses_url, body_bytes(RESPONSES_BODY, 1))[0] == 200, "responses refused")
        for label, stream, vary, responses_body in cases:
            rps: dict[str, list[float]] = {"chat": [], "responses": []}
            cpu: dict[str, list[float]] = {"chat": [], "responses": []}
            for r in range(rounds):
                order = ["chat", "responses"] if r % 2 == 0 else ["responses", "chat"]
                for name in order:
                    url, payload = (chat_url, BODY) if name == "chat" else (responses_url, responses_body)
                    if stream:
                        payload = {**payload, "stream": True}
                    data = body_bytes(payload) if vary else body_bytes(payload, 1)
                    if stream:
                        result = bench.loadgen(url, data, 16, server, vary=vary, stream=True)
                    else:
                        result = bench.non_stream(url, data, 16, server, distinct=vary)
                    check(result["errors"] == 0, f"{name} {label} had errors: {result}")
                    rps[name].append(result["rps"])
                    cpu[name].append(result["server_cpu_us_per_request"])
            ratio = paired_ratio(rps["responses"], rps["chat"])
            cpu_ratio = paired_ratio(cpu["chat"], cpu["responses"])
            results["rows"][label] = {
                "chat_rps": median(rps["chat"]),
                "responses_rps": median(rps["responses"]),
                "ratio": ratio,
                "chat_cpu_us": median(cpu["chat"]),
                "responses_cpu_us": median(cpu["responses"]),
                "cpu_ratio": cpu_ratio,
                "met": cpu_ratio >= TARGET_RATIO,
            }
    return results


def table(results: dict[str, Any]) -> str:
    rows = [
        "| c=16 | chat req/s | responses req/s | ratio | chat CPU µs/req | responses CPU µs/req | cpu ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in results["rows"].items():
        rows.append(
            f"| {label} | {r['chat_rps']:.0f} | {r['responses_rps']:.0f} | {r['ratio']:.2f} | "
            f"{r['chat_cpu_us']:.0f} | {r['responses_cpu_us']:.0f} | {r['cpu_ratio']:.2f} |"
        )
    return "\n".join(rows)


def main() -> None:
    rounds_main("responses", __doc__ or "", run, table)


if __name__ == "__main__":
    main()
