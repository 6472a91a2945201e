"""The fast front (mockai/server/fast_front.py): the plain generating requests it answers itself
give the very bytes aiohttp's path gives (a request's body sent chunked is aiohttp's: the same
request, the other path), in order with everything aiohttp answers on the same connection, however
the bytes are cut.  Raw sockets on 127.0.0.1, every read bounded by a timeout."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.fast_front import RequestReader
from mockai.server.runner import ServerThread

LINES = {b"POST /v1/chat/completions HTTP/1.1": "/v1/chat/completions"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me about load tests."}]}


def plain(path: str, body: bytes, headers: str = "Authorization: Bearer sk-test\r\n") -> bytes:
    """A request the fast front answers: whole, Content-Length, HTTP/1.1, kept alive."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Type: application/json\r\n"
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def chunked(path: str, body: bytes, headers: str = "Authorization: Bearer sk-test\r\n") -> bytes:
    """The same request with its body chunked: aiohttp's to read."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Type: application/json\r\n"
    half = len(body) // 2
    parts = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:half], body[half:]) if p)
    return head.encode() + b"Transfer-Encoding: chunked\r\n\r\n" + parts + b"0\r\n\r\n"


class Reader:
    """HTTP/1.1 responses read one after another from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buffer += chunk

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._more()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def response(self) -> bytes:
        """One whole response, as sent (chunked framing included)."""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        fields = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        }
        if fields.get(b"transfer-encoding") == b"chunked":
            body = b""
            while True:
                size_line = self._line()
                size = int(size_line, 16)
                data = self._take(size + 2)
                body += size_line + b"\r\n" + data
                if size == 0:
                    break
            return head + b"\r\n\r\n" + body
        return head + b"\r\n\r\n" + self._take(int(fields.get(b"content-length", b"0")))


def undated(response: bytes) -> bytes:
    """A response without its Date line (the one value that follows the clock)."""
    return b"\r\n".join(line for line in response.split(b"\r\n") if not line.startswith(b"Date: "))


