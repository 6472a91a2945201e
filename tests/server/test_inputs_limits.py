"""Embeddings and moderations: what bounds a request's work, and the refusals at those bounds.

Token ids beyond 32 bits and more than 2,048 inputs to moderate are refused with the
``'$.input' is invalid`` 400 (not a 500, not minutes of work); an omni model's second image is the
real ``too_many_images`` 400; and a request that takes long to answer is answered off the event
loop, so a small request sent meanwhile does not wait for it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP


def _post(server: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    return HTTP.post(f"{server.base_url}/{path}", json=body, headers=AUTH, timeout=60)


def _input_refusal(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["message"].startswith("'$.input' is invalid.")
    assert error["type"] == "invalid_request_error" and error["param"] is None and error["code"] is None


@pytest.mark.parametrize("token", [2**32, 2**64, 10**20])
def test_a_token_id_beyond_32_bits_is_refused_not_a_500(module_server: ServerThread, token: int) -> None:
    for value in ([token], [[token]], [[1, 2], [3, token]]):
        _input_refusal(_post(module_server, "embeddings", {"model": "text-embedding-3-small", "input": value}))


def test_the_largest_token_id_accepted(module_server: ServerThread) -> None:
    answer = _post(
        module_server, "embeddings", {"model": "text-embedding-3-small", "input": [[2**32 - 1, 0]], "dimensions": 8}
    )
    assert answer.status_code == 200 and len(answer.json()["data"]) == 1


def test_more_than_2048_inputs_to_moderate_are_refused(module_server: ServerThread) -> None:
    _input_refusal(_post(module_server, "moderations", {"input": [""] * 2049}))
    answer = _post(module_server, "moderations", {"input": ["hello"] * 3})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 3


def test_an_omni_model_takes_one_image(module_server: ServerThread) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    one = _post(module_server, "moderations", {"model": "omni-moderation-latest", "input": [image]})
    assert one.status_code == 200, one.text
    two = _post(
        module_server,
        "moderations",
        {"model": "omni-moderation-latest", "input": [image, {"type": "text", "text": "hi"}, image]},
    )
    assert two.status_code == 400
    assert two.json()["error"] == {
        "message": "Number of images (2) exceeds maximum of 1",
        "type": "invalid_request_error",
        "param": "input",
        "code": "too_many_images",
    }


def test_a_long_answer_does_not_hold_up_a_small_request(fresh: ServerThread) -> None:
    """2,048 texts at 3,072 dimensions (about half a second of work, from a 30 KB body) are answered
    off the loop: a models list asked meanwhile takes a small part of that time, where on the loop
    it would wait for most of it."""
    big = {"model": "text-embedding-3-large", "input": [f"t{i}" for i in range(2048)], "encoding_format": "base64"}
    finished: list[float] = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: (_post(fresh, "embeddings", big), finished.append(time.monotonic())))
    worker.start()
    deadline = time.monotonic() + 30
    while fresh.server.state.seq == 0 and time.monotonic() < deadline:  # poll: the big one is in
        time.sleep(0.002)
    asked = time.monotonic()
    small = HTTP.get(f"{fresh.base_url}/models", headers=AUTH, timeout=30)
    waited = time.monotonic() - asked
    worker.join(60)
    assert small.status_code == 200 and finished
    assert waited < 0.5 * (finished[0] - started), (waited, finished[0] - started)


LARGE_BODIES = {  # about 8 MB each: a second or so of token counting, ending in the real 400
    "chat/completions": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "word " * 1_600_000}]},
    "responses": {"model": "gpt-4o-mini", "input": "word " * 1_600_000},
    # (texts all different: the counts of a text seen again are remembered, mockai.generate.tokenizer)
    "embeddings": {"model": "text-embedding-3-small", "input": [f"text {i}: " + "word " * 4000 for i in range(400)]},
}


def _while_sent(server: Any, path: str, body: dict[str, Any]) -> tuple[httpx.Response, list[float], float]:
    """``body`` sent to ``path`` from another thread, a models list asked again and again while it
    runs: its answer, how long each models list waited, and how long it took in all."""
    return _while_done(server, lambda: _post(server, path, body))


@pytest.mark.parametrize("path", sorted(LARGE_BODIES))
def test_megabytes_of_prompt_do_not_hold_up_small_requests(fresh: ServerThread, path: str) -> None:
    """A large body is validated (its tokens counted) in a worker thread, the counting a piece of
    text at a time: small requests sent meanwhile are answered within a small part of the large
    one's time.  Before, the loop counted the whole prompt in one call, and every request sent
    meanwhile waited for most of it."""
    answer, waits, took = _while_sent(fresh, path, LARGE_BODIES[path])
    assert answer.status_code == 400, answer.text  # (over the context, or the request's token limit)
    assert len(waits) >= 3 and max(waits) < 0.5 * took, (max(waits), took, len(waits))


def test_a_long_conversation_continued_does_not_hold_up_small_requests(served: Any) -> None:
    """A Response of 60,000 input items (a list: its view once read the store on the loop), then
    a one-word turn continuing it (which reads it all back): small requests sent meanwhile are
    answered within a small part of each one's time.  Before, each held the loop for all of it
    (a fuzzing audit: 0.8 s, then 2.4 to 3 s, for 120,000 items)."""
    items = [{"role": "user", "content": f"hi {i}"} for i in range(60_000)]
    first = _post(served, "responses", {"model": "gpt-4.1", "input": items})
    assert first.status_code == 200, first.text
    bodies = [
        {"model": "gpt-4.1", "input": [*items, {"role": "user", "content": "and one more"}], "store": False},
        {"model": "gpt-4.1", "input": "turn", "previous_response_id": first.json()["id"], "store": False},
    ]
    for body in bodies:
        answer, waits, took = _while_sent(served, "responses", body)
        assert answer.status_code == 200, answer.text
        # (0.6: the parse of the 3 MB list, one call on the loop, is up to half of its time on a
        # busy machine; before, the loop was held for 0.75-0.9 of it)
        assert len(waits) >= 3 and max(waits) < 0.6 * took, (max(waits), took, len(waits))


_LONG = {"type": "object", "properties": {"a": {"type": "string", "minLength": 30_000}}, "required": ["a"]}
LOGPROBS_BODIES = {  # an answer of tens of megabytes: 30,000 characters, each token with 20 alternatives
    "chat/completions": {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello there"}],
        "logprobs": True,
        "top_logprobs": 20,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": False, "schema": _LONG}},
    },
    "responses": {
        "model": "gpt-4o-mini",
        "input": "hello",
        "top_logprobs": 20,
        "include": ["message.output_text.logprobs"],
        "store": False,
        "text": {"format": {"type": "json_schema", "name": "x", "strict": False, "schema": _LONG}},
    },
}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("path", sorted(LOGPROBS_BODIES))
def test_an_answer_of_megabytes_of_logprobs_does_not_hold_up_small_requests(
    served: Any, path: str, stream: bool
) -> None:
    """Its drawing and its rendering are done in worker threads, and the journal cuts it down when
    it is read, not when it is kept: before, each held the loop (a fuzzing audit: 3-5 s for 90 MB),
    the journal's copy most of it."""
    admin = served.base_url.removesuffix("/v1") + "/_mockai"
    assert HTTP.post(f"{admin}/reset", timeout=10).status_code == 200
    answer, waits, took = _while_sent(served, path, {**LOGPROBS_BODIES[path], "stream": stream})
    assert answer.status_code == 200 and len(answer.content) > 5_000_000
    assert len(waits) >= 3 and max(waits) < 0.5 * took, (max(waits), took, len(waits))
    [entry] = [e for e in HTTP.get(f"{admin}/requests", timeout=30).json()["data"] if e["path"].endswith(path)]
    shown = json.dumps(entry["response"])
    assert 0 < len(shown) < 3_000_000  # (cut down to its budget when read)


