"""The recording proxy's own errors: the real API's envelope, its own 404 words, fresh request ids."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from mockai.server.recorder import make_recorder_app


async def test_paths_outside_v1_are_refused_with_the_proxys_words(tmp_path: Path) -> None:
    app = make_recorder_app("http://127.0.0.1:9/v1", tmp_path / "c.yaml")
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/elsewhere")
        second = await client.get("/elsewhere")
        assert first.status == 404
        body = await first.json()
        assert body["error"]["message"] == "mockai record forwards /v1/... paths only, not /elsewhere"
        assert first.headers["vary"] == "Origin"  # from the front end, as the real API's 404s
        assert "openai-version" not in first.headers
        # Every exchange is new to the proxy: the same request twice gets two request ids.
        assert first.headers["x-request-id"].startswith("req_")
        assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_an_unreachable_upstream_is_a_502_in_the_error_envelope(tmp_path: Path) -> None:
    app = make_recorder_app("http://127.0.0.1:9/v1", tmp_path / "c.yaml")
    async with TestClient(TestServer(app)) as client:
        reply = await client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []})
        assert reply.status == 502
        assert (await reply.json())["error"]["code"] == "upstream_unreachable"
    assert not (tmp_path / "c.yaml").exists()  # nothing was recorded
