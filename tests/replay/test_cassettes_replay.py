"""``mockai serve --cassette``: matching, order, misses, timing, record modes, other /v1 paths."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockai.replay.cassette import (
    Cassette,
    CassetteRequest,
    CassetteResponse,
    Interaction,
    dump_cassette,
    load_cassette,
)
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat, sdk
from tests.support.servers import ServerFactory, run_cli

openai = pytest.importorskip("openai")

JSON_HEADERS = (("content-type", "application/json"), ("x-request-id", "req_recorded"))


def _completion(content: str) -> bytes:
    """A completion as the real API lays it out, saying ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-recorded0000000000000000000000",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
            "service_tier": "default",
            "system_fingerprint": None,
        },
        indent=2,
    ).encode()


def _exchange(
    body: Any,
    answer: bytes,
    status: int = 200,
    method: str = "POST",
    path: str = "/v1/chat/completions",
    **response: Any,
) -> Interaction:
    return Interaction(
        CassetteRequest(method, path, body=body),
        CassetteResponse(status, response.pop("headers", JSON_HEADERS), answer, **response),
    )


def _write(path: Path, *items: Interaction) -> Path:
    path.write_bytes(dump_cassette(Cassette(list(items))))
    return path


def _post(url: str, raw: bytes) -> httpx.Response:
    return post_chat(url, content=raw, headers={**AUTH, "Content-Type": "application/json"})


def test_matching_ignores_key_order_whitespace_and_caller_fields(server_factory: ServerFactory, tmp_path: Path) -> None:
    cassette = _write(tmp_path / "c.yaml", _exchange(chat("Hello", temperature=1), _completion("Hi there")))
    server = server_factory(cassette=cassette)
    reordered = (
        b'{ "temperature" : 1.0,\n  "messages": [{"content": "Hello", "role": "user"}],\n'
        b'  "model": "gpt-4o-mini", "user": "someone", "metadata": {"run": "42"} }'
    )
    answer = _post(server.base_url, reordered)
    assert answer.status_code == 200 and answer.content == _completion("Hi there")
    assert answer.headers["x-request-id"] == "req_recorded"

    strict = server_factory(cassette=cassette, match_ignore=())
    missed = _post(strict.base_url, reordered)
    assert missed.status_code == 404
    assert "differs at `user`" in missed.json()["error"]["message"]


