"""``mockai record`` as a proxy: streams pass through as they arrive, and the cassette survives
concurrency, gzip, an unreachable upstream and SIGKILL."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from mockai.replay.cassette import load_cassette
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat, sdk
from tests.support.servers import ServerFactory, mockai_process, recording, run_cli, wait_for


def _ask(url: str, text: str, **extra: Any) -> httpx.Response:
    return post_chat(url, chat(text, **extra))


def test_a_stream_reaches_the_client_before_the_upstream_has_finished(tmp_path: Path) -> None:
    client_saw_first = threading.Event()
    upstream_waited: list[bool] = []

    async def slow_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
        await response.prepare(request)
        await response.write(b'data: {"n":1}\n\n')
        # Hold the rest back until the client has seen the first event (a buffering proxy never lets it).
        seen = await asyncio.get_running_loop().run_in_executor(None, client_saw_first.wait, 10)
        upstream_waited.append(seen)
        await response.write(b'data: {"n":2}\n\n')
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", slow_stream)
    cassette = tmp_path / "stream.yaml"
    with recording(app, cassette) as recorder:
        lines: list[str] = []
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        with HTTP.stream("POST", f"{recorder.url}/chat/completions", json=body, headers=AUTH) as response:
            for line in response.iter_lines():
                if line:
                    lines.append(line)
                    client_saw_first.set()
        recorder.stop()
    assert upstream_waited == [True], "the first event did not reach the client while the upstream waited"
    assert lines == ['data: {"n":1}', 'data: {"n":2}', "data: [DONE]"]
    events = load_cassette(cassette).interactions[0].response.events
    assert events is not None
    assert [e for _, e in events] == [b'data: {"n":1}\n\n', b'data: {"n":2}\n\n', b"data: [DONE]\n\n"]
    offsets = [t for t, _ in events]
    assert offsets == sorted(offsets)


def test_gzip_from_upstream_is_recorded_decoded_and_replays(tmp_path: Path, server_factory: ServerFactory) -> None:
    payload = json.dumps({"object": "list", "data": []}, indent=2).encode()

    async def gzipped(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(payload),
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "x-request-id": "req_gz",
            },
        )

    app = web.Application()
    app.router.add_get("/v1/models", gzipped)
    cassette = tmp_path / "gzip.yaml"
    with recording(app, cassette) as recorder:
        through = HTTP.get(f"{recorder.url}/models", headers=AUTH)
        recorder.stop()
    assert through.status_code == 200 and through.content == payload
    recorded = load_cassette(cassette).interactions[0].response
    assert recorded.body == payload
    assert "content-encoding" not in dict(recorded.headers)
    replayer = server_factory(cassette=cassette)
    replayed = HTTP.get(f"{replayer.base_url}/models", headers=AUTH)
    assert replayed.content == payload and replayed.headers["x-request-id"] == "req_gz"


def test_unreachable_upstream_is_a_502_in_the_api_envelope(tmp_path: Path) -> None:
    openai = pytest.importorskip("openai")
    with mockai_process(
        "record", "--upstream", "http://127.0.0.1:9/v1", "--cassette", str(tmp_path / "none.yaml"), "--port", "0"
    ) as recorder:
        client = sdk(recorder.url, strict=False)
        with pytest.raises(openai.InternalServerError) as caught:
            client.models.list()
        wrong_path = HTTP.get(recorder.url.removesuffix("/v1") + "/health", headers=AUTH)
        recorder.stop()
    assert caught.value.status_code == 502
    assert "could not reach the upstream API at http://127.0.0.1:9/v1" in caught.value.message
    assert caught.value.code == "upstream_unreachable"
    assert wrong_path.status_code == 404 and "/v1/" in wrong_path.json()["error"]["message"]
    assert not (tmp_path / "none.yaml").exists()


def test_concurrent_exchanges_are_all_recorded(tmp_path: Path, server_factory: ServerFactory) -> None:
    upstream = server_factory()
    cassette = tmp_path / "burst.yaml"
    texts = [f"question number {i}" for i in range(24)]
    with mockai_process(
        "record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0"
    ) as recorder:
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(lambda t: _ask(recorder.url, t, stream=t.endswith("3")).status_code, texts))
        assert recorder.stop() == 0
    assert statuses == [200] * len(texts)
    recorded = load_cassette(cassette).interactions
    assert sorted(i.request.body["messages"][0]["content"] for i in recorded) == sorted(texts)


def test_sigkill_during_a_burst_leaves_a_cassette_that_loads(tmp_path: Path, server_factory: ServerFactory) -> None:
    upstream = server_factory()
    cassette = tmp_path / "killed.yaml"
    kept = 0
    for round_ in range(2):  # each round appends to what the killed one left: nothing is lost
        with mockai_process(
            "record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0"
        ) as recorder:
            stop = threading.Event()

            def burst(worker: int, url: str = recorder.url, round_: int = round_, stop: threading.Event = stop) -> None:
                for n in range(200):
                    if stop.is_set():
                        return
                    try:
                        _ask(url, f"round {round_} worker {worker} request {n}", stream=n % 2 == 0)
                    except httpx.HTTPError:
                        return

            with ThreadPoolExecutor(8) as pool:
                for worker in range(8):
                    pool.submit(burst, worker)
                before = kept
                wait_for(
                    lambda b=before: cassette.exists() and cassette.read_bytes().count(b"\n- request:") >= b + 5,
                    "exchanges on disk",
                )
                recorder.kill()
                stop.set()
        loaded = load_cassette(cassette).interactions
        assert len(loaded) >= kept + 5
        kept = len(loaded)


def test_an_unreadable_cassette_is_never_overwritten(tmp_path: Path) -> None:
    cassette = tmp_path / "broken.yaml"
    cassette.write_text("version: 1\ninteractions: [ {request: \n")
    result = run_cli(
        "record", "--upstream", "http://127.0.0.1:9/v1", "--cassette", str(cassette), "--port", "0", timeout=30
    )
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert cassette.read_text() == "version: 1\ninteractions: [ {request: \n"


def test_an_upstream_that_is_not_a_url_is_refused_at_start(tmp_path: Path) -> None:
    result = run_cli(
        "record", "--upstream", "api.openai.com", "--cassette", str(tmp_path / "c.yaml"), "--port", "0", timeout=30
    )
    assert result.returncode == 2
    assert "the upstream must be an http:// or https:// URL, not 'api.openai.com'" in result.stderr
