"""``mockai serve --workers N``: one port, the same bytes from every worker, clean stops, dead workers replaced."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.bodies import chat
from tests.support.clients import AUTH
from tests.support.servers import MockaiProcess, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; SO_REUSEPORT balancing")

BODY = chat("Same answer from every worker?")


def serving_url(workers: MockaiProcess) -> str:
    url = workers.announced_url(timeout=90)  # two fresh interpreters: 15 s at a load of 15
    assert workers.output.startswith("mockai serving on "), workers.errors
    return url


def worker_pids(workers: MockaiProcess) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == workers.proc.pid and b"spawn_main" in cmdline:
                pids.append(int(entry.name))
    return sorted(pids)


def two_workers(workers: MockaiProcess, what: str = "two workers") -> list[int]:
    return wait_for(lambda: len(worker_pids(workers)) == 2 and worker_pids(workers), what, 90, 0.05)


@pytest.fixture
def start() -> Iterator[Callable[..., MockaiProcess]]:
    """``mockai serve --port 0 ARGS`` (or ``python`` instead of ``python -m mockai``); killed at teardown."""
    started: list[MockaiProcess] = []

    def make(*args: str, python: list[str] | None = None) -> MockaiProcess:
        started.append(MockaiProcess("serve", "--port", "0", *args, command=python, announced=False))
        return started[-1]

    yield make
    for workers in started:
        if workers.proc.poll() is None:
            workers.kill()


def post(url: str) -> tuple[int, bytes, str]:
    """One request on a fresh connection (the kernel spreads connections over the workers)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(BODY), {**AUTH, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("x-request-id") or ""
    finally:
        conn.close()


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_two_workers_share_one_port_and_answer_the_same_bytes(start: Callable[..., MockaiProcess]) -> None:
    workers = start("--workers", "2")
    url = serving_url(workers)
    pids = two_workers(workers)
    assert isinstance(pids, list)
    before = [cpu_ticks(pid) for pid in pids]
    answers = set()
    for _ in range(200):
        status, body, request_id = post(url)
        assert status == 200
        answers.add((body, request_id))
    assert len(answers) == 1
    assert all(cpu_ticks(pid) > b for pid, b in zip(pids, before, strict=True)), "a worker answered nothing"
    assert "each keeps its own request journal" in workers.errors
    assert workers.stop(signal.SIGTERM, 30) == 0
    assert worker_pids(workers) == []


def test_a_worker_that_dies_is_reported_and_replaced(start: Callable[..., MockaiProcess]) -> None:
    workers = start("--workers", "2")
    url = serving_url(workers)
    pids = two_workers(workers)
    assert isinstance(pids, list)
    os.kill(pids[0], signal.SIGKILL)
    wait_for(lambda: "replaced" in workers.errors, "the replacement", 90, 0.05)
    assert f"(pid {pids[0]}) exited with code -9" in workers.errors
    fresh = two_workers(workers, "two workers again")
    assert isinstance(fresh, list) and pids[0] not in fresh and pids[1] in fresh
    assert all(post(url)[0] == 200 for _ in range(20))
    assert workers.stop(signal.SIGTERM, 30) == 0


def test_without_reuseport_the_workers_share_the_parents_socket(start: Callable[..., MockaiProcess]) -> None:
    shim = "import sys, mockai.server.workers as w; w._REUSEPORT = False; from mockai.cli.main import main; sys.exit(main())"
    workers = start("--workers", "2", python=[sys.executable, "-c", shim])
    url = serving_url(workers)
    assert all(post(url)[0] == 200 for _ in range(10))
    assert workers.stop(signal.SIGTERM, 30) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record-mode", "once", "--cassette", "x.yaml", "--upstream", "http://127.0.0.1:9"], "cannot record"),
        (["--scenario", "/nonexistent/scenario.yaml"], "/nonexistent/scenario.yaml"),
        (["--workers", "0"], "at least 1"),
        (["--latency-profile", "nope"], "no preset 'nope'"),
    ],
)
def test_what_cannot_work_is_refused_at_start(
    start: Callable[..., MockaiProcess], args: list[str], message: str
) -> None:
    workers = start("--workers", "2", *args)
    assert workers.proc.wait(timeout=60) == 2
    assert message in workers.errors
    assert workers.output == ""
    # Refused by the parent, before it starts any worker (it notes what workers share only then):
    # a broken scenario file costs one quick check, not two server processes started for nothing.
    assert "note:" not in workers.errors


def test_a_port_in_use_is_a_clear_error(start: Callable[..., MockaiProcess]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        workers = start("--workers", "2", "--port", str(port))
        assert workers.proc.wait(timeout=60) == 2
        assert f"cannot listen on 127.0.0.1:{port}" in workers.errors
