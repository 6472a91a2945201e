"""Connections that keep mockai waiting for their bytes are closed (mockai.server.slow_clients), on
the fast front's path and on aiohttp's, while other clients are answered; an answer that takes
long is never cut; and a burst of accept() errors at the open-file limit is one line
(mockai.server.listening.AcceptErrors)."""

from __future__ import annotations

import asyncio
import errno
import http.client
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest

from mockai.server.listening import AcceptErrors
from mockai.server.runner import ServerThread
from tests.support.servers import running_server

IDLE = 1.0  # the servers' idle_timeout, shortened from 75 s
CLIENT = 1.0  # their client_timeout, shortened from 60 s
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
# The fast front answers the plain path; a query string hands the connection to aiohttp's parser.
PATHS = {"fast front": "/v1/chat/completions", "aiohttp": "/v1/chat/completions?via=aiohttp"}


def head(path: str, body: bytes = BODY) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()


def port_of(server: ServerThread) -> int:
    return int(server.base_url.rsplit(":", 1)[1].split("/", 1)[0])


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(idle_timeout=IDLE, client_timeout=CLIENT) as running:
        yield running


@pytest.fixture
def port(server: ServerThread) -> int:
    return port_of(server)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def answered(port: int, path: str = "/v1/chat/completions", timeout: float = 2.0) -> int:
    """The status of an ordinary request on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, BODY, {"Authorization": "Bearer sk-test", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def read_until_closed(sock: socket.socket, timeout: float, every: float = 0.05) -> tuple[bytes, float | None]:
    """What the server sends on ``sock`` until it closes it (polled for ``timeout`` s at most), and
    when it closed it (None: still open)."""
    sock.settimeout(every)
    received = b""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return received, time.monotonic() - start
        if not data:
            return received, time.monotonic() - start
        received += data
    return received, None


def drip(
    sock: socket.socket, data: bytes, every: float, timeout: float, until: Callable[[bytes], bool] = lambda _: False
) -> tuple[int, bytes, float | None]:
    """Send ``data`` a byte every ``every`` s, reading meanwhile, until the server closes the
    connection, what it sent is what ``until`` waits for, or ``timeout`` s have gone: the bytes
    sent, the bytes read, and when the server closed the connection (None: still open)."""
    sock.settimeout(every)
    received = b""
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < timeout and not until(received):
        try:
            if sent < len(data):
                sock.sendall(data[sent : sent + 1])
                sent += 1
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return sent, received, time.monotonic() - start
        if not chunk:
            return sent, received, time.monotonic() - start
        received += chunk
    return sent, received, None


def drip_while(sock: socket.socket, data: bytes, meanwhile: Callable[[], bool]) -> tuple[int, bytes, float | None]:
    """:func:`drip` of a byte every 0.1 s (for at most 4 s), after checking ``meanwhile`` once a
    few bytes are in."""
    sock.settimeout(1)
    sock.sendall(data[:3])
    assert meanwhile()
    sent, received, closed = drip(sock, data[3:], every=0.1, timeout=CLIENT + 3)
    return sent + 3, received, closed


def test_a_silent_connection_is_closed_after_the_idle_timeout(port: int) -> None:
    with connect(port) as silent:
        assert answered(port) == 200  # the others are answered meanwhile
        received, closed = read_until_closed(silent, IDLE + 3)
    assert received == b""
    assert closed is not None, "a connection that never sent a byte is still open"


def test_a_connection_idle_after_an_answer_is_closed(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(head(PATHS["fast front"]) + BODY)
        received, closed = read_until_closed(sock, IDLE + 3)
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert closed is not None, "an idle kept-alive connection is still open"


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_a_head_sent_a_byte_at_a_time_is_closed(port: int, path: str) -> None:
    request = head(path) + BODY
    with connect(port) as slow:
        sent, received, closed = drip_while(slow, request, lambda: answered(port) == 200)
    assert received == b""
    assert closed is not None, "a head sent a byte every 0.1 s is still being read"
    assert closed < CLIENT + 1.5 and sent < len(head(path))


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_a_body_that_stalls_is_closed(port: int, path: str) -> None:
    with connect(port) as stalled:
        stalled.sendall(head(path) + BODY[:10])
        assert answered(port) == 200
        received, closed = read_until_closed(stalled, CLIENT + 3)
    assert received == b""
    assert closed is not None, "a body that stopped arriving is still waited for"


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_a_body_that_keeps_coming_is_read_however_long_it_takes(port: int, path: str) -> None:
    # a byte every 0.3 s: 2.4 s in all, longer than both timeouts, never CLIENT s without a byte
    with connect(port) as sock:
        sock.sendall(head(path) + BODY[:-8])
        sent, received, closed = drip(sock, BODY[-8:], every=0.3, timeout=3.5, until=lambda got: got.endswith(b"}"))
    assert received.startswith(b"HTTP/1.1 200 OK\r\n"), (sent, received, closed)


@pytest.fixture(scope="module")
def slow_server() -> Iterator[ServerThread]:
    # every answer waits 1.6 s for its first token: longer than either timeout
    with running_server(idle_timeout=IDLE, client_timeout=CLIENT, latency_profile="ttft=1.6;itl=0") as running:
        yield running


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_a_slow_answer_is_not_cut(slow_server: ServerThread, path: str, stream: bool) -> None:
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": stream})
    conn = http.client.HTTPConnection("127.0.0.1", port_of(slow_server), timeout=4)
    try:
        started = time.monotonic()
        conn.request("POST", path, body, {"Authorization": "Bearer sk-test", "Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read()
        took = time.monotonic() - started
    finally:
        conn.close()
    assert response.status == 200
    assert took > max(IDLE, CLIENT)
    assert (b"data: [DONE]" in text) if stream else json.loads(text)["object"] == "chat.completion"


# --- accept() out of file descriptors: one line, not a traceback per connection in the backlog ---


class FakeLoop:
    """What :class:`AcceptErrors` uses of an event loop, with a clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.timers: list[tuple[float, Callable[..., None], tuple[Any, ...]]] = []
        self.passed: list[dict[str, Any]] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[..., None], *args: Any) -> object:
        self.timers.append((when, callback, args))
        return object()

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        self.passed.append(context)

    def run_timers(self) -> None:
        due, self.timers = self.timers, []
        for when, callback, args in due:
            self.now = max(self.now, when)
            callback(*args)


