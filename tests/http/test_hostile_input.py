"""Hostile input at the HTTP layer (issue 15): lone surrogates and bytes that are not UTF-8 (finding
2), the key check for every credential form (finding 5), client disconnects and malformed HTTP
(finding 9).  Raw sockets on 127.0.0.1, every read bounded by a timeout."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.request_reading import bearer_key, sent_key
from mockai.core.strict_json import loads
from mockai.server.runner import ServerThread
from tests.support import ROOT
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.servers import AppThread, ServerFactory, mockai_process, running_server, wait_for

INVALID_JSON = APIError.invalid_json().message
MISSING_KEY = APIError.missing_api_key().message
KEY = "sk-the-right-key-123456"


# --- raw HTTP -----------------------------------------------------------------------------------


def port_of(server: ServerThread) -> int:
    return int(server.base_url.rsplit(":", 1)[1].split("/", 1)[0])


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data``, then read until the server closes (or ``timeout`` passes between reads)."""
    with connect(port, timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0): the abrupt end of a killed client."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def request(
    method: str = "POST",
    path: str = "/v1/chat/completions",
    body: bytes = b"",
    headers: bytes = b"Authorization: Bearer sk-test\r\nContent-Type: application/json\r\n",
    length: int | None = None,
) -> bytes:
    size = len(body) if length is None else length
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
    return head + headers + f"Content-Length: {size}\r\n\r\n".encode() + body


def parsed(response: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-cased names) and body of one HTTP/1.x response."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert not loud, [(r.name, r.getMessage()) for r in loud]
    assert "Traceback" not in caplog.text


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert_no_traceback(caplog)


def went_away(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "mockai" and "went away" in r.getMessage()]


# --- finding 2: lone surrogates, and bytes that are not UTF-8 -------------------------------------

LONE = "\ud800"  # a high surrogate with no low half; "\udfff" below is a lone low one


def _bodies(text: str) -> dict[str, dict[str, Any]]:
    tool = {"type": "function", "function": {"name": "f", "description": text, "parameters": {"type": "object"}}}
    return {
        "content": chat(text),
        "content-part": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        },
        "model": chat("hi", model=text),
        "name": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi", "name": text}]},
        "stop": chat("hi", stop=text),
        "stop-list": chat("hi", stop=["x", text]),
        "user": chat("hi", user=text),
        "metadata": chat("hi", store=True, metadata={"suite": text}),
        "metadata-key": chat("hi", store=True, metadata={text: "v"}),
        "tool": chat("hi", tools=[tool]),
    }


FIELDS = sorted(_bodies(LONE))


def escaped(field: str, surrogate: str) -> bytes:
    """The body with ``surrogate`` in ``field`` as a JSON escape (``"\\ud800"``), as Python's
    ``json.dumps`` and JavaScript's ``JSON.stringify`` write it."""
    return json.dumps(_bodies(surrogate)[field]).encode()


def raw_bytes(field: str, surrogate: str) -> bytes:
    """The body with ``surrogate`` in ``field`` as the bytes UTF-8 would give it (``\\xed\\xa0\\x80``
    for U+D800): not UTF-8, since UTF-8 has no surrogates."""
    return json.dumps(_bodies(surrogate)[field], ensure_ascii=False).encode("utf-8", "surrogatepass")


def assert_invalid_json(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": {"message": INVALID_JSON, "type": "invalid_request_error", "param": None, "code": None}
    }


@pytest.mark.parametrize("surrogate", [LONE, "\udfff"], ids=["high", "low"])
@pytest.mark.parametrize("form", [escaped, raw_bytes], ids=["escape", "raw-bytes"])
@pytest.mark.parametrize("field", FIELDS)
def test_a_lone_surrogate_anywhere_is_the_invalid_json_400(
    fresh: ServerThread, logs: pytest.LogCaptureFixture, field: str, form: Any, surrogate: str
) -> None:
    body = form(field, surrogate)
    assert b"\\ud" in body.lower() or b"\xed" in body  # the surrogate is really there
    assert_invalid_json(post_chat(fresh.base_url, content=body))
    journal = HTTP.get(fresh.base_url.removesuffix("/v1") + "/_mockai/requests")
    assert journal.status_code == 200  # whatever the journal keeps of it, it can show it


