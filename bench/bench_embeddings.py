"""Embeddings speed: a batch of 100 short texts, and single texts against chat, in the same run.

    python bench/bench_embeddings.py [--rounds 3] [--duration 3] [--quick]

* batch: ``POST /v1/embeddings`` with 100 short texts at 1536 dimensions (text-embedding-3-small),
  every request distinct, base64 (the SDK's default) and float: the server's CPU per request
  (bench/loadgen.py at concurrency 1, /proc of the server process, HTTP and JSON parsing
  included), and the handler's own work in this process (reading, vectors, rendering) as the best
  of 20 calls.  The target is in milliseconds, and this machine's speed drifts (twice as slow at
  some hours as at others), so each round also measures the bare aiohttp server's CPU per request
  (bench/bare_server.py answering mockai's chat completion as canned bytes, the same load
  generator at concurrency 1) between the batches: the batch in units of that baseline is
  comparable from run to run;
* single text: requests/s at concurrency 16 of one short text (base64) against a non-streamed chat
  completion (bench/common.py's BODY), the same body every time and a distinct one every time,
  interleaved round after round; the ratio is the median of the per-round ratios, for req/s and
  for the server's CPU per request (steadier when other work shares the machine).

Targets (issue 14): batch-100 server time ≤ 5 ms, base64 and float; single-text req/s ≥ 0.7 × chat
non-stream.
Writes bench/results/embeddings.json and prints a markdown table.
"""

from __future__ import annotations

import json
import time
from typing import Any

import loadgen
from common import BODY, bare, body_bytes, check, median, mockai, paired_ratio, post, rounds_main

from mockai.embeddings.render import layout_of, render_embeddings
from mockai.embeddings.request import read_embedding_request
from mockai.embeddings.vectors import embed

TARGET_BATCH_MS = 5.0
TARGET_SINGLE_RATIO = 0.7
# ``{n}``: loadgen --vary makes every batch distinct, so nothing comes from the answers memo.
TEXTS = [f"Customer question {i}: how do I change the delivery address of order {1000 + i}?" for i in range(99)]
TEXTS.append("And the request number {n}")


def batch_body(encoding: str) -> dict[str, Any]:
    return {"model": "text-embedding-3-small", "input": TEXTS, "encoding_format": encoding}