def accept_error(code: int = errno.EMFILE) -> dict[str, Any]:
    """The context asyncio's accept loop reports (selector_events._accept_connection)."""
    return {"message": "socket.accept() out of system resource", "exception": OSError(code, "Too many open files")}


def test_a_burst_of_accept_errors_is_one_line_then_a_count(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeLoop()
    loop = cast(asyncio.AbstractEventLoop, fake)
    handler = AcceptErrors(every=5.0)
    caplog.set_level(logging.WARNING, logger="mockai")
    for _ in range(2048):  # one a connection waiting in the backlog
        handler(loop, accept_error())
        fake.now += 0.0001
    assert [r.getMessage() for r in caplog.records] == [
        "cannot accept a connection: Too many open files (EMFILE); trying again every second"
    ]
    assert all(r.exc_info is None and r.name == "mockai" for r in caplog.records)
    assert fake.passed == []
    assert len(fake.timers) == 1 and fake.timers[0][0] == pytest.approx(1005.0)
    fake.now = 1005.0
    handler(loop, accept_error(errno.ENFILE))  # due, but the count already waits to be written
    fake.run_timers()  # the rest of the burst, counted: one line
    assert [r.getMessage() for r in caplog.records][1:] == [
        "cannot accept connections: Too many open files (ENFILE), 2048 times in the last 5 s; trying again every second"
    ]
    fake.now += 1.0
    handler(loop, accept_error())  # within 5 s of that line: counted too
    assert len(caplog.records) == 2
    fake.run_timers()
    assert len(caplog.records) == 3 and caplog.records[-1].getMessage().startswith("cannot accept a connection")
    fake.now += 60.0
    handler(loop, accept_error(errno.ENOMEM))  # long after: written at once
    assert len(caplog.records) == 4 and "(ENOMEM)" in caplog.records[-1].getMessage()
    assert fake.timers == []


def test_other_loop_errors_reach_the_default_handler_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeLoop()
    handler = AcceptErrors()
    others: list[dict[str, Any]] = [
        {"message": "Task exception was never retrieved", "exception": ValueError("boom")},
        {"message": "socket.accept() failed", "exception": OSError(errno.EBADF, "Bad file descriptor")},
        {"message": "Unclosed connection"},
    ]
    for context in others:
        handler(cast(asyncio.AbstractEventLoop, fake), context)
    assert fake.passed == others
    assert fake.passed[0] is others[0]
    assert [r for r in caplog.records if r.name == "mockai"] == []


def test_the_server_thread_loop_reports_accept_errors_so(server: ServerThread) -> None:
    assert isinstance(server._loop.get_exception_handler(), AcceptErrors)


@pytest.mark.parametrize("path", ["/v1/embeddings", "/v1/embeddings?via=aiohttp"])
def test_an_answer_the_client_does_not_read_is_let_go(port: int, path: str) -> None:
    """A client that stops reading kept its whole answer in the server's memory (an audit: 30 of
    them, 13 MB each, held 380 MiB, for as long as they liked).  Writing paused (the buffer full)
    for client_timeout closes the connection; here an answer of about 30 MB, never read."""
    body = json.dumps(
        {"model": "text-embedding-3-large", "input": [f"text {i}" for i in range(500)], "encoding_format": "float"}
    ).encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # (a small window: the server's buffer fills)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    try:
        sock.sendall(head(path, body) + body)
        silent_until = time.monotonic() + CLIENT + 1.5
        while time.monotonic() < silent_until:  # (the client reads nothing: what is tested)
            time.sleep(0.05)
        received, closed = read_until_closed(sock, timeout=10)
        length = int(re.search(rb"Content-Length: (\d+)", received, re.IGNORECASE).group(1))  # type: ignore[union-attr]
        # Closed: what the kernel held already came, and nothing of what the server still held.
        assert closed is not None and len(received) < length, (len(received), length, closed)
    finally:
        sock.close()
    assert answered(port) == 200
