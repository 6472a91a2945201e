"""An exchange that cannot be written as it came (a request body nested too deep for the YAML
writer) is written with its body as JSON text, or left out: it never fails a save, never stays
in memory to fail the next one, and never turns a started answer into a 500."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from aiohttp import web

from mockai.replay.cassette import CassetteRequest, CassetteResponse, Interaction, load_cassette
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import CassetteIndex
from tests.support.bodies import chat
from tests.support.clients import AUTH, post_chat
from tests.support.servers import recording

DEPTH = 400  # strict JSON reads it; PyYAML's representer recurses past the recursion limit


def _deep_raw(depth: int = DEPTH, tag: str = "deep") -> bytes:
    head = f'{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"{tag}"}}],"z":'
    return (head + "[" * depth + "]" * depth + "}").encode()


def _item(body: object) -> Interaction:
    return Interaction(
        CassetteRequest("POST", "/v1/chat/completions", body=body), CassetteResponse(200, (), b'{"ok": true}')
    )


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_deep_body_is_written_as_json_text_and_replays(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"c.{suffix}"
    file = CassetteFile(path)
    file.append(_item({"n": 0}))
    file.flush()
    deep = json.loads(_deep_raw())
    stored = file.append(_item(deep))
    assert stored is not None
    file.flush()
    file.append(_item({"n": 2}))
    file.flush()
    loaded = load_cassette(path).interactions
    assert [i.request.body for i in (loaded[0], loaded[2])] == [{"n": 0}, {"n": 2}]
    recorded = loaded[1].request
    if suffix == "yaml":  # PyYAML cannot write it as a mapping; indented JSON may
        assert recorded.body is None and recorded.text is not None
    assert (json.loads(recorded.text) if recorded.text is not None else recorded.body) == deep
    index = CassetteIndex(loaded)
    hit = index.take("POST", "/v1/chat/completions", "", _deep_raw(), repeat_last=False)
    assert hit is not None and hit.request == recorded
    assert index.take("POST", "/v1/chat/completions", "", _deep_raw(tag="other"), repeat_last=False) is None


def test_an_exchange_that_cannot_be_written_at_all_is_left_out_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.yaml"
    file = CassetteFile(path)
    file.append(_item({"n": 0}))
    file.flush()
    hopeless: list[object] = []
    for _ in range(100_000):  # deeper than even json.dumps reaches
        hopeless = [hopeless]
    with caplog.at_level(logging.ERROR, logger="mockai"):
        assert file.append(_item(hopeless)) is None
    assert [r.getMessage() for r in caplog.records if "not recorded" in r.getMessage()] != []
    assert len(caplog.records) == 1
    file.flush()
    file.append(_item({"n": 2}))
    file.flush()
    assert [i.request.body for i in load_cassette(path).interactions] == [{"n": 0}, {"n": 2}]


async def _echo(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"object": "chat.completion", "answer": "fine"})


def test_recording_a_deep_request_answers_it_and_keeps_recording(tmp_path: Path) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _echo)
    cassette = tmp_path / "deep.yaml"
    with recording(app, cassette) as rec:
        first = post_chat(rec.url, chat("first"))
        deep = post_chat(rec.url, content=_deep_raw(), headers={**AUTH, "Content-Type": "application/json"})
        after = post_chat(rec.url, chat("after"))
        assert (first.status_code, deep.status_code, after.status_code) == (200, 200, 200)
        assert deep.json()["answer"] == "fine"
        assert rec.stop() == 0
        assert "Traceback" not in rec.errors
    loaded = load_cassette(cassette).interactions
    assert len(loaded) == 3
    assert loaded[1].request.text is not None and json.loads(loaded[1].request.text) == json.loads(_deep_raw())
    assert loaded[2].request.body["messages"][0]["content"] == "after"


@pytest.mark.parametrize("depth", [400, 900])
def test_a_deep_request_is_matched_and_explained_without_recursing(depth: int) -> None:
    recorded = _item(json.loads(_deep_raw(depth)))
    index = CassetteIndex([recorded])
    assert index.take("POST", "/v1/chat/completions", "", _deep_raw(depth), repeat_last=False) is recorded
    why = index.explain_miss("POST", "/v1/chat/completions", "", _deep_raw(depth, tag="other"))
    assert "interaction #0" in why
