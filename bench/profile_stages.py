"""Server CPU of one distinct non-streamed chat request, stage by stage, measured in-process.

    python bench/profile_stages.py [--requests 3000] [--rounds 5] [--profile]

Runs the stages the pipeline runs for a request never seen before, on the benchmark body with a
counter in the prompt (as ``bench_throughput.py``'s "distinct" load), each timed with
``perf_counter`` over ``--requests`` bodies; the figure is the best of ``--rounds`` rounds, in µs
per request.  What is not here (aiohttp's parsing and writing, the middleware, the handler's own
lines) is the server's CPU per request under load (``bench_throughput.py``) less this sum.
``--profile`` also prints cProfile's top functions for the same work.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from collections.abc import Callable
from typing import Any

from common import BODY, body_bytes

from mockai.chat.render_json import render_completion
from mockai.chat.validation import validate_chat_request
from mockai.core.config import ServerConfig
from mockai.core.context import RequestContext
from mockai.core.strict_json import loads
from mockai.http.headers import request_id, success_headers
from mockai.server.state import KnownBody, ServerState

STAGES = ("read (strict JSON)", "validate", "known-bodies memo", "plan (seeded)", "render JSON", "headers", "journal")
# The process's CPU time over the whole round, per request (the stages and the timer calls): on a
# shared, loaded machine the stages' wall-clock figures take in other processes' turns; this does not.
CPU = "process CPU, all stages"


def run_once(state: ServerState, bodies: list[bytes], clock: Callable[[], float]) -> dict[str, float]:
    spent = dict.fromkeys(STAGES, 0.0)
    cpu_start = time.process_time()
    headers = {"authorization": "Bearer sk-bench", "content-type": "application/json", "host": "127.0.0.1"}
    for raw in bodies:
        t0 = clock()
        parsed = loads(raw)
        t1 = clock()
        body = validate_chat_request(parsed)
        t2 = clock()
        known = state.known_bodies.get(raw)
        if known is None:
            known = KnownBody(request_id(b"POST/v1/chat/completions" + raw))
            state.known_bodies.put(raw, known)
        state.seq += 1
        t3 = clock()
        ctx = RequestContext("POST", "/v1/chat/completions", "", headers, body, raw, state.seq)
        plan = state.seeded_plan(ctx)
        t4 = clock()
        payload = render_completion(plan, state.rendered)
        t5 = clock()
        success_headers(known.req_id, 7, plan.usage.total_tokens)
        t6 = clock()
        state.journal.record("POST", "/v1/chat/completions", "", headers, body, 200, "seeded", None, raw=raw)
        t7 = clock()
        assert payload
        for name, a, b in zip(STAGES, (t0, t1, t2, t3, t4, t5, t6), (t1, t2, t3, t4, t5, t6, t7), strict=True):
            spent[name] += b - a
    cpu = time.process_time() - cpu_start
    return {**{name: round(s / len(bodies) * 1e6, 2) for name, s in spent.items()}, CPU: cpu / len(bodies) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top 30 functions")
    args = parser.parse_args()
    state = ServerState(ServerConfig())
    template = body_bytes(BODY).decode()
    counter = 0

    def fresh() -> list[bytes]:
        nonlocal counter
        out = [template.replace("{n}", str(counter + i)).encode() for i in range(args.requests)]
        counter += args.requests
        return out

    run_once(state, fresh(), time.perf_counter)  # warm-up: imports, first-call caches
    rounds = [run_once(state, fresh(), time.perf_counter) for _ in range(args.rounds)]
    best = {name: min(r[name] for r in rounds) for name in STAGES}
    cpu_us = round(min(r[CPU] for r in rounds), 1)
    result: dict[str, Any] = {"us_per_request": best, "total_us": round(sum(best.values()), 1), "cpu_us": cpu_us}
    print("| stage | µs per request |\n|---|---:|")
    for name, us in best.items():
        print(f"| {name} | {us:.1f} |")
    print(f"| **total** | **{result['total_us']:.1f}** |")
    print(f"| {CPU} (process_time) | {cpu_us:.1f} |")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        run_once(state, fresh(), time.perf_counter)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
