"""No /v1/completions body gives a 5xx, and a valid one's stream tells its JSON answer: bodies near
the valid ones, mutated and hostile values, against one real server (bounded, derandomized)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
HOSTILE: list[Any] = ["\ud800", "\x00", "", " ", -1, 2**70, 1.5, None, True, [], {}, [[]], [None], "x" * 5000]
_VALUES = st.one_of(st.sampled_from(HOSTILE), st.integers(-3, 8), st.text(max_size=12))
_PROMPTS = st.one_of(
    st.text(max_size=40),
    st.lists(st.text(max_size=20), max_size=3),
    st.lists(st.integers(0, 100_000), min_size=1, max_size=5),
    st.lists(st.lists(st.integers(0, 100_000), min_size=1, max_size=3), min_size=1, max_size=3),
    st.sampled_from(HOSTILE),
)
_BODIES = st.fixed_dictionaries(
    {"model": st.sampled_from(["gpt-3.5-turbo-instruct", "davinci-002", "babbage-002", "gpt-4o", "x"])},
    optional={
        "prompt": _PROMPTS,
        "max_tokens": st.one_of(st.integers(-1, 60), st.sampled_from(HOSTILE)),
        "n": st.one_of(st.integers(0, 4), _VALUES),
        "best_of": st.one_of(st.integers(0, 5), _VALUES),
        "logprobs": st.one_of(st.integers(-1, 6), _VALUES),
        "echo": st.one_of(st.booleans(), _VALUES),
        "stop": st.one_of(st.text(max_size=3), st.lists(st.text(max_size=3), max_size=5), _VALUES),
        "suffix": _VALUES,
        "temperature": st.one_of(st.floats(-1, 3), _VALUES),
        "top_p": _VALUES,
        "seed": _VALUES,
        "user": _VALUES,
        "logit_bias": st.one_of(st.dictionaries(st.text(max_size=4), st.integers(-200, 200), max_size=2), _VALUES),
        "stream_options": st.one_of(st.just({"include_usage": True}), _VALUES),
        "unknown": _VALUES,
    },
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server() as running:
        yield running


def _post(server: ServerThread, body: Any) -> Any:
    return HTTP.post(
        f"{server.base_url}/completions",
        content=json.dumps(body).encode(),
        headers={**AUTH, "content-type": "application/json"},
    )


@FUZZ
@given(body=_BODIES)
def test_no_body_gives_a_5xx_and_the_stream_tells_the_json(server: ServerThread, body: dict[str, Any]) -> None:
    body.pop("stream", None)
    plain = _post(server, body)
    assert plain.status_code < 500, plain.text
    streamed = _post(server, {**body, "stream": True})
    assert streamed.status_code < 500, streamed.text
    if plain.status_code != 200:
        return
    answer = plain.json()
    assert streamed.status_code == 200
    texts: dict[int, str] = {}
    for event in streamed.text.split("\n\n")[:-2]:
        for choice in json.loads(event.removeprefix("data: "))["choices"]:
            texts[choice["index"]] = texts.get(choice["index"], "") + choice["text"]
    assert texts == {choice["index"]: choice["text"] for choice in answer["choices"]}


@pytest.mark.parametrize("raw", [b"[]", b'"hi"', b"3", b"{", b"null", b'{"model": "gpt-3.5-turbo-instruct"}'])
def test_bodies_that_are_not_requests(server: ServerThread, raw: bytes) -> None:
    response = HTTP.post(
        f"{server.base_url}/completions", content=raw, headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