def in_process_ms(body: dict[str, Any]) -> float:
    """The handler's work on one request (no HTTP): best of 20, after a warm-up."""

    def once() -> None:
        asked = read_embedding_request(body)
        vectors = embed(asked.model.id, asked.dimensions, asked.inputs, asked.dimensions)
        render_embeddings(
            vectors, asked.reported_model, asked.prompt_tokens, asked.encoding_format, layout_of(asked.model.id)
        )

    once()
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def run(rounds: int, duration: float, quick: bool) -> dict[str, Any]:
    requests = 300 if quick else 10_000_000
    warmup = 20 if quick else 200
    results: dict[str, Any] = {"rounds": rounds, "duration_s": duration, "batch": {}, "single": {}}
    with mockai() as server:
        embeddings_url = server.url + "/embeddings"
        chat_url = server.url + "/chat/completions"
        bodies = {encoding: json.dumps(batch_body(encoding)).encode() for encoding in ("base64", "float")}
        answers = {}
        for encoding, body in bodies.items():
            status, _, answers[encoding] = post(embeddings_url, body.replace(b"{n}", b"0"))
            check(status == 200 and len(json.loads(answers[encoding])["data"]) == 100, f"batch answered {status}")
        runs: dict[str, list[dict[str, Any]]] = {"bare": [], "base64": [], "float": []}
        _, _, chat_answer = post(chat_url, body_bytes(BODY, 1))
        with bare(chat_answer, []) as baseline:  # (a small answer: the machine's speed, not its copying)
            for r in range(rounds):  # interleaved: the baseline between the two batches of each round
                for name in ("base64", "bare", "float"):
                    runs[name].append(
                        loadgen.run(
                            baseline.origin + "/json" if name == "bare" else embeddings_url,
                            b"{}" if name == "bare" else bodies[name],
                            concurrency=1,
                            requests=(50 if quick else 400) * (40 if name == "bare" else 1),
                            duration=duration,
                            warmup=5,
                            server_pids=[baseline.pid if name == "bare" else server.pid],
                            vary=name != "bare",
                            start=1000 * (r + 1),
                        )
                    )
        bare_us = median([r["server_cpu_us_per_request"] for r in runs["bare"]])
        results["bare_cpu_us_per_request"] = bare_us
        for encoding in ("base64", "float"):
            cpu_ms = [r["server_cpu_us_per_request"] / 1000 for r in runs[encoding]]
            results["batch"][encoding] = {
                "server_cpu_ms_per_request": median(cpu_ms),
                "in_bare_requests": median(
                    [ms * 1000 / b["server_cpu_us_per_request"] for ms, b in zip(cpu_ms, runs["bare"], strict=True)]
                ),
                "latency_ms_p50": median([r["latency_ms"]["p50"] for r in runs[encoding]]),
                "handler_ms_in_process": in_process_ms(batch_body(encoding)),
                "body_bytes": len(answers[encoding]),
            }
        single = {"model": "text-embedding-3-small", "input": "Where is my order {n}?", "encoding_format": "base64"}
        check(post(embeddings_url, body_bytes(single, 1))[0] == 200, "single text refused")
        check(post(chat_url, body_bytes(BODY, 1))[0] == 200, "chat refused")
        for vary in (False, True):
            runs_by: dict[str, list[dict[str, Any]]] = {"chat": [], "embeddings": []}
            for r in range(rounds):
                order = ["chat", "embeddings"] if r % 2 == 0 else ["embeddings", "chat"]
                for name in order:
                    url, payload = (chat_url, BODY) if name == "chat" else (embeddings_url, single)
                    data = body_bytes(payload) if vary else body_bytes(payload, 1)
                    runs_by[name].append(
                        loadgen.run(
                            url,
                            data,
                            concurrency=16,
                            requests=requests,
                            duration=duration,
                            warmup=warmup,
                            vary=vary,
                            server_pids=[server.pid],
                        )
                    )
            for name, rs in runs_by.items():
                check(all(x["errors"] == 0 for x in rs), f"{name} had errors: {rs[-1]}")
            chat_rps = [x["rps"] for x in runs_by["chat"]]
            embeddings_rps = [x["rps"] for x in runs_by["embeddings"]]
            chat_cpu = [x["server_cpu_us_per_request"] for x in runs_by["chat"]]
            embeddings_cpu = [x["server_cpu_us_per_request"] for x in runs_by["embeddings"]]
            results["single"]["distinct" if vary else "same"] = {
                "chat_rps": median(chat_rps),
                "embeddings_rps": median(embeddings_rps),
                "ratio": paired_ratio(embeddings_rps, chat_rps),
                "chat_cpu_us": median(chat_cpu),
                "embeddings_cpu_us": median(embeddings_cpu),
                # req/s one core could give, embeddings over chat: steadier than req/s on a busy machine
                "cpu_ratio": paired_ratio(chat_cpu, embeddings_cpu),
            }
    ratio = results["single"]["same"]["ratio"]
    results["targets"] = {}
    for encoding, batch in results["batch"].items():
        ms = batch["server_cpu_ms_per_request"]
        results["targets"][f"batch_{encoding}_ms"] = {
            "target": TARGET_BATCH_MS,
            "value": ms,
            "met": ms <= TARGET_BATCH_MS,
        }
    results["targets"]["single_ratio"] = {
        "target": TARGET_SINGLE_RATIO,
        "value": ratio,
        "met": ratio >= TARGET_SINGLE_RATIO,
    }
    return results


def table(results: dict[str, Any]) -> str:
    rows = ["| measure | value |", "|---|---|"]
    for encoding, batch in results["batch"].items():
        rows.append(
            f"| batch of 100 at 1536 dims, {encoding}: server CPU / request | {batch['server_cpu_ms_per_request']:.1f} ms "
            f"(handler in process {batch['handler_ms_in_process']:.1f} ms, p50 latency {batch['latency_ms_p50']:.1f} ms; "
            f"{batch['in_bare_requests']:.0f} × bare aiohttp's {results['bare_cpu_us_per_request']:.0f} µs a request) |"
        )
    for kind, single in results["single"].items():
        rows.append(
            f"| one text, {kind} body, c=16: embeddings / chat req/s | {single['embeddings_rps']:.0f} / "
            f"{single['chat_rps']:.0f} = {single['ratio']:.2f} (server CPU per request {single['embeddings_cpu_us']:.0f} / "
            f"{single['chat_cpu_us']:.0f} µs: {single['cpu_ratio']:.2f}) |"
        )
    return "\n".join(rows)


def main() -> None:
    rounds_main("embeddings", __doc__ or "", run, table)


if __name__ == "__main__":
    main()
