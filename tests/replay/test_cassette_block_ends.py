"""A body ending in two or more line breaks (a WebVTT or SRT transcript, a text answer) is recorded
and replayed as it came, and the cassette stays loadable.

A record/replay audit: PyYAML closed such a body's block (``|+``) with the document end marker
``...``; joined between two exchanges, the marker made the whole cassette unloadable, silently
(both clients got their answers), and every later serve or record on it refused to start."""

from __future__ import annotations

from pathlib import Path

import httpx
from aiohttp import web

from mockai.replay.cassette import load_cassette, parse_cassette
from tests.support.clients import AUTH
from tests.support.servers import ServerFactory, recording

TRANSCRIPT = "WEBVTT\n\n00:00.000 --> 00:01.500\nhello there\n\n"


async def _transcribe(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text=TRANSCRIPT, content_type="text/vtt")


def test_bodies_ending_in_blank_lines_are_recorded_and_replayed(tmp_path: Path, server_factory: ServerFactory) -> None:
    app = web.Application()
    app.router.add_post("/v1/audio/transcriptions", _transcribe)
    cassette = tmp_path / "vtt.yaml"
    sent = [{"model": "whisper-1", "n": n, "text": "blank lines\n\n\n"} for n in range(3)]
    with recording(app, cassette) as recorder:
        for body in sent:
            answer = httpx.post(f"{recorder.url}/audio/transcriptions", json=body, headers=AUTH, timeout=30)
            assert answer.status_code == 200 and answer.text == TRANSCRIPT
    assert "\n...\n" not in cassette.read_text()
    recorded = load_cassette(cassette).interactions
    assert [i.response.body.decode() for i in recorded] == [TRANSCRIPT] * 3
    assert [i.request.body for i in recorded] == sent
    replayer = server_factory(cassette=cassette)
    replayed = httpx.post(f"{replayer.base_url}/audio/transcriptions", json=sent[1], headers=AUTH, timeout=30)
    assert replayed.status_code == 200 and replayed.text == TRANSCRIPT


def test_a_cassette_an_earlier_mockai_broke_that_way_loads() -> None:
    broken = (
        b"version: 1\ninteractions:\n"
        b"- request:\n    method: POST\n    path: /v1/x\n  response:\n    status: 200\n    body: |+\n      a\n\n...\n"
        b"- request:\n    method: POST\n    path: /v1/y\n  response:\n    status: 200\n    body: |+\n      b\n\n...\n"
    )
    items = parse_cassette(broken, "old.yaml").interactions
    assert [(i.request.path, i.response.body) for i in items] == [("/v1/x", b"a\n\n"), ("/v1/y", b"b\n\n")]