def test_a_body_under_a_mib_of_many_items_does_not_hold_up_small_requests(fresh: ServerThread) -> None:
    """An audit measured a Responses input of 20,000 items just under 1 MiB holding the loop
    264 ms: bodies were read in a worker thread from 1 MiB on, and its validation and view (not its
    JSON parse) are most of its time."""
    items = [{"role": "user", "content": f"m{i}"} for i in range(20_000)]
    body = {"model": "gpt-4.1-mini", "input": items, "store": False, "max_output_tokens": 16}
    assert len(json.dumps(body)) < 1 << 20
    answer, waits, took = _while_sent(fresh, "responses", body)
    assert answer.status_code == 200, answer.text
    assert len(waits) >= 3 and max(waits) < 0.6 * took, (max(waits), took, len(waits))


def _requested(method: str, url: str, body: bytes | None = None) -> Callable[[], httpx.Response]:
    return lambda: HTTP.request(
        method, url, content=body, headers={**AUTH, "Content-Type": "application/json"}, timeout=120
    )


def _while_done(server: Any, send: Callable[[], httpx.Response]) -> tuple[httpx.Response, list[float], float]:
    """``send()`` from another thread, a models list asked again and again while it runs."""
    outcome: list[httpx.Response] = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: outcome.append(send()))
    worker.start()
    waits: list[float] = []
    while worker.is_alive():
        asked = time.monotonic()
        assert HTTP.get(f"{server.base_url}/models", headers=AUTH, timeout=30).status_code == 200
        waits.append(time.monotonic() - asked)
    worker.join()
    assert outcome, "the request got no answer"
    return outcome[0], waits, time.monotonic() - started


def test_adding_megabytes_of_conversation_items_does_not_hold_up_small_requests(served: Any) -> None:
    """A hostile audit: 20 items of 45,000 parts (33 MB) added to a conversation held every other
    request 6.5 s; they are now checked, kept and answered in a worker thread (their JSON is still
    parsed on the loop, in one call: about a tenth of the time)."""
    made = HTTP.post(f"{served.base_url}/conversations", json={}, headers=AUTH, timeout=30).json()
    parts = [{"type": "input_text", "text": "x"}] * 20_000
    body = json.dumps({"items": [{"role": "user", "content": parts} for _ in range(20)]}).encode()
    url = f"{served.base_url}/conversations/{made['id']}/items"
    answer, waits, took = _while_done(served, _requested("POST", url, body))
    assert answer.status_code == 200 and len(answer.json()["data"]) == 20
    assert len(waits) >= 3 and max(waits) < 0.5 * took, (max(waits), took, len(waits))


def test_reading_a_full_journal_does_not_hold_up_small_requests(served: Any) -> None:
    """A hostile audit: ``GET /_mockai/requests`` over 1,000 requests of 63 KB bodies (64 MB of
    indented JSON) held every other request 4.8 s; the entries are now read and written in a
    worker thread."""
    messages = [{"role": "user", "content": f"w{i} " * 3} for i in range(1300)]
    for i in range(300):
        body = {"model": "gpt-4o-mini", "messages": messages, "max_tokens": 1, "user": f"u{i}"}
        assert HTTP.post(f"{served.base_url}/chat/completions", json=body, headers=AUTH, timeout=30).status_code == 200
    admin = served.base_url.removesuffix("/v1") + "/_mockai/requests"
    answer, waits, took = _while_done(served, _requested("GET", admin))
    assert answer.status_code == 200 and len(answer.json()["data"]) >= 300
    assert len(waits) >= 3 and max(waits) < 0.5 * took, (max(waits), took, len(waits))