def exchange(port: int, pieces: list[bytes], count: int) -> list[bytes]:
    """Send ``pieces`` (one send each) on one connection; ``count`` responses read back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            sock.sendall(piece)
        reader = Reader(sock)
        return [reader.response() for _ in range(count)]


CASES = {
    "chat": ("/v1/chat/completions", CHAT, ""),
    "chat stream": ("/v1/chat/completions", {**CHAT, "stream": True}, ""),
    "chat invalid": ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": []}, ""),
    "chat unknown model": ("/v1/chat/completions", {**CHAT, "model": "gpt-nope"}, ""),
    "chat no key": ("/v1/chat/completions", CHAT, "X-Other: 1\r\n"),
    "responses": ("/v1/responses", {"model": "gpt-4o-mini", "input": "Hello there"}, ""),
    "responses stream": ("/v1/responses", {"model": "gpt-4o-mini", "input": "Hello", "stream": True}, ""),
    "embeddings base64, large": (
        "/v1/embeddings",
        {"model": "text-embedding-3-small", "input": [f"text number {i}" for i in range(60)]},
        "",
    ),
    "embeddings float": (
        "/v1/embeddings",
        {"model": "text-embedding-3-small", "input": "a", "encoding_format": "float"},
        "",
    ),
    "moderations": ("/v1/moderations", {"input": "a kind word"}, ""),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_fast_front_sends_the_bytes_aiohttp_sends(server: ServerThread, port: int, case: str) -> None:
    path, body, headers = CASES[case]
    raw = json.dumps(body).encode()
    key = headers if headers else "Authorization: Bearer sk-test\r\n"
    fast = exchange(port, [plain(path, raw, key)], 1)[0]
    server.renew()  # (a stored response's id counts the requests)
    by_aiohttp = exchange(port, [chunked(path, raw, key)], 1)[0]
    assert undated(fast) == undated(by_aiohttp)
    assert fast.startswith(b"HTTP/1.1 ")


def test_answers_keep_the_order_of_requests_when_aiohttp_takes_over_midway(port: int) -> None:
    first = plain("/v1/chat/completions", json.dumps(CHAT).encode())
    stream = plain("/v1/chat/completions", json.dumps({**CHAT, "stream": True}).encode())
    models = b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\n\r\n"
    last = plain("/v1/embeddings", json.dumps({"model": "text-embedding-3-small", "input": "z"}).encode())
    answers = exchange(port, [first + stream + models + last], 4)
    assert b'"object": "chat.completion"' in answers[0]
    assert b"data: [DONE]" in answers[1]
    assert b'"object": "list"' in answers[2] and b"text-embedding-3-small" in answers[2]
    assert b'"object":"list"' in answers[3] and b'"object":"embedding"' in answers[3]
    # the connection is aiohttp's after the GET, and still answers
    assert undated(exchange(port, [first], 1)[0]) == undated(answers[0])


def test_a_request_sent_a_byte_at_a_time_is_answered(port: int) -> None:
    data = plain("/v1/chat/completions", json.dumps(CHAT).encode())
    whole = exchange(port, [data], 1)[0]
    assert undated(exchange(port, [data[i : i + 1] for i in range(len(data))], 1)[0]) == undated(whole)


def test_a_large_body_in_many_pieces_is_answered(port: int) -> None:
    texts = [f"document {i}: " + "words " * 40 for i in range(400)]
    data = plain("/v1/embeddings", json.dumps({"model": "text-embedding-3-small", "input": texts}).encode())
    pieces = [data[i : i + 1024] for i in range(0, len(data), 1024)]
    answer = exchange(port, pieces, 1)[0]
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.count(b'"object":"embedding"') == 400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=2000), max_size=6, unique=True))
def test_however_the_bytes_are_cut_the_answers_are_the_same(port: int, cuts: list[int]) -> None:
    data = b"".join(plain("/v1/chat/completions", json.dumps({**CHAT, "seed": i}).encode()) for i in range(3)) + plain(
        "/v1/chat/completions", json.dumps({**CHAT, "stream": True}).encode()
    )
    whole = exchange(port, [data], 4)
    bounds = [0, *sorted(c for c in cuts if c < len(data)), len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    assert [undated(a) for a in exchange(port, pieces, 4)] == [undated(a) for a in whole]


@pytest.mark.parametrize(
    "data",
    [
        b"GET /v1/models HTTP/1.1\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nX-A: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nX A: b\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /v1/chat/completions HTTP/1.1\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    ],
)
def test_requests_outside_the_plain_form_are_aiohttps(data: bytes) -> None:
    reader = RequestReader(LINES, 1 << 20)
    assert reader.read(data) is None
    assert reader.read(data) is None  # (and again, from what the reader keeps of the head)


def test_the_plain_form_is_read_whole_and_a_cut_one_waits() -> None:
    one = plain("/v1/chat/completions", b'{"a": 1}')
    reader = RequestReader(LINES, 1 << 20)
    found, used, needed = reader.read(one + one[:30]) or ([], 0, 0)
    assert [(p.path, p.body) for p in found] == [("/v1/chat/completions", b'{"a": 1}')]
    assert (used, needed) == (len(one), 0)
    found, used, needed = reader.read(one[:-3]) or ([], -1, -1)
    assert (found, used, needed) == ([], 0, len(one))
    assert RequestReader(LINES, 4).read(one) is None  # over the body limit: aiohttp's 413


def test_many_pipelined_requests_in_one_send_are_all_answered_in_order(port: int) -> None:
    bodies = [json.dumps({**CHAT, "seed": i}).encode() for i in range(40)]
    answers = exchange(port, [b"".join(plain("/v1/chat/completions", b) for b in bodies)], 40)
    one_by_one = [exchange(port, [plain("/v1/chat/completions", b)], 1)[0] for b in bodies[:3]]
    assert [undated(a) for a in answers[:3]] == [undated(a) for a in one_by_one]
    assert all(a.startswith(b"HTTP/1.1 200 OK") for a in answers)


MODELS = b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\n\r\n"
ODD_HEADERS = [
    b"Content-Length: +{n}",
    b"Content-Length:  {n} ",
    b"Content-Length: 0{n}",
    b"Content-Length: {n}",
    b"Content-length: {n},{n}",
    b"Transfer-Encoding: identity",
    b"Connection: close",
    b"Connection: Keep-Alive",
    b"Connection: keep-alive, Upgrade",
    b"Expect: 100-continue",
    b"X-Tab:\tvalue\t",
    b"X-Empty:",
    b"X Space: 1",
    b"X-Nul: a\x00b",
    b"X-Del: a\x7fb",
    b"X-Latin: caf\xe9",
    b"X-Utf8: caf\xc3\xa9",
    b"Folded: a\r\n continued",
    b": no name",
    b"X-Colon:: double",
]


@contextlib.contextmanager
def connection(port: int, *, after_get: bool = False, timeout: float = 10.0) -> Iterator[tuple[socket.socket, Reader]]:
    """A connection to the server and its reader; ``after_get``: once a GET was answered on it,
    which makes it aiohttp's."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        reader = Reader(sock)
        if after_get:
            sock.sendall(MODELS)
            assert reader.response().startswith(b"HTTP/1.1 200 OK")
        yield sock, reader


def replies(port: int, data: bytes, *, after_get: bool = False) -> list[bytes]:
    """The undated responses to ``data`` on one connection, up to the answer to a GET sent after it
    (or a last ``b"closed"`` when the server closed the connection first); ``after_get``: ``data``
    sent once a GET was answered on the connection, which makes it aiohttp's."""
    out: list[bytes] = []
    with connection(port, after_get=after_get) as (sock, reader):
        sock.sendall(data + MODELS)  # (in one send: how aiohttp parses bytes depends on how they arrive)
        try:
            while b'"owned_by"' not in (answer := reader.response()):
                out.append(undated(answer))
        except ConnectionError:
            out.append(b"closed")
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.sampled_from(ODD_HEADERS), min_size=1, max_size=3), plain_length=st.booleans())
def test_odd_requests_meet_aiohttp_as_before(port: int, extra: list[bytes], plain_length: bool) -> None:
    """Whatever the fast front makes of a request's bytes, the answers are those of aiohttp alone
    (the same bytes after a GET has made the connection aiohttp's)."""
    body = json.dumps(CHAT).encode()
    lines = [b"POST /v1/chat/completions HTTP/1.1", b"Host: x", b"Authorization: Bearer sk-test"]
    lines += [line.replace(b"{n}", str(len(body)).encode()) for line in extra]
    if plain_length:
        lines.append(f"Content-Length: {len(body)}".encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    assert replies(port, data) == replies(port, data, after_get=True)
