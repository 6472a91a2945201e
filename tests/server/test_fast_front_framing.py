"""The fast front (mockai/server/fast_front.py) and heads it must not read: lines not ended by CRLF
(a bare LF or CR), HTTP/1.1 without a ``Host``, a header aiohttp takes once given twice.  Each is
aiohttp's at once, so the answer is aiohttp's own, byte for byte: the one the same bytes get on a
connection a GET has made aiohttp's.  Raw sockets on 127.0.0.1, every read bounded by a timeout."""

from __future__ import annotations

import json
import socket

import pytest

from mockai.server.fast_front import RequestReader
from mockai.server.runner import ServerThread
from tests.server.test_fast_front import CHAT, LINES, Reader, connection, plain, undated

BODY = json.dumps(CHAT).encode()
LENGTH = str(len(BODY)).encode()
HOST = b"Host: 127.0.0.1"
KEY = b"Authorization: Bearer sk-test"


def answers(server: ServerThread, port: int, data: bytes, count: int = 1, *, after_get: bool = False) -> list[bytes]:
    """The undated answers to ``data`` sent alone (nothing after it), up to ``count`` of them, on a
    fresh server state; ``b"closed"`` when the server closed first, ``b"no answer"`` when it said
    nothing for seconds.  ``after_get``: sent once a GET made the connection aiohttp's."""
    server.renew()
    out: list[bytes] = []
    with connection(port, after_get=after_get, timeout=3) as (sock, reader):
        sock.sendall(data)
        try:
            while len(out) < count:
                out.append(undated(reader.response()))
        except ConnectionError:
            out.append(b"closed")
        except TimeoutError:
            out.append(b"no answer")
    return out


def head(*lines: bytes, end: bytes = b"\r\n") -> bytes:
    return end.join(lines) + end + end


BARE_ENDINGS = {
    "all bare LF": head(b"POST /v1/chat/completions HTTP/1.1", HOST, KEY, b"Content-Length: " + LENGTH, end=b"\n")
    + BODY,
    "headers bare LF": b"POST /v1/chat/completions HTTP/1.1\r\n"
    + head(HOST, KEY, b"Content-Length: " + LENGTH, end=b"\n")
    + BODY,
    "one header bare LF": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\nAuthorization: Bearer sk-test\r\n"
    b"Content-Length: " + LENGTH + b"\r\n\r\n" + BODY,
    "last line bare LF": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
    + LENGTH
    + b"\r\n\n"
    + BODY,
    "bare CR": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\r",
    "other path, bare LF": head(b"POST /v1/files HTTP/1.1", HOST, KEY, b"Content-Length: 2", end=b"\n") + b"{}",
}


@pytest.mark.parametrize("case", sorted(BARE_ENDINGS))
def test_a_head_with_lines_not_ended_by_crlf_gets_aiohttps_answer_at_once(
    server: ServerThread, port: int, case: str
) -> None:
    data = BARE_ENDINGS[case]
    by_aiohttp = answers(server, port, data, after_get=True)
    assert by_aiohttp[0].startswith(b"HTTP/1.0 400 Bad Request")
    assert answers(server, port, data) == by_aiohttp


def test_a_bare_lf_head_sent_with_a_plain_request_gets_aiohttps_answers(server: ServerThread, port: int) -> None:
    data = plain("/v1/chat/completions", BODY) + BARE_ENDINGS["all bare LF"]
    by_aiohttp = answers(server, port, data, 2, after_get=True)
    assert by_aiohttp[0].startswith(b"HTTP/1.0 400 Bad Request")  # (aiohttp refuses the whole read)
    assert answers(server, port, data, 2) == by_aiohttp


def test_a_bare_lf_head_after_a_plain_request_was_answered_gets_aiohttps_answer(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        reader = Reader(sock)
        sock.sendall(plain("/v1/chat/completions", BODY))
        assert reader.response().startswith(b"HTTP/1.1 200 OK")
        sock.sendall(BARE_ENDINGS["all bare LF"])
        assert reader.response().startswith(b"HTTP/1.0 400 Bad Request")


def request(*headers: bytes, version: bytes = b"HTTP/1.1") -> bytes:
    lines = [b"POST /v1/chat/completions " + version, *headers, KEY, b"Content-Length: " + LENGTH]
    return head(*lines) + BODY


HOSTS = {
    "no Host": (request(), b"Missing 'Host' header in request."),
    "two Host": (request(HOST, HOST), b"Duplicate 'Host' header found."),
    "Host and host": (request(b"Host: a", b"host: b"), b"Duplicate 'Host' header found."),
    "two Content-Type": (
        request(HOST, b"Content-Type: application/json", b"content-type: application/json"),
        b"Duplicate 'Content-Type' header found.",
    ),
    "two User-Agent": (request(HOST, b"User-Agent: a", b"User-Agent: a"), b"Duplicate 'User-Agent' header found."),
    "Sec-WebSocket-Key1": (request(HOST, b"Sec-WebSocket-Key1: a"), b"Sec-WebSocket-Key1"),
}


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_heads_aiohttp_refuses_get_its_answer(server: ServerThread, port: int, case: str) -> None:
    data, message = HOSTS[case]
    answer = answers(server, port, data)
    assert answer == answers(server, port, data, after_get=True)
    assert answer[0].startswith(b"HTTP/1.0 400 Bad Request") and message in answer[0]
    # the same bytes on a path the fast front does not serve (a query): the same answer
    bypassed = data.replace(b"/v1/chat/completions ", b"/v1/chat/completions?x=1 ", 1)
    assert answers(server, port, bypassed) == answer


@pytest.mark.parametrize(
    "data",
    [
        request(HOST),
        request(b"HOST: x", b"User-Agent: a", b"Content-Type: application/json", b"X-Other: 1", b"X-Other: 2"),
        request(version=b"HTTP/1.0"),
    ],
)
def test_heads_aiohttp_takes_are_answered_as_before(server: ServerThread, port: int, data: bytes) -> None:
    answer = answers(server, port, data)
    assert answer[0].startswith((b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK"))
    assert answer == answers(server, port, data, after_get=True)


def test_the_reader_hands_over_heads_it_cannot_read() -> None:
    reader = RequestReader(LINES, 1 << 20)
    for data in [*BARE_ENDINGS.values(), *(data for data, _ in HOSTS.values())]:
        assert reader.read(data) is None
        assert reader.read(data) is None  # (and again, from what the reader keeps of the head)
    for cut in (b"POST /v1/chat/completions HTTP/1.1\n", b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\n"):
        assert reader.read(cut) is None  # cut short, but already not the plain form
    assert reader.read(b"POST /v1/files HTTP/1.1\r\n") is None  # a path not served here


def test_a_plain_request_cut_anywhere_before_its_body_still_waits() -> None:
    one = plain("/v1/chat/completions", BODY, "Authorization: Bearer sk-test\r\nX-Empty:\r\nX-Tab:\ta\t\r\n")
    head_end = one.index(b"\r\n\r\n") + 4
    reader = RequestReader(LINES, 1 << 20)
    for cut in range(len(b"POST "), head_end):  # (shorter, the old reader handed over at once)
        assert reader.read(one[:cut]) == ([], 0, 0), one[:cut]
        found, used, needed = reader.read(one + one[:cut]) or ([], -1, -1)
        assert ([p.body for p in found], used, needed) == ([BODY], len(one), 0)
    assert reader.read(one[:head_end]) == ([], 0, len(one))