def test_identical_requests_replay_in_recorded_order_then_repeat_the_last(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    cassette = _write(
        tmp_path / "c.yaml",
        _exchange(chat("Again"), _completion("first")),
        _exchange(chat("Other"), _completion("other")),
        _exchange(chat("Again"), _completion("second")),
    )
    server = server_factory(cassette=cassette)
    with sdk(server.base_url) as client:
        said = [client.chat.completions.create(**chat("Again")).choices[0].message.content for _ in range(3)]
        assert said == ["first", "second", "second"]
        server.run(server.state.reset)  # POST /_mockai/reset does the same: replay from the start
        assert client.chat.completions.create(**chat("Again")).choices[0].message.content == "first"
    assert [e.source for e in server.state.journal] == ["cassette"]


def test_a_miss_names_the_nearest_recorded_request_and_the_field(server_factory: ServerFactory, tmp_path: Path) -> None:
    cassette = _write(
        tmp_path / "c.yaml",
        _exchange(chat("Tell me a joke"), _completion("No.")),
        _exchange(chat("Tell me a story", temperature=0.5), _completion("Once...")),
    )
    server = server_factory(cassette=cassette)
    with sdk(server.base_url) as client, pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(**chat("Tell me a story", temperature=0.7))
    error = caught.value
    assert error.code == "cassette_miss"
    assert "interaction #1" in error.message
    assert "`temperature`: recorded 0.5, sent 0.7" in error.message
    assert str(cassette) in error.message and "--record-mode new_episodes" in error.message


def test_streams_replay_fast_by_default_or_with_recorded_timing(server_factory: ServerFactory, tmp_path: Path) -> None:
    events = ((0.0, b'data: {"n":1}\n\n'), (0.2, b'data: {"n":2}\n\n'), (0.4, b"data: [DONE]\n\n"))
    raw = json.dumps(chat("Stream", stream=True)).encode()
    # Fast replay is timed on a recording 50 times slower (25 s if its timing were kept), so that
    # the bound holds on a loaded machine; the recorded timing on the short one (0.5 s at least).
    for timing, scale, slowest, fastest in (("fast", 50, 10.0, 0.0), ("recorded", 1, 60.0, 0.5)):
        stream = _exchange(
            chat("Stream", stream=True),
            b"",
            events=tuple((offset * scale, event) for offset, event in events),
            latency=0.1 * scale,
            headers=(("content-type", "text/event-stream; charset=utf-8"),),
        )
        cassette = _write(tmp_path / f"{timing}.yaml", stream)
        server = server_factory(cassette=cassette, replay_timing=timing)
        started = time.monotonic()
        answer = _post(server.base_url, raw)
        took = time.monotonic() - started
        assert answer.content == b"".join(e for _, e in events)
        assert fastest <= took < slowest, (timing, took)


def test_new_episodes_forwards_misses_and_replays_hits(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = tmp_path / "episodes.yaml"
    recording = server_factory(cassette=cassette, record_mode="new_episodes", upstream=upstream.base_url)
    live = _post(recording.base_url, json.dumps(chat("First")).encode())
    assert live.status_code == 200
    assert [e.source for e in recording.state.journal] == ["upstream"]
    assert len(load_cassette(cassette).interactions) == 1
    upstream.stop()

    replaying = server_factory(cassette=cassette, record_mode="new_episodes", upstream=upstream.base_url)
    assert _post(replaying.base_url, json.dumps(chat("First")).encode()).content == live.content
    unreachable = _post(replaying.base_url, json.dumps(chat("Second")).encode())
    assert unreachable.status_code == 502
    assert unreachable.json()["error"]["code"] == "upstream_unreachable"


def test_once_records_only_while_the_cassette_is_absent(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = tmp_path / "once.yaml"
    server = server_factory(cassette=cassette, record_mode="once", upstream=upstream.base_url)
    assert _post(server.base_url, json.dumps(chat("Record me")).encode()).status_code == 200
    assert cassette.exists()
    server.renew()  # the next test run: the cassette exists now, replay only
    assert _post(server.base_url, json.dumps(chat("Record me")).encode()).status_code == 200
    assert _post(server.base_url, json.dumps(chat("New question")).encode()).status_code == 404
    assert len(load_cassette(cassette).interactions) == 1


def test_all_forwards_everything_and_keeps_what_was_recorded(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = _write(tmp_path / "all.yaml", _exchange(chat("Hello"), _completion("recorded long ago")))
    server = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    with sdk(server.base_url) as client:
        fresh = client.chat.completions.create(**chat("Hello")).choices[0].message.content
    assert fresh != "recorded long ago"
    assert [i.response.body != b"" for i in load_cassette(cassette).interactions] == [True, True]


def test_other_v1_paths_replay_and_unrecorded_ones_reach_mockai(server_factory: ServerFactory, tmp_path: Path) -> None:
    models = json.dumps(
        {"object": "list", "data": [{"id": "only-this", "object": "model", "created": 1, "owned_by": "me"}]}
    ).encode()
    embedding = json.dumps({"object": "list", "data": [], "model": "text-embedding-3-small"}).encode()
    cassette = _write(
        tmp_path / "paths.yaml",
        _exchange(None, models, method="GET", path="/v1/models"),
        _exchange({"model": "text-embedding-3-small", "input": "hi"}, embedding, path="/v1/embeddings"),
    )
    server = server_factory(cassette=cassette)
    with sdk(server.base_url) as client:
        assert [m.id for m in client.models.list()] == ["only-this"]
        assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"  # not recorded: mockai answers
    assert (
        HTTP.post(
            f"{server.base_url}/embeddings", json={"input": "hi", "model": "text-embedding-3-small"}, headers=AUTH
        ).content
        == embedding
    )
    other = HTTP.post(
        f"{server.base_url}/embeddings", json={"model": "text-embedding-3-small", "input": "yo"}, headers=AUTH
    )
    assert other.status_code == 404 and "differs at `input`" in other.json()["error"]["message"]


def test_a_recorded_refusal_wins_over_mockais_own_validation(server_factory: ServerFactory, tmp_path: Path) -> None:
    refusal = (
        b'{\n  "error": {\n    "message": "recorded: temperature too high",\n    "type": '
        b'"invalid_request_error",\n    "param": "temperature",\n    "code": "x"\n  }\n}'
    )
    cassette = _write(tmp_path / "c.yaml", _exchange(chat("Hot", temperature=5), refusal, status=400))
    server = server_factory(cassette=cassette)
    answer = _post(server.base_url, json.dumps(chat("Hot", temperature=5)).encode())
    assert answer.status_code == 400 and answer.content == refusal
    unrecorded = _post(server.base_url, json.dumps(chat("Cold", temperature=5)).encode())
    assert unrecorded.status_code == 400 and b"recorded:" not in unrecorded.content


def test_cassette_fallback_lets_seeded_answers_through(server_factory: ServerFactory, tmp_path: Path) -> None:
    cassette = _write(tmp_path / "c.yaml", _exchange(chat("Known"), _completion("from the cassette")))
    server = server_factory(cassette=cassette, cassette_fallback=True)
    with sdk(server.base_url) as client:
        assert client.chat.completions.create(**chat("Known")).choices[0].message.content == "from the cassette"
        assert client.chat.completions.create(**chat("Unknown")).choices[0].message.content
    assert [e.source for e in server.state.journal] == ["cassette", "seeded"]


def test_json_cassettes_replay_too(server_factory: ServerFactory, tmp_path: Path) -> None:
    cassette = tmp_path / "c.json"
    cassette.write_bytes(dump_cassette(Cassette([_exchange(chat("J"), _completion("json!"))]), as_json=True))
    server = server_factory(cassette=cassette)
    with sdk(server.base_url) as client:
        assert client.chat.completions.create(**chat("J")).choices[0].message.content == "json!"


def test_a_missing_or_broken_cassette_is_a_clear_startup_error(server_factory: ServerFactory, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ValueError, match="no such cassette"):
        server_factory(cassette=missing)
    with pytest.raises(ValueError, match="give --upstream"):
        server_factory(cassette=missing, record_mode="new_episodes")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ninteractions:\n- request: {method: POST}\n")
    result = run_cli("serve", "--cassette", str(broken), "--port", "0", timeout=30)
    assert result.returncode == 2
    assert "broken.yaml: interaction #0.request: missing 'path'" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenario_rules_answer_before_the_cassette(server_factory: ServerFactory, tmp_path: Path) -> None:
    scenario = tmp_path / "rules.yaml"
    scenario.write_text("- name: weather\n  match: {user_contains: weather}\n  reply: {content: Scripted sunshine}\n")
    cassette = _write(
        tmp_path / "c.yaml",
        _exchange(chat("What is the weather?"), _completion("Recorded rain")),
        _exchange(chat("Hello"), _completion("Recorded hello")),
    )
    server = server_factory(cassette=cassette, scenarios=(scenario,))
    with sdk(server.base_url) as client:
        said = [
            client.chat.completions.create(**chat(t)).choices[0].message.content
            for t in ("What is the weather?", "Hello")
        ]
        with pytest.raises(openai.NotFoundError, match="no recorded exchange"):
            client.chat.completions.create(**chat("Neither"))
    assert said == ["Scripted sunshine", "Recorded hello"]
    assert [e.source for e in server.state.journal][:2] == ["scenario:weather", "cassette"]


def test_replay_still_wants_a_key_like_the_api(server_factory: ServerFactory, tmp_path: Path) -> None:
    models = b'{"object": "list", "data": []}'
    cassette = _write(
        tmp_path / "c.yaml",
        _exchange(chat("Hello"), _completion("Hi")),
        _exchange(None, models, method="GET", path="/v1/models"),
    )
    server = server_factory(cassette=cassette)
    raw = json.dumps(chat("Hello")).encode()
    for response in (
        httpx.post(f"{server.base_url}/chat/completions", content=raw, headers={"Content-Type": "application/json"}),
        httpx.get(f"{server.base_url}/models"),
    ):
        assert response.status_code == 401
        assert "You didn't provide an API key" in response.json()["error"]["message"]
    assert HTTP.get(f"{server.base_url}/models", headers=AUTH).content == models


def test_legacy_completions_replay_and_a_miss_is_named(server_factory: ServerFactory, tmp_path: Path) -> None:
    """``POST /v1/completions`` (new this session) replays from a cassette as every other /v1 path
    does, the SDK parsing the recorded answer; another prompt is the cassette's miss."""
    recorded = json.dumps(
        {
            "id": "cmpl-recorded00000000000000000000000",
            "object": "text_completion",
            "created": 1700000000,
            "model": "gpt-3.5-turbo-instruct",
            "choices": [{"text": "\n\nRecorded.", "index": 0, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
        },
        indent=2,
    ).encode()
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say it"}
    server = server_factory(
        cassette=_write(tmp_path / "legacy.yaml", _exchange(body, recorded, path="/v1/completions"))
    )
    with sdk(server.base_url) as client:
        answer = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say it")
        assert answer.choices[0].text == "\n\nRecorded." and answer.id == "cmpl-recorded00000000000000000000000"
    other = HTTP.post(f"{server.base_url}/completions", json={**body, "prompt": "Other"}, headers=AUTH)
    assert other.status_code == 404 and "differs at `prompt`" in other.json()["error"]["message"]
