"""A load generator in its own process: fixed concurrency, bounded request count and time, 127.0.0.1 only.

    python bench/loadgen.py --url http://127.0.0.1:8000/v1/chat/completions --concurrency 16 \\
        --requests 20000 --duration 5 [--stream] [--vary] < body.json

Each of ``--concurrency`` keep-alive connections sends one request after the other (HTTP/1.1,
no pipelining).  The client is a small ``asyncio.Protocol`` with pre-built request bytes rather
than aiohttp's or httpx's client: it costs a fraction of the server's CPU per request, so on a
2-core machine the server, not the load generator, is what saturates.

The body is read from stdin.  With ``--vary`` every occurrence of ``{n}`` in it is replaced by the
request's number, so every request is distinct (nothing can be answered from a cache).  A warm-up
of ``--warmup`` requests is sent first and not counted.  Prints one JSON object: requests, errors,
requests/s, SSE events and events/s (``\\n\\n``-terminated events, ``[DONE]`` included),
time-to-first-byte and latency percentiles in ms, and the load generator's own CPU seconds.

:func:`run` starts this script as a subprocess and returns that object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HEAD, LENGTH, CHUNKED, DONE_STATE = range(4)


class Response:
    __slots__ = ("body", "first_byte", "status")

    def __init__(self) -> None:
        self.status = 0
        self.body = bytearray()
        self.first_byte = 0.0


class Connection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection answering one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.buffer = bytearray()
        self.state = DONE_STATE
        self.remaining = 0
        self.response = Response()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    def request(self, payload: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.response = Response()
        self.buffer.clear()
        self.state = HEAD
        self.transport.write(payload)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        response = self.response
        if not response.first_byte:
            response.first_byte = time.perf_counter()
        self.buffer += data
        try:
            self._parse()
        except Exception as exc:  # a malformed response ends this connection
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(exc)
            if self.transport is not None:
                self.transport.close()

    def _parse(self) -> None:
        buf = self.buffer
        if self.state == HEAD:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(buf[:end]).split(b"\r\n")
            self.response.status = int(lines[0].split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            del buf[: end + 4]
            if chunked:
                self.state = CHUNKED
            else:
                self.state, self.remaining = LENGTH, length
        if self.state == LENGTH:
            if len(buf) < self.remaining:
                return
            self.response.body += buf[: self.remaining]
            del buf[: self.remaining]
            self._finish()
            return
        while self.state == CHUNKED:
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                return
            size = int(bytes(buf[:line_end]).split(b";", 1)[0], 16)
            if size == 0:
                if len(buf) < line_end + 4:  # "0\r\n\r\n": no trailers
                    return
                del buf[: line_end + 4]
                self._finish()
                return
            if len(buf) < line_end + 2 + size + 2:
                return
            self.response.body += buf[line_end + 2 : line_end + 2 + size]
            del buf[: line_end + 2 + size + 2]

    def _finish(self) -> None:
        self.state = DONE_STATE
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.response)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Load:
    def __init__(self, url: str, body: bytes, *, stream: bool, vary: bool, api_key: str, start: int = 0) -> None:
        parts = urlsplit(url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"loadgen: only 127.0.0.1 is allowed, not {parts.hostname}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.stream = stream
        self.api_key = api_key
        self.template = body
        self.vary = vary and b"{n}" in body
        self.fixed = self._payload(body)
        self.counter = start

    def _payload(self, body: bytes) -> bytes:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.api_key}\r\nContent-Type: application/json\r\n"
            f"Accept: {'text/event-stream' if self.stream else 'application/json'}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def next_payload(self) -> bytes:
        self.counter += 1
        if not self.vary:
            return self.fixed
        return self._payload(self.template.replace(b"{n}", str(self.counter).encode()))

    async def connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(Connection, self.host, self.port)
        return protocol


async def _phase(load: Load, conns: list[Connection], total: int, duration: float) -> dict[str, Any]:
    deadline = time.perf_counter() + duration
    issued = 0
    statuses: Counter[int] = Counter()
    ttfb: list[float] = []
    latency: list[float] = []
    events = 0
    errors = 0
    sample = b""

    async def worker(slot: int) -> None:
        nonlocal issued, events, errors, sample
        conn = conns[slot]
        while issued < total and time.perf_counter() < deadline:
            issued += 1
            if conn.closed:
                conn = conns[slot] = await load.connect()
            started = time.perf_counter()
            try:
                response = await conn.request(load.next_payload())
            except (ConnectionError, OSError, ValueError):
                errors += 1
                conn.closed = True
                continue
            done = time.perf_counter()
            statuses[response.status] += 1
            if response.status != 200:
                errors += 1
            if not sample:
                sample = bytes(response.body[:4000])
            ttfb.append(response.first_byte - started)
            latency.append(done - started)
            if load.stream:
                events += response.body.count(b"\n\n")

    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker(i) for i in range(len(conns))))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    done = len(latency)
    return {
        "requests": done,
        "errors": errors,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "elapsed_s": round(elapsed, 4),
        "rps": round(done / elapsed, 1) if elapsed else 0.0,
        "events": events,
        "events_per_s": round(events / elapsed, 1) if elapsed else 0.0,
        "ttfb_ms": {q: round(_percentile(ttfb, p) * 1000, 3) for q, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))},
        "latency_ms": {
            q: round(_percentile(latency, p) * 1000, 3) for q, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        },
        "loadgen_cpu_s": round(cpu, 4),
        "sample": sample.decode("utf-8", "replace"),
    }


async def generate(
    url: str,
    body: bytes,
    *,
    concurrency: int,
    requests: int,
    duration: float,
    warmup: int,
    stream: bool = False,
    vary: bool = False,
    api_key: str = "sk-bench",
    start: int = 0,
) -> dict[str, Any]:
    load = Load(url, body, stream=stream, vary=vary, api_key=api_key, start=start)
    conns = list(await asyncio.gather(*(load.connect() for _ in range(concurrency))))
    warm = await _phase(load, conns, warmup, max(duration, 5.0)) if warmup else {"requests": 0, "errors": 0}
    result = await _phase(load, conns, requests, duration)
    result["warmup_requests"] = warm["requests"] + warm["errors"]
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    result["concurrency"] = concurrency
    return result


def run(
    url: str,
    body: bytes | dict[str, Any],
    *,
    concurrency: int,
    requests: int,
    duration: float,
    warmup: int = 200,
    stream: bool = False,
    vary: bool = False,
    timeout: float | None = None,
    server_pids: Sequence[int] = (),
    start: int = 0,
) -> dict[str, Any]:
    """Run the load generator in its own process and return its JSON result.

    With ``server_pids``, also the CPU seconds those processes spent during the run, and per
    request (``server_cpu_us_per_request``, warm-up included on both sides): on a machine shared
    with other work, CPU per request is steadier than requests/s.
    """
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    args = [
        sys.executable,
        __file__,
        "--url",
        url,
        "--concurrency",
        str(concurrency),
        "--requests",
        str(requests),
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
    ]
    if stream:
        args.append("--stream")
    if vary:
        args += ["--vary", "--start", str(start)]
    limit = timeout if timeout is not None else 2 * duration + 120
    cpu_before = sum(_cpu_seconds(pid) for pid in server_pids)
    done = subprocess.run(args, input=data, capture_output=True, timeout=limit, check=False)
    cpu = sum(_cpu_seconds(pid) for pid in server_pids) - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if server_pids:
        answered = result["requests"] + result["errors"] + result["warmup_requests"]
        result["server_cpu_s"] = round(cpu, 3)
        result["server_cpu_us_per_request"] = round(cpu / answered * 1e6, 1) if answered else 0.0
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=10_000, help="stop after this many requests")
    parser.add_argument("--duration", type=float, default=5.0, help="or after this many seconds")
    parser.add_argument("--warmup", type=int, default=200, help="requests sent first and not counted")
    parser.add_argument("--stream", action="store_true", help="count SSE events and report events/s")
    parser.add_argument("--vary", action="store_true", help="replace {n} in the body by the request number")
    parser.add_argument("--start", type=int, default=0, help="with --vary: number the requests from here + 1")
    parser.add_argument("--api-key", default="sk-bench")
    args = parser.parse_args()
    body = sys.stdin.buffer.read()
    result = asyncio.run(
        generate(
            args.url,
            body,
            concurrency=args.concurrency,
            requests=args.requests,
            duration=args.duration,
            warmup=args.warmup,
            stream=args.stream,
            vary=args.vary,
            api_key=args.api_key,
            start=args.start,
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
