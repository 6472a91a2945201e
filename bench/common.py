"""Shared by the load benchmarks: server processes, /proc readings, interleaved rounds, result files."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
API_KEY = "sk-bench"

# The benchmark request: a short chat turn, as a gateway load test would send.
BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Tell me about load testing {n}."},
    ],
}
STREAM_BODY: dict[str, Any] = {**BODY, "stream": True}
# The same turn after a long system prompt (about 4 KB, 900 tokens), as most applications send:
# instructions, a policy or retrieved context repeated on every request, the question different.
LONG_SYSTEM_PROMPT = (
    "You are the support assistant of a delivery company. Answer in plain words, cite the policy "
    "section you rely on, never reveal internal notes, and ask for the order number when it is missing. "
) * 22
# An agent's turn: that system prompt and six tools, each with a small parameters schema.
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": f"get_order_{what}",
            "description": f"Looks up the {what} of an order and returns it with its history.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "description": "The order number"},
                    "include_history": {"type": "boolean"},
                    "fields": {"type": "array", "items": {"type": "string", "enum": ["status", "address", "price"]}},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                },
                "required": ["order_id"],
                "additionalProperties": False,
            },
        },
    }
    for what in ("status", "address", "items", "price", "carrier", "invoice")
]
LONG_PROMPT_BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": LONG_SYSTEM_PROMPT},
        {"role": "user", "content": "Tell me about load testing {n}."},
    ],
}
AGENT_BODY: dict[str, Any] = {**LONG_PROMPT_BODY, "tools": TOOLS}


def body_bytes(body: dict[str, Any], n: int | None = None) -> bytes:
    """The body as JSON; ``{n}`` stays a placeholder (loadgen --vary) unless ``n`` is given."""
    text = json.dumps(body)
    return (text if n is None else text.replace("{n}", str(n))).encode()


class Server:
    """A server in a child process that prints ``... serving on URL`` when it listens."""

    # A deadline, not a wait: `mockai serve --workers 2` starts two fresh interpreters, 1.4 s on an
    # idle 2-core machine, 15 s at a load of 15 (the smoke tests run it inside the loaded suite).
    def __init__(self, args: list[str], timeout: float = 120.0) -> None:
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self._wait_for_url(timeout)
        # Read what the server prints from now on (mockai serve's access log writes a line per
        # request): a pipe nobody reads fills up and stops the server.  The last lines are kept.
        self.output: deque[str] = deque(maxlen=200)
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream: IO[str] | None) -> None:
        if stream is None:
            return
        with contextlib.suppress(ValueError, OSError):  # closed by stop()
            for line in stream:
                self.output.append(line)

    def _wait_for_url(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                line = self.proc.stdout.readline()
                if not line:
                    break
                if " serving on " in line:
                    return line.split()[-1].strip()
        if self.proc.poll() is None:
            self.proc.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        self.stop()
        raise RuntimeError(f"{' '.join(self.args)} did not start: {err[-2000:]}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def stop(self) -> int:
        return stop_process(self.proc)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_process(proc: subprocess.Popen[Any]) -> int:
    """Stop a server this benchmark started: SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def mockai(*args: str) -> Server:
    return Server([sys.executable, "-m", "mockai", "serve", "--port", "0", *args])


@contextlib.contextmanager
def bare(
    canned_json: bytes, events: list[bytes], routes: dict[str, bytes | list[bytes]] | None = None
) -> Iterator[Server]:
    """The bare aiohttp baseline (bench/bare_server.py) serving ``canned_json`` at /json, ``events``
    at /sse, and each of ``routes`` (a path: canned JSON bytes, or a list of events)."""
    with tempfile.TemporaryDirectory(prefix="mockai-bench-") as tmp:
        json_file = Path(tmp, "canned.json")
        sse_file = Path(tmp, "events.json")
        json_file.write_bytes(canned_json)
        sse_file.write_text(json.dumps([e.decode() for e in events]))
        extra: list[str] = []
        for i, (path, canned) in enumerate((routes or {}).items()):
            file = Path(tmp, f"route{i}")
            if isinstance(canned, bytes):
                file.write_bytes(canned)
                extra += ["--route", f"{path}=json:{file}"]
            else:
                file.write_text(json.dumps([e.decode() for e in canned]))
                extra += ["--route", f"{path}=sse:{file}"]
        server = Server(
            [sys.executable, str(BENCH / "bare_server.py"), "--json", str(json_file), "--sse", str(sse_file), *extra]
        )
        try:
            yield server
        finally:
            server.stop()


