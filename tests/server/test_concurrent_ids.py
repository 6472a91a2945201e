"""Requests answered at the same time never share an id, whatever work goes to worker threads: a
stored answer's id is checked free and taken on the event loop, with no await before it is stored.
An audit found both broken once planning and a Response's rendering moved to threads: three
streamed Responses heavy with logprobs stored under one id, and identical ``store: true`` chat
requests with ``top_logprobs`` given one id (one stored)."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace
from typing import Any

import httpx

from tests.support.clients import AUTH, HTTP
from tests.support.servers import ServerFactory, mockai_process

_LONG = {"type": "object", "properties": {"a": {"type": "string", "minLength": 9000}}, "required": ["a"]}
# A streamed Response heavy with logprobs: settled in a worker thread.
_HEAVY_STREAM = {
    "model": "gpt-4o",
    "input": "hello",
    "stream": True,
    "include": ["message.output_text.logprobs"],
    "top_logprobs": 20,
    "text": {"format": {"type": "json_schema", "name": "x", "strict": False, "schema": _LONG}},
}


def _at_once(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    answers: dict[int, httpx.Response] = {}
    start = threading.Barrier(len(bodies))

    def send(i: int) -> None:
        start.wait()
        answers[i] = HTTP.post(url, json=bodies[i], headers=AUTH, timeout=120)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [answers[i] for i in range(len(bodies))]


def test_streamed_responses_heavy_with_logprobs_each_get_their_own_stored_id(server_factory: ServerFactory) -> None:
    server = server_factory(store_bytes=1 << 30)
    body = _HEAVY_STREAM
    answers = _at_once(f"{server.base_url}/responses", [{**body, "metadata": {"who": str(k)}} for k in range(3)])
    ids = []
    for answer in answers:
        [completed] = [
            json.loads(line[6:])["response"]
            for line in answer.text.splitlines()
            if line.startswith("data: ") and '"response.completed"' in line
        ]
        ids.append(completed["id"])
    assert len(set(ids)) == 3
    for k, response_id in enumerate(ids):
        stored = HTTP.get(f"{server.base_url}/responses/{response_id}", headers=AUTH).json()
        assert stored["metadata"] == {"who": str(k)}


def test_identical_stored_chat_requests_with_top_logprobs_each_get_their_own_id(server_factory: ServerFactory) -> None:
    server = server_factory()
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello"}],
        "store": True,
        "logprobs": True,
        "top_logprobs": 5,
    }
    answers = _at_once(f"{server.base_url}/chat/completions", [body] * 6)
    ids = {answer.json()["id"] for answer in answers}
    assert len(ids) == 6
    listed = HTTP.get(f"{server.base_url}/chat/completions", params={"limit": 100}, headers=AUTH).json()
    assert {c["id"] for c in listed["data"]} == ids


def test_a_stored_response_does_not_wait_for_a_heavy_one_being_settled() -> None:
    """The id of a Response settled in a worker thread is claimed, not held under a lock while it
    is rendered: before, a small stored Response asked meanwhile blocked the event loop (and every
    request with it) until the heavy one's events were rendered.  (Against a ``mockai serve`` of its
    own: in a pytest worker, a full garbage collection walks what earlier tests left while the
    in-process server's loop waits.)"""
    with mockai_process("serve", "--port", "0", "--quiet", "--store-bytes", str(1 << 30)) as process:
        _settled_meanwhile(SimpleNamespace(base_url=process.url))


def _settled_meanwhile(server: Any) -> None:
    heavy = _HEAVY_STREAM
    done: list[float] = []
    started = time.monotonic()
    worker = threading.Thread(
        target=lambda: (
            HTTP.post(f"{server.base_url}/responses", json=heavy, headers=AUTH, timeout=120),
            done.append(time.monotonic()),
        )
    )
    worker.start()
    waits: list[float] = []
    while worker.is_alive():
        asked = time.monotonic()
        small = {"model": "gpt-4o-mini", "input": f"hi {len(waits)}", "store": True}
        assert HTTP.post(f"{server.base_url}/responses", json=small, headers=AUTH, timeout=60).status_code == 200
        waits.append(time.monotonic() - asked)
    worker.join()
    took = done[0] - started
    assert len(waits) >= 3 and max(waits) < 0.5 * took, (max(waits), took, len(waits))
