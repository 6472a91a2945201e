"""The cassette file: exact round trips, a readable layout, clear errors, atomic and concurrent writes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.replay.cassette import (
    Cassette,
    CassetteError,
    CassetteRequest,
    CassetteResponse,
    Interaction,
    Redaction,
    dump_cassette,
    load_cassette,
    parse_cassette,
)
from mockai.replay.cassette_cleaning import (
    clean_query,
    clean_request_headers,
    clean_response_headers,
    split_events,
)
from mockai.replay.cassette_file import CassetteFile

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
offsets = st.integers(0, 10**6).map(lambda n: n / 10_000)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
headers = st.lists(st.tuples(st.sampled_from(["content-type", "x-request-id", "x-a"]), header_values), max_size=4)


@st.composite
def interactions(draw: st.DrawFn) -> Interaction:
    text = draw(st.none() | st.text(min_size=1))
    request = CassetteRequest(
        draw(st.sampled_from(["GET", "POST", "DELETE"])),
        "/v1/" + draw(st.text("abc/", max_size=10)),
        draw(st.text("a=b&c", max_size=8)),
        {},
        None if text is not None else draw(json_values),
        text,
    )
    events = draw(st.none() | st.lists(st.tuples(offsets, st.binary(min_size=1)), max_size=4).map(tuple))
    body = b"" if events is not None else draw(st.binary() | st.text().map(str.encode))
    grouped = tuple(sorted(draw(headers), key=lambda h: h[0]))  # repeated names stay together
    return Interaction(request, CassetteResponse(draw(st.integers(100, 599)), grouped, body, events, draw(offsets)))


@settings(max_examples=80, deadline=None)
@given(st.lists(interactions(), max_size=4), st.booleans())
def test_every_exchange_survives_the_file_exactly(items: list[Interaction], as_json: bool) -> None:
    text = dump_cassette(Cassette(items), as_json=as_json)
    loaded = parse_cassette(text, "c.json" if as_json else "c.yaml")
    assert loaded.interactions == items


def test_the_layout_is_readable() -> None:
    events = ((0.0, b'data: {"a":1}\n\n'), (0.01234, b"data: [DONE]\n\n"), (0.02, b": ping\n\n"))
    body = b'{\n  "id": "x"\n}\n'
    item = Interaction(
        CassetteRequest("POST", "/v1/chat/completions", body={"model": "m"}),
        CassetteResponse(200, (("content-type", "text/event-stream"),), b"", events),
    )
    plain = Interaction(CassetteRequest("GET", "/v1/models"), CassetteResponse(200, (), body))
    text = dump_cassette(Cassette([item, plain])).decode()
    assert "version: 1\n" in text
    assert "    - {t: 0.0, data: '{\"a\":1}'}\n" in text
    assert "    - {t: 0.0123, data: '[DONE]'}\n" in text
    assert '    - {t: 0.02, raw: ": ping\\n\\n"}\n' in text
    assert '    body: |\n      {\n        "id": "x"\n      }\n' in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interactions: [", "c.yaml: not valid YAML"),
        ("- 1\n", "c.yaml: top level: expected a mapping, got list"),
        ("interactions: []\n", "top level: missing 'version'"),
        ("version: 2\ninteractions: []\n", "cassette version 2 is newer than this mockai reads (1)"),
        ("version: 1\ninteractions: [3]\n", "interaction #0: expected a mapping, got int"),
        (
            "version: 1\ninteractions:\n- request: {method: GET, path: /v1/models}\n",
            "interaction #0: missing 'response'",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, path: v1}\n  response: {status: 200}\n",
            "interaction #0.request: 'path' must start with '/'",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, path: /v1}\n  response: {status: ok}\n",
            "interaction #0.response: 'status' must be int, got 'ok'",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, path: /v1}\n  response: {status: 200, "
            "events: [{t: 0}]}\n",
            "interaction #0.response.events[0]: an event needs 'data'",
        ),
        (
            "version: 1\ninteractions:\n- request: {uri: 'https://api.openai.com/v1/models'}\n  response: {}\n",
            "looks like a VCR.py cassette: convert it with `mockai cassette import",
        ),
    ],
)
def test_a_bad_cassette_says_which_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(CassetteError) as caught:
        parse_cassette(text, "c.yaml")
    assert message in str(caught.value)


def _item(n: int) -> Interaction:
    return Interaction(
        CassetteRequest("POST", "/v1/chat/completions", body={"n": n}),
        CassetteResponse(200, (), f"answer {n}".encode()),
    )


def test_a_failed_write_leaves_the_previous_cassette_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    file = CassetteFile(path)
    file.append(_item(0))
    file.flush()
    before = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    file.append(_item(1))
    with pytest.raises(OSError, match="disk gone"):
        file.flush()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
    monkeypatch.undo()
    file.flush()  # the exchange was kept in memory: the next write has it
    assert [i.request.body for i in load_cassette(path).interactions] == [{"n": 0}, {"n": 1}]


def test_concurrent_appends_are_all_written(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    file = CassetteFile(path)

    def record(n: int) -> None:
        file.append(_item(n))
        file.flush()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i.request.body["n"] for i in load_cassette(path).interactions) == list(range(40))


def test_secrets_are_removed_before_writing() -> None:
    sent = [
        ("Authorization", "Bearer sk-x"),
        ("api-key", "k"),
        ("OpenAI-Organization", "org"),
        ("OpenAI-Project", "proj"),
        ("Cookie", "a=b"),
        ("X-Team", "t"),
        ("Content-Type", "application/json"),
        ("Host", "api.openai.com"),
        ("Content-Length", "10"),
    ]
    assert clean_request_headers(sent, Redaction(headers=("x-team",))) == {"content-type": "application/json"}
    received = [
        ("Set-Cookie", "__cf_bm=1"),
        ("openai-organization", "org"),
        ("Content-Encoding", "gzip"),
        ("x-request-id", "req_1"),
    ]
    assert clean_response_headers(received) == (("x-request-id", "req_1"),)
    assert clean_query("api-key=secret&api-version=2024") == "api-key=<redacted>&api-version=2024"


@given(st.binary())
def test_splitting_a_stream_never_changes_a_byte(data: bytes) -> None:
    events, rest = split_events(data)
    assert b"".join(events) + rest == data
    assert all(e.endswith((b"\n\n", b"\r\r", b"\r\n\r\n")) for e in events)
    assert split_events(b"data: 1\r\n\r\ndata: 2") == ([b"data: 1\r\n\r\n"], b"data: 2")