def test_surrogate_pairs_and_escaped_backslashes_are_text(fresh: ServerThread, logs: pytest.LogCaptureFixture) -> None:
    # "\ud83d\ude00" is one character (😀), and "\\ud800" is a backslash then "ud800": both valid.
    for content in (b'"\\ud83d\\ude00"', b'"\\\\ud800"', b'"\\uD83D\\uDE00 and \\u00e9"'):
        body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":' + content + b"}]}"
        response = post_chat(fresh.base_url, content=body)
        assert response.status_code == 200, response.text
    assert loads(b'["\\ud83d\\ude00", "\\\\ud800"]') == ["\U0001f600", "\\ud800"]


@pytest.mark.parametrize(
    "raw",
    [b'"\\ud800"', b'"\\udc00\\ud800"', b'{"\\ud800": 1}', b'"\xed\xa0\x80"', b'"\xff"', b'"\\ud83d x"'],
)
def test_loads_refuses_what_is_not_unicode_text(raw: bytes) -> None:
    with pytest.raises(ValueError):
        loads(raw)


def test_loads_reads_deep_bodies_with_escapes_without_recursing() -> None:
    deep = b"[" * 900 + b'"\\ud83d\\ude00"' + b"]" * 900
    assert loads(deep) is not None
    with pytest.raises(ValueError):
        loads(b"[" * 900 + b'"\\ud800"' + b"]" * 900)


def test_json_inside_text_is_read_strictly_for_templates(fresh: ServerThread, logs: pytest.LogCaptureFixture) -> None:
    # A tool call's arguments and a tool result are strings (valid text, so the API takes them);
    # the JSON inside them, read for templates and matching, must not bring a lone surrogate (or a
    # nesting too deep to read) back in.
    deep = "[" * 5000 + "]" * 5000
    for inner in ('{"temp": "\\udc00"}', deep):
        messages = [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": inner}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": inner},
        ]
        fresh.renew()
        fresh.state.scenarios.on().reply("{{ tool_result.content }} {{ tool_results[0].content }}")
        for stream in (False, True):
            response = post_chat(fresh.base_url, {"model": "gpt-4o-mini", "messages": messages, "stream": stream})
            assert response.status_code == 200, response.text
        fresh.state.scenarios.on().reply("{{ tool_result.temp }}")  # not JSON when read strictly
        assert post_chat(fresh.base_url, {"model": "gpt-4o-mini", "messages": messages}).status_code < 500
        assert HTTP.get(fresh.base_url.removesuffix("/v1") + "/_mockai/requests").status_code == 200


def test_a_refused_body_with_a_lone_surrogate_is_no_5xx_with_a_cassette(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.yaml"
    shutil.copy(ROOT / "fixtures" / "example_cassette.yaml", cassette)
    server = server_factory(cassette=cassette)
    for form in (escaped, raw_bytes):
        assert post_chat(server.base_url, content=form("content", LONE)).status_code < 500


def test_recording_a_refused_body_with_a_lone_surrogate_writes_the_cassette(tmp_path: Path) -> None:
    async def refuse(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"error": APIError.invalid_json().to_dict()}, status=400)

    upstream = web.Application()
    upstream.router.add_post("/v1/chat/completions", refuse)
    cassette = tmp_path / "recorded.yaml"
    with AppThread(upstream) as up, running_server(cassette=cassette, record_mode="all", upstream=up.url) as server:
        for form in (escaped, raw_bytes):
            assert post_chat(server.base_url, content=form("content", LONE)).status_code == 400
    assert cassette.exists() and cassette.read_text().count("/v1/chat/completions") >= 2


