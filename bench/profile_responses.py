"""Server CPU of one non-streamed ``/v1/responses`` request against a chat completion's, in process.

    python bench/profile_responses.py [--requests 3000] [--rounds 5] [--case distinct] [--profile]

Runs the two pipeline handlers (:func:`mockai.server.pipeline.chat_completions` and
``create_response``) on mocked aiohttp requests, the bodies of ``bench_responses.py``, over
``--requests`` bodies a round: what a request costs from its bytes read to the ``web.Response``
made and journaled (not aiohttp's parsing and writing, nor the middleware: the same for both
surfaces).  The figure is the process CPU (``process_time``) per request, the best of
``--rounds`` rounds, chat and Responses rounds interleaved.  Cases: ``distinct`` (a counter in
the prompt, every body new), ``same`` (one body repeated), ``stored`` (one body with
``store: true`` repeated: every request a new stored response), ``distinct-stored``.
``--profile`` prints cProfile's top functions for the Responses requests of one round.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from bench_responses import RESPONSES_BODY
from common import BODY, body_bytes

from mockai.core.config import ServerConfig
from mockai.server.app import make_app
from mockai.server.pipeline import chat_completions, create_response

CASES = ("distinct", "same", "stored", "distinct-stored")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bodies(template: bytes, start: int, count: int, vary: bool) -> list[bytes]:
    text = template.decode()
    if not vary:
        return [text.replace("{n}", "1").encode()] * count
    return [text.replace("{n}", str(start + i)).encode() for i in range(count)]


async def run_round(
    app: web.Application, handler: Handler, path: str, bodies: list[bytes], profile: cProfile.Profile | None = None
) -> float:
    """CPU µs per request for ``bodies`` sent to ``handler`` (profiled by ``profile`` if given)."""
    headers = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json", "Host": "127.0.0.1"}
    requests = []
    for raw in bodies:
        request = make_mocked_request("POST", path, headers={**headers, "Content-Length": str(len(raw))}, app=app)
        request._read_bytes = raw  # what request.read() returns
        requests.append(request)
    if profile is not None:
        profile.enable()
    start = time.process_time()
    for request in requests:
        response = await handler(request)
        assert response.status == 200, response.status
    cpu = time.process_time() - start
    if profile is not None:
        profile.disable()
    return cpu / len(bodies) * 1e6


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    app = make_app(ServerConfig())
    vary = args.case.startswith("distinct")
    stored = args.case.endswith("stored")
    chat_template = body_bytes(BODY)
    responses_template = body_bytes({**RESPONSES_BODY, "store": stored})
    counter = 0
    results: dict[str, list[float]] = {"chat": [], "responses": []}
    for r in range(args.rounds + 1):  # the first round warms up
        for name in ("chat", "responses") if r % 2 == 0 else ("responses", "chat"):
            template = chat_template if name == "chat" else responses_template
            handler, path = (
                (chat_completions, "/v1/chat/completions") if name == "chat" else (create_response, "/v1/responses")
            )
            bodies = _bodies(template, counter, args.requests, vary)
            counter += args.requests
            us = await run_round(app, handler, path, bodies)
            if r:
                results[name].append(us)
    if args.profile:
        bodies = _bodies(responses_template, counter, args.requests, vary)
        profile = cProfile.Profile()
        await run_round(app, create_response, "/v1/responses", bodies, profile)
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    chat, responses = min(results["chat"]), min(results["responses"])
    extra = sorted(r - c for r, c in zip(results["responses"], results["chat"], strict=True))
    return {
        "case": args.case,
        "chat_cpu_us": round(chat, 1),
        "responses_cpu_us": round(responses, 1),
        "extra_us": round(responses - chat, 1),
        "median_extra_us": round(extra[len(extra) // 2], 1),
        "rounds_us": {name: [round(us, 1) for us in values] for name, values in results.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", choices=CASES, default="distinct")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
