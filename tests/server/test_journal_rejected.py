"""Finding 10 of issue 15: a refused chat request (401, 400, 413) is journaled, with its status,
its error envelope and its body as received, secrets redacted; the pytest plugin's
``mockai.requests`` shows it as ``rejected``, and strict mode does not count it as a miss."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from mockai.testing.mock import MockAI
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.servers import ServerFactory

KEY = "sk-the-right-key-0000000000000000"
WRONG = "sk-wrong-key-9999999999999999-sekrit"


def _journal(server: ServerThread) -> dict[str, Any]:
    response = HTTP.get(server.base_url.removesuffix("/v1") + "/_mockai/requests")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _only(server: ServerThread) -> dict[str, Any]:
    data = _journal(server)["data"]
    assert len(data) == 1, data
    return data[0]  # type: ignore[no-any-return]


def _chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_a_wrong_key_is_journaled_without_the_key(server_factory: ServerFactory) -> None:
    server = server_factory(api_key=KEY)
    headers = {"Authorization": f"Bearer {WRONG}", "api-key": WRONG, "Cookie": f"session={WRONG}"}
    url = f"{server.base_url}/chat/completions?api-key={WRONG}&trace=1"
    response = HTTP.post(url, json=chat("hello"), headers=headers)
    assert response.status_code == 401
    entry = _only(server)
    assert (entry["status"], entry["source"], entry["rule"]) == (401, "rejected", None)
    assert entry["response"] == response.json()  # the very envelope the client got
    assert entry["response"]["error"]["code"] == "invalid_api_key"
    assert entry["body"] == chat("hello")  # read for the journal, although the key was refused
    assert entry["headers"]["Authorization"] == entry["headers"]["api-key"] == "<redacted>"
    assert entry["headers"]["Cookie"] == "<redacted>"
    assert entry["query"] == "api-key=<redacted>&trace=1"
    # The key never appears whole (the error message masks it, as the real API's does).
    assert WRONG not in json.dumps(entry) and "sekrit" not in json.dumps(entry)


def test_a_missing_key_is_journaled(fresh: ServerThread) -> None:
    response = post_chat(fresh.base_url, chat("hi"), headers={})
    assert response.status_code == 401
    entry = _only(fresh)
    assert (entry["status"], entry["source"]) == (401, "rejected")
    assert entry["response"] == response.json() and entry["body"] == chat("hi")


@pytest.mark.parametrize(
    ("content", "headers", "shown", "code"),
    [
        (b'{"model": "gpt-4o", "messages": [', AUTH, '{"model": "gpt-4o", "messages": [', None),
        (b'{"model": "gpt-4o"}', AUTH, {"model": "gpt-4o"}, None),
        (b'{"model": "gpt-4o", "messages": [], "foo": 1}', AUTH, {"model": "gpt-4o", "messages": [], "foo": 1}, None),
        (b"[1, 2]", AUTH, [1, 2], None),
        (b"\xff\xfe not text", AUTH, "\ufffd\ufffd not text", None),
        (b"model=gpt-4o", {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}, "model=gpt-4o", None),
    ],
    ids=["invalid-json", "schema", "unknown-parameter", "not-an-object", "not-utf8", "content-type"],
)
def test_a_bad_body_is_journaled_as_received(
    fresh: ServerThread, content: bytes, headers: dict[str, str], shown: Any, code: str | None
) -> None:
    response = HTTP.post(f"{fresh.base_url}/chat/completions", content=content, headers=headers)
    assert response.status_code == 400
    entry = _only(fresh)
    assert (entry["status"], entry["source"], entry["body"]) == (400, "rejected", shown)
    assert entry["response"] == response.json()


def test_bodies_too_large_are_journaled_without_their_body(server_factory: ServerFactory) -> None:
    server = server_factory(max_body_bytes=1 << 20)
    by_length = post_chat(server.base_url, content=b"x" * (2 << 20))
    chunked = HTTP.post(f"{server.base_url}/chat/completions", content=_chunks(2 << 20), headers=AUTH)
    assert by_length.status_code == chunked.status_code == 413
    data = _journal(server)["data"]
    assert [(e["status"], e["source"], e["body"]) for e in data] == [(413, "rejected", None)] * 2
    assert [e["response"] for e in data] == [by_length.json(), chunked.json()]


def test_a_large_rejected_body_is_kept_cut_with_a_marker(fresh: ServerThread) -> None:
    text = "not json " + "z" * 300_000
    response = post_chat(fresh.base_url, content=text.encode())
    assert response.status_code == 400
    body = _only(fresh)["body"]
    assert isinstance(body, str) and body.startswith("not json zzz") and len(body) < 5000
    assert body.endswith(f"…[truncated {len(text) - 4096} bytes]")


def test_rejected_and_answered_requests_share_one_numbering(fresh: ServerThread) -> None:
    assert post_chat(fresh.base_url, chat("one")).status_code == 200
    assert post_chat(fresh.base_url, content=b"{").status_code == 400
    assert post_chat(fresh.base_url, chat("three")).status_code == 200
    journal = _journal(fresh)
    assert journal["total"] == 3
    assert [(e["seq"], e["status"], e["source"]) for e in journal["data"]] == [
        (1, 200, "seeded"),
        (2, 400, "rejected"),
        (3, 200, "seeded"),
    ]
    health = HTTP.get(fresh.base_url.removesuffix("/v1") + "/_mockai/health").json()
    assert health["requests"] == 3


def test_the_plugin_shows_rejected_requests_and_strict_mode_does_not_count_them_as_misses() -> None:
    with MockAI() as m:  # strict: leaving the block fails on a miss or an unused rule
        m.on(user_contains="weather").reply("Sunny.")
        client = m.openai(max_retries=0)
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="gpt-4o", messages=[])
        assert post_chat(m.base_url, chat("no key"), headers={}).status_code == 401
        assert post_chat(m.base_url, content=b"{oops", headers={"Authorization": f"Bearer {m.api_key}"}).is_error
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "weather?"}])
        assert reply.choices[0].message.content == "Sunny."

        log = m.requests
        assert [(r.status, r.rejected) for r in log] == [(400, True), (401, True), (400, True), (200, False)]
        bad_schema, no_key, bad_json, answered = log
        assert bad_schema.error is not None and bad_schema.error["param"] == "messages"
        assert bad_schema.body == {"model": "gpt-4o", "messages": []} and bad_schema.received == bad_schema.body
        assert no_key.error is not None and no_key.error["message"].startswith("You didn't provide an API key")
        assert no_key.last_user_message == "no key"
        assert bad_json.body == {} and bad_json.received == "{oops"
        assert bad_json.error is not None and bad_json.error["code"] is None
        assert answered.error is None and answered.reply_text == "Sunny." and answered.received == answered.body
        assert log.filter(rejected=False).assert_called_once() is answered
        assert len(log.filter(status=400)) == 2
        assert "error=" in repr(bad_json) and m.unmatched() == []
    # Leaving the block raised nothing: the rejected requests are not misses.


def test_a_request_that_fails_while_answering_is_journaled(
    fresh: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("planner down")

    monkeypatch.setattr(fresh.state.planner, "seeded", broken)
    response = post_chat(fresh.base_url, chat("boom"))
    assert response.status_code == 500
    entry = _only(fresh)
    assert (entry["status"], entry["source"], entry["body"]) == (500, "error", chat("boom"))
    assert entry["response"] == response.json()


def test_the_journal_never_shows_a_key_sent_any_way(server_factory: ServerFactory) -> None:
    server = server_factory(api_key=KEY)
    for headers in (
        {"Authorization": f"Bearer {WRONG}"},
        {"api-key": WRONG},
        {"x-api-key": WRONG, "Authorization": f"Bearer {KEY}"},
        {"Authorization": f"Basic {WRONG}"},
        {"Proxy-Authorization": WRONG, "Authorization": f"Bearer {KEY}", "OpenAI-Organization": WRONG},
    ):
        post_chat(server.base_url, chat("hi"), headers=headers)
    journal = _journal(server)
    assert journal["total"] == 5
    assert WRONG not in json.dumps(journal) and "sekrit" not in json.dumps(journal)
