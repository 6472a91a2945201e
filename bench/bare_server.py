"""The baseline: a bare aiohttp server doing the minimum, to measure mockai against in the same run.

    python bench/bare_server.py --json FILE --sse FILE [--route /PATH=json:FILE ...] [--port 0]

``POST /json`` reads the request body and answers the canned bytes of FILE (``application/json``).
``POST /sse`` reads the request body and writes the pre-built events of the ``--sse`` FILE (a JSON
list of strings, one per event, written one ``write()`` each), as ``text/event-stream``.
``--route /PATH=json:FILE`` or ``/PATH=sse:FILE`` adds a route of either kind (another surface's
canned answer).
The benchmarks fill both files with mockai's own answer to the benchmark request, so both servers
send the same bytes and the ratio measures only what mockai does on top of aiohttp.

Prints ``bare serving on http://127.0.0.1:PORT`` once listening; stops on SIGINT / SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

Route = tuple[str, str, bytes | list[bytes]]  # path, "json" or "sse", the canned bytes or events


def _json_handler(canned_json: bytes) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def json_handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        return web.Response(body=canned_json, content_type="application/json")

    return json_handler


def _sse_handler(events: list[bytes]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def sse_handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"content-type": "text/event-stream; charset=utf-8"})
        await response.prepare(request)
        for event in events:
            await response.write(event)
        await response.write_eof()
        return response

    return sse_handler


def make_app(canned_json: bytes, events: list[bytes], routes: tuple[Route, ...] = ()) -> web.Application:
    app = web.Application()
    app.router.add_post("/json", _json_handler(canned_json))
    app.router.add_post("/sse", _sse_handler(events))
    for path, kind, canned in routes:
        if kind == "json":
            assert isinstance(canned, bytes)
            app.router.add_post(path, _json_handler(canned))
        else:
            assert isinstance(canned, list)
            app.router.add_post(path, _sse_handler(canned))
    return app


async def serve(host: str, port: int, canned_json: bytes, events: list[bytes], routes: tuple[Route, ...] = ()) -> None:
    runner = web.AppRunner(make_app(canned_json, events, routes), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=2048)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound = int(sockets[0].getsockname()[1]) if sockets else port
    print(f"bare serving on http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", type=Path, required=True, help="canned JSON body")
    parser.add_argument("--sse", type=Path, required=True, help="JSON list of pre-built SSE events")
    parser.add_argument("--route", action="append", default=[], help="/PATH=json:FILE or /PATH=sse:FILE")
    args = parser.parse_args()
    routes: list[Route] = []
    for spec in args.route:
        path, _, rest = spec.partition("=")
        kind, _, file = rest.partition(":")
        routes.append((path, kind, _read_events(Path(file)) if kind == "sse" else Path(file).read_bytes()))
    asyncio.run(serve(args.host, args.port, args.json.read_bytes(), _read_events(args.sse), tuple(routes)))


def _read_events(path: Path) -> list[bytes]:
    return [event.encode() for event in json.loads(path.read_text("utf-8"))]


if __name__ == "__main__":
    main()
