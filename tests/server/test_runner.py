"""The server runner: calls onto the server thread's loop, IPv6 base URLs, renewal."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

from mockai.core.config import ServerConfig
from mockai.server.listening import base_url
from mockai.server.runner import ServerThread
from tests.support.servers import ServerFactory


def test_run_returns_the_result_from_the_servers_thread(server_factory: ServerFactory) -> None:
    server = server_factory()
    assert server.running
    assert server.run(lambda: threading.current_thread().name) == "mockai-server"


def test_run_raises_what_the_call_raised(server_factory: ServerFactory) -> None:
    server = server_factory()

    def fail() -> None:
        raise KeyError("from the loop")

    with pytest.raises(KeyError, match="from the loop"):
        server.run(fail)


def test_run_gives_up_after_its_timeout_and_the_call_never_runs(server_factory: ServerFactory) -> None:
    server = server_factory()
    ran: list[str] = []
    busy, release = threading.Event(), threading.Event()

    def hold_the_loop() -> None:
        busy.set()
        release.wait(5.0)

    holder = threading.Thread(target=server.run, args=(hold_the_loop,))
    holder.start()
    assert busy.wait(5.0)
    with pytest.raises(concurrent.futures.TimeoutError):
        server.run(lambda: ran.append("late"), timeout=0.05)
    release.set()
    holder.join()
    server.run(lambda: None)  # the loop has caught up
    assert ran == []


def test_run_coroutine_returns_and_raises(server_factory: ServerFactory) -> None:
    server = server_factory()

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def fail() -> None:
        raise ValueError("async failure")

    assert server.run_coroutine(answer()) == 42
    with pytest.raises(ValueError, match="async failure"):
        server.run_coroutine(fail())


def test_renew_swaps_in_a_fresh_state(server_factory: ServerFactory) -> None:
    server = server_factory()
    before = server.state
    fresh = server.renew()
    assert server.state is fresh is not before
    assert fresh.config == before.config


def test_not_running_before_start_nor_after_stop() -> None:
    server = ServerThread(ServerConfig(port=0))
    assert not server.running
    with server:
        assert server.running
    assert not server.running


def test_base_url_puts_an_ipv6_host_in_brackets() -> None:
    assert base_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/v1"
    assert base_url("::1", 8000) == "http://[::1]:8000/v1"


def test_stopping_leaves_no_task_pending(caplog: pytest.LogCaptureFixture) -> None:
    """A request to an unknown path is answered (404) before its body has all arrived; aiohttp
    then waits up to its lingering time for the rest, and a client that leaves does not end that
    wait.  Stopping the server in that window used to close the loop under the waiting task, which
    asyncio reports as 'Task was destroyed but it is pending!' (found by fuzzing request bytes)."""
    import gc
    import socket

    body = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there, mock"}]}'
    with caplog.at_level("ERROR", logger="asyncio"), ServerThread(ServerConfig(port=0)) as server:
        with socket.create_connection(("127.0.0.1", server.server.port), timeout=5) as client:
            head = b"POST /v1/chat/copletions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (len(body) + 2)
            client.sendall(head + body)  # (two bytes short)
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = client.recv(65536)
                assert chunk, answer
                answer += chunk
            head, _, rest = answer.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(rest) < length:
                chunk = client.recv(65536)
                assert chunk, answer
                rest += chunk
        assert answer.startswith(b"HTTP/1.1 404 ")
    del server
    gc.collect()  # (a destroyed task is reported when it is collected)
    assert not [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]