def test_explain_with_a_lone_surrogate_is_no_5xx(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(model="gpt-4o").reply("x")
    url = fresh.base_url.removesuffix("/v1") + "/_mockai/explain"
    response = HTTP.post(url, content=escaped("content", LONE), headers={"Content-Type": "application/json"})
    assert response.status_code < 500


def test_a_stored_completions_update_with_a_lone_surrogate_is_refused(
    fresh: ServerThread, logs: pytest.LogCaptureFixture
) -> None:
    created = post_chat(fresh.base_url, chat("hi", store=True))
    assert created.status_code == 200
    url = f"{fresh.base_url}/chat/completions/{created.json()['id']}"
    assert_invalid_json(HTTP.post(url, content=b'{"metadata": {"k": "\\ud800"}}', headers=AUTH))


def test_header_values_that_are_not_utf8_are_read_as_text(
    server_factory: ServerFactory, logs: pytest.LogCaptureFixture
) -> None:
    # aiohttp keeps such bytes as lone surrogates; they must not reach a digest, the journal or an
    # error body as such.
    body = json.dumps(chat("hi")).encode()
    open_server = server_factory()
    port = port_of(open_server)
    odd = b"Authorization: Bearer sk-\xff\xfe-odd\r\nX-Trace: \xed\xa0\x80\r\nContent-Type: application/json\r\n"
    status, _, _ = parsed(exchange(port, request(body=body, headers=odd)))
    assert status == 200
    journal = HTTP.get(open_server.base_url.removesuffix("/v1") + "/_mockai/requests")
    assert journal.status_code == 200
    assert "\ufffd" in journal.text or "\\ufffd" in journal.text

    keyed = server_factory(api_key=KEY)
    long_odd = (
        b"api-key: \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\r\nContent-Type: application/json\r\n"
    )
    status, _, raw = parsed(exchange(port_of(keyed), request(body=body, headers=long_odd)))
    assert status == 401
    error = json.loads(raw)["error"]
    assert error["code"] == "invalid_api_key"
    assert error["message"].startswith("Incorrect API key provided: " + "\ufffd" * 8 + "**")


# --- finding 5: every credential form is checked against --api-key -------------------------------


def _chat_with(base_url: str, headers: dict[str, str]) -> httpx.Response:
    return post_chat(
        base_url, content=json.dumps(chat("hi")).encode(), headers={"Content-Type": "application/json", **headers}
    )


def _masked(key: str) -> str:
    return f"Incorrect API key provided: {key[:8]}{'*' * (len(key) - 12)}{key[-4:]}."


WRONG = "azure-wrong-key-0000"


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({"Authorization": f"Bearer {KEY}"}, 200),
        ({"Authorization": f"bearer   {KEY}"}, 200),
        ({"api-key": KEY}, 200),
        ({"Authorization": f"Bearer {WRONG}"}, "invalid"),
        ({"api-key": WRONG}, "invalid"),  # the bypass: any api-key used to pass
        ({"Authorization": f"Bearer {WRONG}", "api-key": KEY}, "invalid"),  # Authorization decides
        ({"Authorization": f"Basic {KEY}", "api-key": KEY}, "missing"),
        ({"Authorization": "Bearer", "api-key": KEY}, "missing"),
        ({"api-key": ""}, "missing"),
        ({}, "missing"),
    ],
    ids=[
        "bearer",
        "bearer-case-and-spaces",
        "api-key",
        "bearer-wrong",
        "api-key-wrong",
        "bearer-wrong-api-key-right",
        "basic",
        "bearer-empty",
        "api-key-blank",
        "none",
    ],
)
def test_api_key_checks_every_credential_form(
    server_factory: ServerFactory, headers: dict[str, str], outcome: int | str
) -> None:
    server = server_factory(api_key=KEY)
    base = server.base_url
    for response in (
        _chat_with(base, headers),
        HTTP.get(f"{base}/models", headers=headers),
        HTTP.get(f"{base}/models/gpt-4o-mini", headers=headers),
    ):
        if outcome == 200:
            assert response.status_code == 200, response.text
            continue
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        error = response.json()["error"]
        if outcome == "missing":
            assert (error["message"], error["code"]) == (MISSING_KEY, None)
        else:
            assert error["message"].startswith(_masked(WRONG)) and error["code"] == "invalid_api_key"
            assert WRONG not in response.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"api-key": "anything"}, 200),
        ({"Authorization": "Bearer anything"}, 200),
        ({"Authorization": "Basic anything"}, 401),
        ({}, 401),
    ],
)
def test_without_api_key_any_key_passes_and_none_is_the_real_401(
    base_url: str, headers: dict[str, str], status: int
) -> None:
    response = _chat_with(base_url, headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["message"] == MISSING_KEY


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({"authorization": "Bearer sk-a"}, "sk-a"),
        ({"authorization": "BEARER  sk-a "}, "sk-a"),
        ({"api-key": "az-1"}, "az-1"),
        ({"authorization": "Bearer sk-a", "api-key": "az-1"}, "sk-a"),
        ({"authorization": "Basic sk-a", "api-key": "az-1"}, None),  # the check refuses it: no key
        ({"authorization": "Bearer", "api-key": "az-1"}, None),
        ({"authorization": ""}, None),
        ({"api-key": ""}, None),
        ({}, None),
    ],
)
def test_one_reading_of_the_credential(headers: dict[str, str], key: str | None) -> None:
    assert sent_key(headers) == key
    assert bearer_key(headers) == (key or "")


