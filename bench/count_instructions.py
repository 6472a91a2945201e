"""Machine instructions the server spends on a request, over HTTP, counted by valgrind's callgrind.

    python bench/count_instructions.py [--requests 400] [CASE ...]

Cases: ``chat``, ``responses`` (``store: false``), ``stored`` (``store: true``), each with every
body different (a counter in the prompt), or ``chat-same``, ``responses-same``, ``stored-same``
(one body repeated), ``chat-stream``, ``responses-stream`` and their ``-same`` (streamed); ``chat-long-prompt``: every body different after the
same 4 KB system prompt (bench/common.py's LONG_PROMPT_BODY), ``chat-agent`` the same with six
tools (AGENT_BODY); all of them by default.  ``bare``: the baseline, bench/bare_server.py answering the benchmark request
with mockai's own answer to it (the ratio of counts, bare / mockai, is the share of bare
aiohttp's speed mockai would reach if instructions were time).  For each case, ``mockai serve`` starts under
callgrind with instrumentation off, is warmed up with 300 requests, then counts only while
``--requests`` more arrive (bench/loadgen.py, concurrency 4), and the count is divided by them.

Why: on a machine other jobs share, requests/s and even CPU time per request swing by tens of per
cent from run to run, while an instruction count repeats to within about 1 %.  So a change of a
few per cent (a frozen dataclass's ``__init__``, a hash, a regex scan) shows here, and its sign is
certain, where a timed benchmark cannot resolve it.  Instructions are not time (a cache miss costs
more than an addition): the timed benchmarks, with their baselines, remain the figures of record.
Needs valgrind (``apt-get install valgrind``); under it the server runs about 50 times slower, so
a case takes half a minute.  Writes nothing; prints one line per case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench_responses import RESPONSES_BODY
from common import AGENT_BODY, API_KEY, BENCH, BODY, LONG_PROMPT_BODY, body_bytes, check

CASES: dict[str, tuple[str, dict[str, Any], bool]] = {  # path, body, every body different
    "chat": ("/v1/chat/completions", BODY, True),
    "chat-long-prompt": ("/v1/chat/completions", LONG_PROMPT_BODY, True),
    "chat-agent": ("/v1/chat/completions", AGENT_BODY, True),
    "responses": ("/v1/responses", RESPONSES_BODY, True),
    "stored": ("/v1/responses", {**RESPONSES_BODY, "store": True}, True),
    "chat-same": ("/v1/chat/completions", BODY, False),
    "responses-same": ("/v1/responses", RESPONSES_BODY, False),
    "stored-same": ("/v1/responses", {**RESPONSES_BODY, "store": True}, False),
    "chat-stream": ("/v1/chat/completions", {**BODY, "stream": True}, True),
    "chat-stream-same": ("/v1/chat/completions", {**BODY, "stream": True}, False),
    "responses-stream": ("/v1/responses", {**RESPONSES_BODY, "stream": True}, True),
    "responses-stream-same": ("/v1/responses", {**RESPONSES_BODY, "stream": True}, False),
    "bare": ("/json", BODY, False),
}
WARMUP = 300


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(port: int, deadline: float) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # (an answer: the bare server has no /v1/models)
        except (urllib.error.URLError, OSError):
            check(time.monotonic() < deadline, "mockai did not start under valgrind")
            time.sleep(0.5)  # (a process starting under valgrind: nothing to wait on but its port)


def _load(url: str, body: bytes, count: int, vary: bool, start: int) -> int:
    args = [sys.executable, str(BENCH / "loadgen.py"), "--url", url, "--concurrency", "4"]
    args += ["--requests", str(count), "--duration", "3600", "--warmup", "0"]
    if b'"stream": true' in body:
        args.append("--stream")
    if vary:
        args += ["--vary", "--start", str(start)]
    result = json.loads(subprocess.run(args, input=body, capture_output=True, check=True).stdout)
    check(result["errors"] == 0, f"errors: {result}")
    return int(result["requests"])


def _mockai_answer(body: dict[str, Any]) -> bytes:
    """mockai's answer to ``body`` (a chat request), from a server of its own in this process."""
    from mockai.core.config import ServerConfig
    from mockai.server.runner import ServerThread

    with ServerThread(ServerConfig(port=0)) as server:
        request = urllib.request.Request(
            server.base_url + "/chat/completions",
            data=body_bytes(body, 1),
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            data: bytes = answer.read()
            return data


def count(case: str, requests: int, quiet: bool = True) -> float:
    """Instructions a request for ``case`` (``quiet``: mockai without its access log)."""
    path, body, vary = CASES[case]
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="mockai-callgrind-") as tmp:
        out = Path(tmp, "callgrind.out")
        served = [sys.executable, "-m", "mockai", "serve", "--port", str(port), *(["--quiet"] if quiet else [])]
        if case == "bare":
            canned = Path(tmp, "answer.json")
            canned.write_bytes(_mockai_answer(body))
            Path(tmp, "events.json").write_text("[]")
            served = [sys.executable, str(BENCH / "bare_server.py"), "--json", str(canned),
                      "--sse", str(Path(tmp, "events.json")), "--port", str(port)]  # fmt: skip
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *served],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        try:
            _wait_until_up(port, time.monotonic() + 300)
            url = f"http://127.0.0.1:{port}{path}"
            data = body_bytes(body) if vary else body_bytes(body, 1)
            _load(url, data, WARMUP, vary, 0)
            subprocess.run(["callgrind_control", "-i", "on", str(server.pid)], check=True, capture_output=True)
            done = _load(url, data, requests, vary, 10 * requests)
            subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True, capture_output=True)
        finally:
            server.terminate()
            server.wait(timeout=120)
        dumps = sorted(Path(tmp).glob("callgrind.out.*"))  # the dump asked for (the one at exit follows)
        check(bool(dumps), "callgrind wrote no dump")
        found = re.search(r"^(?:summary|totals): (\d+)", dumps[0].read_text(), re.MULTILINE)
        check(found is not None, "no total in callgrind's dump")
        assert found is not None
        return int(found.group(1)) / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"of {', '.join(CASES)} (default: all)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--access-log", action="store_true", help="mockai with its default access log (else --quiet)")
    args = parser.parse_args()
    check(shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None, "needs valgrind")
    unknown = set(args.cases) - set(CASES)
    check(not unknown, f"unknown cases: {', '.join(sorted(unknown))}; cases: {', '.join(CASES)}")
    for case in args.cases or CASES:
        print(f"{case:15s} {count(case, args.requests, not args.access_log):12,.0f} instructions a request", flush=True)


if __name__ == "__main__":
    main()