def post(url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def sse_events(stream: bytes) -> list[bytes]:
    """A stream's events, each with its ``\\n\\n``, ``[DONE]`` included."""
    return [part + b"\n\n" for part in stream.split(b"\n\n") if part]


def proc_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def interleave(targets: dict[str, Callable[[], dict[str, Any]]], rounds: int) -> dict[str, list[dict[str, Any]]]:
    """Run every target once per round, in an order that alternates, so drift hits all alike."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    names = list(targets)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            results[name].append(targets[name]())
    return results


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def paired_ratio(numerators: list[float], denominators: list[float]) -> float:
    """The median of the per-round ratios (each round measured both sides back to back)."""
    ratios = [n / d for n, d in zip(numerators, denominators, strict=True) if d]
    return round(statistics.median(ratios), 3) if ratios else 0.0


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_results(name: str, data: dict[str, Any], directory: Path | None = None) -> Path:
    directory = directory or RESULTS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    data = {**data, "machine": machine()}
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def results_dir(out: str | None, quick: bool) -> Path | None:
    """Where a benchmark writes: ``--out``, else a temporary directory for ``--quick`` runs (their
    figures mean nothing and must not replace the real ones), else bench/results."""
    if out:
        return Path(out)
    return Path(tempfile.mkdtemp(prefix="mockai-bench-")) if quick else None


def rounds_main(
    name: str, doc: str, run: Callable[[int, float, bool], dict[str, Any]], table: Callable[[dict[str, Any]], str]
) -> None:
    """The command line of a benchmark measured in interleaved rounds (``--rounds``, ``--duration``,
    ``--quick``, ``--out``): run it, print its table, write ``bench/results/<name>.json``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (no result file)")
    parser.add_argument("--out", help="directory for the result file")
    args = parser.parse_args()
    results = run(args.rounds, args.duration, args.quick)
    print(table(results))
    write_results(name, results, results_dir(args.out, args.quick))


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"bench: {message}")


def ensure_wrk(install: bool = True) -> bool:
    """Whether wrk (a C load generator) is on PATH, installing it with apt-get when it is not,
    ``install`` says so and this process may (root on Debian/Ubuntu)."""
    if shutil.which("wrk"):
        return True
    if install and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        for step in (["apt-get", "install", "-y", "-q", "wrk"], ["apt-get", "update", "-q"]):
            subprocess.run(step, capture_output=True, timeout=600, check=False)
            if shutil.which("wrk"):
                return True
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, timeout=600, check=False)
    return shutil.which("wrk") is not None


def wrk_script(directory: Path, name: str, body: bytes, *, tag: str | None = None) -> Path:
    """A wrk Lua script POSTing ``body`` as JSON with the benchmark key.  With ``tag``, every
    request is distinct: ``{n}`` in the body becomes ``tag`` and the request's number (the tag
    keeps runs apart, since each wrk run counts from 1 again)."""
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["Authorization"] = "Bearer {API_KEY}"',
    ]
    text = body.decode()
    if tag is None:
        lines.append(f"wrk.body = {json.dumps(text.replace('{n}', '1'))}")
    else:
        head, _, tail = text.partition("{n}")
        lines += [
            "counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  return wrk.format(nil, nil, nil, {json.dumps(head + tag + '-')} .. counter .. {json.dumps(tail)})",
            "end",
        ]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk_load(url: str, script: Path, connections: int, seconds: float, server_pid: int) -> dict[str, Any]:
    """One wrk run (one thread): requests/s, and the server's CPU µs per request from /proc."""
    cpu = proc_cpu_s(server_pid)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    ).stdout
    cpu = proc_cpu_s(server_pid) - cpu
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    check(found is not None and rps is not None, f"wrk failed:\n{out}")
    assert found is not None and rps is not None
    requests = int(found.group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": requests,
        "rps": float(rps.group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "server_cpu_us_per_request": round(cpu / requests * 1e6, 1) if requests else 0.0,
    }