def test_scenarios_see_the_key_the_check_saw(fresh: ServerThread) -> None:
    fresh.state.scenarios.on().fail(401)  # a scripted 401 masks the caller's key
    key = "azure-key-0123456789"
    response = _chat_with(fresh.base_url, {"api-key": key})
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(_masked(key))


# --- finding 9: disconnects and malformed HTTP -----------------------------------------------------

LONG_STREAM = json.dumps(chat("tell me a long story", stream=True, max_completion_tokens=2000)).encode()
H = b"Authorization: Bearer sk-test\r\nContent-Type: application/json\r\n"

MALFORMED = {
    "url-too-long": b"GET /v1/models?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "header-too-long": b"GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
    "too-many-headers": b"GET /v1/models HTTP/1.1\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n",
    "content-length-letters": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Content-Length: abc\r\n\r\n{}",
    "content-length-negative": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Content-Length: -1\r\n\r\n{}",
    "content-length-twice": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "chunked-garbage": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "chunked-and-length": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "invalid-method": b"G@T /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
    "unknown-method": b"FROB /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad-version": b"GET /v1/models HTTP/9.9\r\nHost: x\r\n\r\n",
    "header-without-colon": b"GET /v1/models HTTP/1.1\r\nHost: x\r\ngarbage header\r\n\r\n",
    "raw-bytes-in-path": b"GET /v1/models/\xed\xa0\x80 HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw-bytes-in-query": b"GET /v1/models?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    "tls-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,
    "gzip-garbage-body": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    + H
    + b"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789",
}


@pytest.mark.parametrize("data", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_http_is_the_openai_400_without_a_traceback(
    module_server: ServerThread, logs: pytest.LogCaptureFixture, data: bytes
) -> None:
    status, headers, body = parsed(exchange(port_of(module_server), data))
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert headers["x-request-id"].startswith("req_")
    error = json.loads(body)["error"]
    assert list(error) == ["message", "type", "param", "code"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)
    assert error["message"].startswith("We could not parse the HTTP request: ")
    assert "\n" not in error["message"] and len(error["message"]) < 400


def test_client_disconnects_are_one_debug_line_each(fresh: ServerThread, logs: pytest.LogCaptureFixture) -> None:
    # Paced, so that every client leaves while its answer is still being written: unpaced, a
    # whole stream goes out in one send, and one the kernel took before the client left is no
    # disconnect the server can see.
    fresh.run(lambda: fresh.state.scenarios.on(user_contains="long story").reply("word " * 300).delay(chunk=0.002))
    port, rounds = port_of(fresh), 15
    for _ in range(rounds):  # mid-stream: read the first bytes of the answer, then reset
        with connect(port) as sock:
            sock.sendall(request(body=LONG_STREAM))
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
            reset(sock)
    for _ in range(rounds):  # before the answer: the whole request, then gone at once
        with connect(port) as sock:
            sock.sendall(request(body=LONG_STREAM))
    for _ in range(rounds):  # an aborted upload: 10 bytes of the 1,000 announced
        with connect(port) as sock:
            sock.sendall(request(body=LONG_STREAM[:10], length=1000))
    wait_for(lambda: len(fresh.state.journal) >= 2 * rounds, "the streams to end")
    wait_for(lambda: len(went_away(logs)) >= 2 * rounds, "the disconnects to be noticed")
    mockai_lines = [r for r in logs.records if r.name == "mockai"]
    assert all(r.levelno == logging.DEBUG for r in mockai_lines)
    assert len(mockai_lines) <= 3 * rounds
    assert HTTP.get(f"{fresh.base_url}/models", headers=AUTH).status_code == 200  # still serving


def test_the_served_process_prints_no_traceback_for_any_of_it() -> None:
    with mockai_process("serve", "--port", "0") as process:
        base = process.url
        port = int(base.rsplit(":", 1)[1].split("/", 1)[0])
        for data in MALFORMED.values():
            assert parsed(exchange(port, data))[0] == 400
        for _ in range(5):
            with connect(port) as sock:
                sock.sendall(request(body=LONG_STREAM))
                sock.recv(64)
                reset(sock)
            with connect(port) as sock:
                sock.sendall(request(body=LONG_STREAM[:10], length=1000))
        requests = base.removesuffix("/v1") + "/_mockai/requests"
        wait_for(lambda: HTTP.get(requests).json()["total"] >= 5, "the streams to end")
        assert post_chat(base, chat("hi")).status_code == 200
        assert process.stop() == 0
        assert "Traceback" not in process.errors, process.errors
        assert "Error handling request" not in process.errors
