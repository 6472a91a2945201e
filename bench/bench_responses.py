"""Responses throughput against chat completions' in the same run, non-stream and stream.

    python bench/bench_responses.py [--rounds 3] [--duration 3] [--quick]

The same short turn on both surfaces (bench/common.py's BODY as ``instructions`` + ``input``),
requests/s at concurrency 16 with bench/loadgen.py, the two surfaces interleaved round after round
(the ratio is the median of the per-round ratios): the same body every time (what a load test
repeating a request sends) and a distinct body every time.  Besides requests/s, the server's CPU
per request (from /proc): on a machine shared with other work it is the steadier figure, and
``cpu ratio`` (chat's CPU per request / Responses') is the throughput ratio a dedicated core gives.  Responses requests send
``store: false`` (a load test has no use for keeping them; ``store`` defaults to true, see the
``stored`` row for its cost).

Target (issue 13): Responses ≥ 0.8 × chat, non-stream and stream.
Writes bench/results/responses.json and prints a markdown table.
"""

from __future__ import annotations

from typing import Any

import loadgen
from common import BODY, body_bytes, check, median, mockai, paired_ratio, post, rounds_main

TARGET_RATIO = 0.8
RESPONSES_BODY: dict[str, Any] = {
    "model": BODY["model"],
    "instructions": BODY["messages"][0]["content"],
    "input": BODY["messages"][1]["content"],
    "store": False,
}


def run(rounds: int, duration: float, quick: bool) -> dict[str, Any]:
    requests = 300 if quick else 10_000_000
    warmup = 20 if quick else 200
    results: dict[str, Any] = {"rounds": rounds, "duration_s": duration, "rows": {}}
    cases = [
        ("non-stream, same body", False, False, RESPONSES_BODY),
        ("non-stream, distinct bodies", False, True, RESPONSES_BODY),
        ("stream, same body", True, False, RESPONSES_BODY),
        ("non-stream, same body, stored", False, False, {**RESPONSES_BODY, "store": True}),
    ]
    with mockai() as server:
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
                    result = loadgen.run(
                        url,
                        data,
                        concurrency=16,
                        requests=requests,
                        duration=duration,
                        warmup=warmup,
                        stream=stream,
                        vary=vary,
                        server_pids=[server.pid],
                    )
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
