"""``mockai serve``'s line per request on stderr: what it says, what it never says, and its cost."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest

from mockai.core.config import ServerConfig
from mockai.server.access_log import ACCESS_LOG, AccessLog
from mockai.server.app import make_app
from mockai.server.line_writer import MAX_PENDING, LineWriter, logs_off_the_loop
from mockai.testing.mock import MockAI
from tests.support.servers import mockai_process

SECRET = "sk-proj-very-secret-0123456789"
SCENARIO = """
- name: greeting
  match:
    user_contains: hello
  reply:
    content: "Hi there."
"""
TEXT_LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} (?P<status>\d{3}) (?P<method>[A-Z]+) (?P<path>\S+) (?P<model>\S+) (?P<source>\S+) "
    r"(?P<ms>\d+\.\d) ms$"
)


def exercise(url: str) -> None:
    """A seeded answer, a scenario rule's, a stream, a refusal, a model lookup and a 404."""
    client = openai.OpenAI(base_url=url, api_key=SECRET, max_retries=0)
    ask = client.chat.completions.create
    ask(model="gpt-4o-mini", messages=[{"role": "user", "content": "What is 2+2?"}])
    ask(model="gpt-4o", messages=[{"role": "user", "content": "hello you"}])
    for _ in ask(model="gpt-4o-mini", messages=[{"role": "user", "content": "Count"}], stream=True):
        pass
    with pytest.raises(openai.BadRequestError):
        ask(model="gpt-4o-mini", messages=[])
    client.models.retrieve("gpt-4o")
    httpx.get(url.removesuffix("/v1") + "/nowhere?api-key=" + SECRET, headers={"api-key": SECRET})
    client.close()


def served(tmp_path: Path, *flags: str) -> str:
    """stderr of ``mockai serve FLAGS`` after :func:`exercise` and a clean stop (which flushes)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    with mockai_process("serve", "--port", "0", "--scenario", str(scenario), *flags) as process:
        exercise(process.url)
        assert process.stop() == 0
        return process.errors


def test_one_readable_line_per_request_and_never_a_secret(tmp_path: Path) -> None:
    text = served(tmp_path)
    assert SECRET not in text and "Bearer" not in text
    lines = text.splitlines()
    parsed = [TEXT_LINE.match(line) for line in lines]
    assert all(parsed), lines
    seen = [(m["status"], m["method"], m["path"], m["model"], m["source"]) for m in parsed if m]
    assert seen == [
        ("200", "POST", "/v1/chat/completions", "gpt-4o-mini", "seeded"),
        ("200", "POST", "/v1/chat/completions", "gpt-4o", "scenario:greeting"),
        ("200", "POST", "/v1/chat/completions", "gpt-4o-mini", "seeded"),
        ("400", "POST", "/v1/chat/completions", "gpt-4o-mini", "rejected"),
        ("200", "GET", "/v1/models/gpt-4o", "gpt-4o", "-"),
        ("404", "GET", "/nowhere", "-", "-"),
    ]
    assert all(float(m["ms"]) < 10_000 for m in parsed if m)


def test_json_lines_for_machines_and_never_a_secret(tmp_path: Path) -> None:
    text = served(tmp_path, "--log-format", "json")
    assert SECRET not in text and "Bearer" not in text and "api-key" not in text.lower()
    entries = [json.loads(line) for line in text.splitlines()]
    assert len(entries) == 6
    assert all(set(e) == {"time", "status", "method", "path", "model", "source", "ms"} for e in entries)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entries[0]["time"])
    assert entries[1]["source"] == "scenario:greeting" and entries[1]["status"] == 200
    assert entries[5] == {**entries[5], "path": "/nowhere", "model": None, "source": None, "status": 404}
    assert all(isinstance(e["ms"], float | int) for e in entries)


def test_quiet_says_nothing(tmp_path: Path) -> None:
    assert served(tmp_path, "--quiet") == ""


def test_a_request_cannot_forge_a_line() -> None:
    log = AccessLog("text", LineWriter(lambda _: None))
    line = log.line("POST", "/v1/chat/completions", 200, "m\n05:00:00.000 200 GET / x y", "seeded", 1.0)
    assert line.count("\n") == 1 and line.endswith(" seeded 1.0 ms\n")
    assert "m\\n05:00:00.000\\x20200" in line
    assert len(log.line("GET", "/" + "a" * 10_000, 200, None, None, 0.0)) < 200


def test_the_server_and_the_in_process_servers_are_silent_by_default(capfd: pytest.CaptureFixture[str]) -> None:
    assert make_app(ServerConfig(port=0))[ACCESS_LOG] is None
    assert isinstance(make_app(ServerConfig(port=0, access_log="json"))[ACCESS_LOG], AccessLog)
    with MockAI() as mock:
        mock.openai().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert capfd.readouterr().err == ""


def test_a_stderr_nobody_reads_never_stalls_the_server() -> None:
    """The writer thread may block on a full pipe; adding lines never does, and drops are counted."""
    release = threading.Event()
    written: list[str] = []

    def blocked_write(text: str) -> None:
        release.wait(10)
        written.append(text)

    writer = LineWriter(blocked_write)
    for n in range(MAX_PENDING + 50):
        writer.add(f"line {n}\n")  # returns at once although the thread is stuck in its first write
    release.set()
    writer.close()
    text = "".join(written)
    dropped = re.findall(r"mockai: (\d+) access log line\(s\) dropped", text)
    assert dropped and int(dropped[0]) >= 50
    assert text.count("\n") <= MAX_PENDING + 51
    assert max(map(len, written)) <= 4000


def test_server_logs_never_wait_on_a_stderr_nobody_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """An audit: with no logging configured, a warning or traceback logged on the event loop went to
    stderr from the loop (Python's last-resort handler), so about 25 tracebacks into a pipe nobody
    reads stopped the server for good.  While serving, the server's loggers write from a thread."""
    released = threading.Event()
    written: list[str] = []

    class FullPipe:
        def write(self, text: str) -> int:
            released.wait(10)
            written.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # (pytest's own capture, off)
    monkeypatch.setattr(sys, "stderr", FullPipe())
    with logs_off_the_loop():
        started = time.monotonic()
        for n in range(200):
            logging.getLogger("mockai").error("a traceback, number %d", n)
            logging.getLogger("asyncio").error("the loop's own report")
        assert time.monotonic() - started < 1.0  # (each call queued a line; none waited on the pipe)
        released.set()
    text = "".join(written)
    assert "mockai: ERROR: a traceback, number 199" in text and "asyncio: ERROR: the loop's own report" in text
    assert not logging.getLogger("mockai").handlers  # (and nothing left behind)
