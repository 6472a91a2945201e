"""``mockai serve --workers N``: one port, the same bytes from every worker, clean stops, dead workers replaced."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import API_KEY

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; SO_REUSEPORT balancing")

AUTH = {"Authorization": f"Bearer {API_KEY}"}
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Same answer from every worker?"}]}


def poll(predicate: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Workers:
    def __init__(self, tmp: Path, *args: str, python: list[str] | None = None) -> None:
        self.out = tmp / "stdout.txt"
        self.err = tmp / "stderr.txt"
        command = python or [sys.executable, "-m", "mockai"]
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen([*command, "serve", "--port", "0", *args], stdout=out, stderr=err)

    def url(self) -> str:
        line = poll(lambda: self.out.read_text().strip() or self.proc.poll() is not None, "the announcement")
        text = self.out.read_text()
        assert isinstance(line, (str, bool)) and text.startswith("mockai serving on "), self.stderr()
        return text.split()[-1]

    def stderr(self) -> str:
        return self.err.read_text()

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid and b"spawn_main" in cmdline:
                    pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Workers]]:
    started: list[Workers] = []

    def make(*args: str, python: list[str] | None = None) -> Workers:
        sub = tmp_path / str(len(started))
        sub.mkdir()
        started.append(Workers(sub, *args, python=python))
        return started[-1]

    yield make
    for workers in started:
        if workers.proc.poll() is None:
            workers.proc.kill()
            workers.proc.wait()


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


def test_two_workers_share_one_port_and_answer_the_same_bytes(start: Callable[..., Workers]) -> None:
    workers = start("--workers", "2")
    url = workers.url()
    pids = poll(lambda: len(workers.worker_pids()) == 2 and workers.worker_pids(), "two workers")
    assert isinstance(pids, list)
    before = [cpu_ticks(pid) for pid in pids]
    answers = set()
    for _ in range(200):
        status, body, request_id = post(url)
        assert status == 200
        answers.add((body, request_id))
    assert len(answers) == 1
    assert all(cpu_ticks(pid) > b for pid, b in zip(pids, before, strict=True)), "a worker answered nothing"
    assert "each keeps its own request journal" in workers.stderr()
    assert workers.stop() == 0
    assert workers.worker_pids() == []


def test_a_worker_that_dies_is_reported_and_replaced(start: Callable[..., Workers]) -> None:
    workers = start("--workers", "2")
    url = workers.url()
    pids = poll(lambda: len(workers.worker_pids()) == 2 and workers.worker_pids(), "two workers")
    assert isinstance(pids, list)
    os.kill(pids[0], signal.SIGKILL)
    poll(lambda: "replaced" in workers.stderr(), "the replacement")
    assert f"(pid {pids[0]}) exited with code -9" in workers.stderr()
    fresh = poll(lambda: len(workers.worker_pids()) == 2 and workers.worker_pids(), "two workers again")
    assert isinstance(fresh, list) and pids[0] not in fresh and pids[1] in fresh
    assert all(post(url)[0] == 200 for _ in range(20))
    assert workers.stop() == 0


def test_without_reuseport_the_workers_share_the_parents_socket(start: Callable[..., Workers]) -> None:
    shim = "import sys, mockai.server.workers as w; w._REUSEPORT = False; from mockai.cli.main import main; sys.exit(main())"
    workers = start("--workers", "2", python=[sys.executable, "-c", shim])
    url = workers.url()
    assert all(post(url)[0] == 200 for _ in range(10))
    assert workers.stop() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record-mode", "once", "--cassette", "x.yaml", "--upstream", "http://127.0.0.1:9"], "cannot record"),
        (["--scenario", "/nonexistent/scenario.yaml"], "/nonexistent/scenario.yaml"),
        (["--workers", "0"], "at least 1"),
        (["--latency-profile", "nope"], "no preset 'nope'"),
    ],
)
def test_what_cannot_work_is_refused_at_start(start: Callable[..., Workers], args: list[str], message: str) -> None:
    workers = start("--workers", "2", *args)
    assert workers.proc.wait(timeout=60) == 2
    assert message in workers.stderr()
    assert workers.out.read_text() == ""


def test_a_port_in_use_is_a_clear_error(start: Callable[..., Workers]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        workers = start("--workers", "2", "--port", str(port))
        assert workers.proc.wait(timeout=60) == 2
        assert f"cannot listen on 127.0.0.1:{port}" in workers.stderr()
