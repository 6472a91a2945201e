"""mockai against the other OpenAI mock servers that install here, in one interleaved run.

    python bench/bench_peers.py [--rounds 3] [--seconds 3] [--peers-dir DIR] [--quick]

Peers: aimock (``@copilotkit/aimock`` from npm, Node), llmock and mockllm (PyPI), LiteLLM's proxy
with a ``mock_response`` model (PyPI ``litellm[proxy]``).  Each is installed on first use into
``--peers-dir`` (default ``~/.cache/mockai-bench/peers``: npm and a virtualenv); a peer that does
not install or start is reported as such, not measured.  Every server answers the benchmark chat
request at ``/v1/chat/completions`` on 127.0.0.1 (aimock and mockllm with a fixture giving a
three-sentence answer; llmock and LiteLLM with their own).

Each round runs, for the bare aiohttp server (bench/bare_server.py, mockai's answer as canned
bytes) and every peer, with wrk at 16 connections: the same request, a distinct request every
time, and the same request streamed (events/s = requests/s x the events of that peer's stream).
Every ratio is the median of the per-round ratios to the bare server; the server's CPU µs per
request comes from /proc (the process and its children).  Writes bench/results/peers.json and
prints a markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    API_KEY,
    BODY,
    STREAM_BODY,
    bare,
    body_bytes,
    check,
    children,
    ensure_wrk,
    interleave,
    median,
    paired_ratio,
    post,
    proc_cpu_s,
    results_dir,
    sse_events,
    stop_process,
    write_results,
)
from common import wrk_load as _wrk_load
from common import wrk_script as _wrk_script

ANSWER = (
    "The model returns a clear answer on each run. A careful test checks a steady result for every case. "
    "The team measures a useful record with the same seed."
)
CHAT_PATH = "/v1/chat/completions"


@dataclass
class Peer:
    name: str
    install: Callable[[Path], str | None]  # an error message, or None when installed
    command: Callable[[Path, Path, int], list[str]]  # (peers dir, work dir, port) -> argv
    env: dict[str, str] = field(default_factory=dict)
    start_seconds: float = 60.0


def _run(args: list[str], timeout: float = 1200) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(args[:3])}: {exc}"
    return None if done.returncode == 0 else f"{' '.join(args[:3])} failed: {done.stderr[-300:].strip()}"


def _npm(package: str, binary: str) -> Callable[[Path], str | None]:
    def install(peers: Path) -> str | None:
        if (peers / "node" / "node_modules" / ".bin" / binary).exists():
            return None
        (peers / "node").mkdir(parents=True, exist_ok=True)
        return _run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(peers / "node"), package])

    return install


def _pip(*packages: str, probe: str) -> Callable[[Path], str | None]:
    def install(peers: Path) -> str | None:
        venv = peers / "venv"
        if (venv / "bin" / probe).exists():
            return None
        if not (venv / "bin" / "python").exists():
            failed = _run([sys.executable, "-m", "venv", str(venv)])
            if failed:
                return failed
        return _run([str(venv / "bin" / "pip"), "install", "-q", *packages])

    return install


def _aimock(peers: Path, work: Path, port: int) -> list[str]:
    fixture = work / "aimock.json"
    fixture.write_text(
        json.dumps({"fixtures": [{"match": {"userMessage": "load testing"}, "response": {"content": ANSWER}}]})
    )
    binary = peers / "node" / "node_modules" / ".bin" / "llmock"  # the package's server CLI
    return [str(binary), "-p", str(port), "-f", str(fixture), "--log-level", "silent"]


def _llmock(peers: Path, work: Path, port: int) -> list[str]:
    return [str(peers / "venv" / "bin" / "llmock"), "serve", "-p", str(port), "--log-level", "warning"]


def _mockllm(peers: Path, work: Path, port: int) -> list[str]:
    responses = work / "mockllm.yml"
    responses.write_text(f"responses: {{}}\ndefaults:\n  unknown_response: {json.dumps(ANSWER)}\n")
    return [str(peers / "venv" / "bin" / "mockllm"), "start", "-r", str(responses), "-p", str(port)]


def _litellm(peers: Path, work: Path, port: int) -> list[str]:
    config = work / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: gpt-4o-mini\n    litellm_params:\n      model: openai/gpt-4o-mini\n"
        f"      api_key: sk-fake\n      mock_response: {json.dumps(ANSWER)}\n"
        f"general_settings:\n  master_key: {API_KEY}\n"
    )
    return [str(peers / "venv" / "bin" / "litellm"), "--config", str(config), "--port", str(port)]


PEERS = [
    Peer("aimock (Node, @copilotkit/aimock)", _npm("@copilotkit/aimock", "llmock"), _aimock),
    Peer("llmock (PyPI)", _pip("llmock", "mockllm", "litellm[proxy]", probe="llmock"), _llmock),
    Peer("mockllm (PyPI)", _pip("llmock", "mockllm", "litellm[proxy]", probe="mockllm"), _mockllm),
    Peer(
        "LiteLLM proxy, mock_response (PyPI)",
        _pip("llmock", "mockllm", "litellm[proxy]", probe="litellm"),
        _litellm,
        env={"LITELLM_LOG": "ERROR", "DISABLE_ADMIN_UI": "True"},
        start_seconds=120.0,
    ),
]


class Running:
    """A server process answering the benchmark request on ``url``."""

    def __init__(self, argv: list[str], url: str, log: Path, env: dict[str, str], timeout: float) -> None:
        self.url = url
        self.log = log.open("w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(OSError):
                if post(url, body_bytes(BODY, 1))[0] == 200:
                    return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"did not answer within {timeout:.0f} s: {log.read_text()[-300:]!r}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_cpu(pid: int) -> float:
    total = 0.0
    for one in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            total += proc_cpu_s(one)
    return total


class Loads:
    """wrk runs with the CPU of a whole process tree (LiteLLM and uvicorn may fork)."""

    def __init__(self, tmp: Path, seconds: float) -> None:
        self.tmp = tmp
        self.seconds = seconds
        self.runs = 0

    def run(self, url: str, body: bytes, pid: int, *, distinct: bool) -> dict[str, Any]:
        self.runs += 1
        script = _wrk_script(self.tmp, f"peer{self.runs}", body, tag=f"p{self.runs}" if distinct else None)
        cpu = _tree_cpu(pid)
        result = _wrk_load(url, script, 16, self.seconds, pid)
        cpu = _tree_cpu(pid) - cpu
        result["server_cpu_us_per_request"] = round(cpu / result["requests"] * 1e6, 1) if result["requests"] else 0.0
        return result


@contextlib.contextmanager
def started(peers_dir: Path, work: Path, quick: bool) -> Iterator[tuple[dict[str, Running], dict[str, str]]]:
    """mockai and every peer that installs and starts; why the others are not there."""
    running: dict[str, Running] = {}
    missing: dict[str, str] = {}
    try:
        port = _free_port()
        running["mockai (default flags)"] = Running(
            [sys.executable, "-m", "mockai", "serve", "--port", str(port)],
            f"http://127.0.0.1:{port}{CHAT_PATH}",
            work / "mockai.log",
            {},
            60,
        )
        for peer in [] if quick else PEERS:
            failed = peer.install(peers_dir)
            if failed:
                missing[peer.name] = f"did not install: {failed}"
                continue
            port = _free_port()
            try:
                argv = peer.command(peers_dir, work, port)
                log = work / f"{len(running)}.log"
                running[peer.name] = Running(
                    argv, f"http://127.0.0.1:{port}{CHAT_PATH}", log, peer.env, peer.start_seconds
                )
            except (OSError, RuntimeError) as exc:
                missing[peer.name] = f"did not start: {exc}"
        yield running, missing
    finally:
        for server in running.values():
            server.stop()


def run(rounds: int, seconds: float, peers_dir: Path, quick: bool) -> dict[str, Any]:
    check(ensure_wrk(install=not quick), "wrk is not installed and could not be (apt-get install wrk)")
    same, distinct, stream = body_bytes(BODY, 1), body_bytes(BODY), body_bytes(STREAM_BODY, 1)
    with tempfile.TemporaryDirectory(prefix="mockai-peers-") as tmp:
        work = Path(tmp)
        with started(peers_dir, work, quick) as (running, missing):
            mockai_url = running["mockai (default flags)"].url
            status, _, canned = post(mockai_url, same)
            check(status == 200, f"mockai answered {status}")
            events_of = {name: len(sse_events(post(s.url, stream)[2])) for name, s in running.items()}
            loads = Loads(work, seconds)
            with bare(canned, []) as baseline:
                bare_url = baseline.origin + "/json"
                targets: dict[str, Callable[[], dict[str, Any]]] = {
                    "bare": lambda: {"same": loads.run(bare_url, same, baseline.pid, distinct=False)}
                }
                for name, server in running.items():
                    targets[name] = lambda s=server: {
                        "same": loads.run(s.url, same, s.pid, distinct=False),
                        "distinct": loads.run(s.url, distinct, s.pid, distinct=True),
                        "stream": loads.run(s.url, stream, s.pid, distinct=False),
                    }
                runs = interleave(targets, rounds)
    bare_rps = [r["same"]["rps"] for r in runs.pop("bare")]
    results: dict[str, Any] = {"rounds": rounds, "seconds": seconds, "bare_rps": median(bare_rps), "servers": {}}
    for name, rs in runs.items():
        row: dict[str, Any] = {"events_per_stream": events_of[name]}
        for kind in ("same", "distinct", "stream"):
            rps = [r[kind]["rps"] for r in rs]
            row[kind] = {
                "rps": median(rps),
                "ratio_to_bare": paired_ratio(rps, bare_rps),
                "cpu_us": median([r[kind]["server_cpu_us_per_request"] for r in rs]),
                "errors": sum(r[kind]["errors"] for r in rs),
            }
        row["stream"]["events_per_s"] = round(row["stream"]["rps"] * events_of[name])
        results["servers"][name] = row
    results["not_measured"] = missing
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        "| server | same request (×bare) | every request different (×bare) | streamed, same request: events/s (events a stream) | CPU µs a request, same / different |",
        "|---|---:|---:|---:|---:|",
        f"| bare aiohttp, canned bytes | {results['bare_rps']:.0f} req/s (1.00) | | | |",
    ]
    for name, row in results["servers"].items():
        same, distinct, stream = row["same"], row["distinct"], row["stream"]
        errors = sum(row[k]["errors"] for k in ("same", "distinct", "stream"))
        lines.append(
            f"| {name} | {same['rps']:.0f} ({same['ratio_to_bare']:.2f}) | {distinct['rps']:.0f} "
            f"({distinct['ratio_to_bare']:.2f}) | {stream['events_per_s']:.0f} ({row['events_per_stream']}) | "
            f"{same['cpu_us']:.0f} / {distinct['cpu_us']:.0f}{f' ({errors} non-2xx)' if errors else ''} |"
        )
    for name, why in results["not_measured"].items():
        lines.append(f"| {name} | {why[:120]} | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--peers-dir", type=Path, default=Path.home() / ".cache" / "mockai-bench" / "peers")
    parser.add_argument("--quick", action="store_true", help="mockai only, one short round (checks the script)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rounds, seconds = (1, 1.0) if args.quick else (args.rounds, args.seconds)
    results = run(rounds, seconds, args.peers_dir, args.quick)
    results["command"] = f"python bench/bench_peers.py --rounds {rounds} --seconds {seconds}"
    path = write_results("peers", results, results_dir(args.out, args.quick))
    print(table(results))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
