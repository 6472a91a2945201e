"""An answer the upstream dropped midway (a stream cut off, a body shorter than announced) reaches
the client as far as it came and is not recorded: replaying it would turn a failure into a 200."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from aiohttp import web

from mockai.replay.cassette import load_cassette
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.servers import recording


async def _upstream(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    content = body["messages"][0]["content"]
    if content == "cut stream":
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
        await response.prepare(request)
        await response.write(b'data: {"n":1}\n\n')
        await asyncio.sleep(0)  # let the first event leave before the connection is cut
        await response.write(b'data: {"n":2}\n\n')
        assert request.transport is not None
        request.transport.abort()
        return response
    if content == "cut body":
        response = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "100"})
        await response.prepare(request)
        await response.write(b'{"object": "chat.completion"')
        assert request.transport is not None
        request.transport.abort()
        return response
    return web.json_response({"object": "chat.completion", "answer": content})


def test_an_answer_dropped_midway_is_not_recorded(tmp_path: Path) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _upstream)
    cassette = tmp_path / "c.yaml"
    with recording(app, cassette) as rec:
        assert post_chat(rec.url, chat("before")).status_code == 200
        for what in ("cut stream", "cut body"):
            try:
                response = HTTP.post(f"{rec.url}/chat/completions", json=chat(what, stream=True), headers=AUTH)
            except httpx.HTTPError:
                continue  # the client saw the answer break off: as it should
            raise AssertionError(f"{what}: the client got a whole answer: {response.status_code} {response.content!r}")
        assert post_chat(rec.url, chat("after")).json()["answer"] == "after"
        assert rec.stop() == 0
        assert "not recorded" in rec.errors
        assert "Traceback" not in rec.errors
    contents = [json.dumps(i.request.body) for i in load_cassette(cassette).interactions]
    assert len(contents) == 2 and "before" in contents[0] and "after" in contents[1]
