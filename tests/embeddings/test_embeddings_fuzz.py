"""No embeddings or moderations input gives a 5xx: bodies near the valid ones, mutated values and
hostile ones, against one real server.  Bounded in count, deterministic (derandomized)."""

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

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
HOSTILE: list[Any] = [
    "\ud800",
    "\x00",
    "",
    " ",
    "x" * 50_000,
    -1,
    2**70,
    1.5,
    None,
    True,
    [],
    {},
    [[]],
    [[-1]],
    [2**40],
]

texts = st.text(max_size=80) | st.sampled_from(["\x00a", "İstanbul", "a\u0301", "🙂🙂", "\t\n"])
token_ids = st.lists(st.integers(min_value=-3, max_value=2**33), max_size=8)
inputs = (
    texts
    | st.lists(texts, max_size=6)
    | token_ids
    | st.lists(token_ids, max_size=4)
    | st.sampled_from(HOSTILE)
    | st.lists(st.sampled_from(HOSTILE), max_size=3)
)
moderation_parts = st.lists(
    st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "video"])})
    | st.fixed_dictionaries({"type": st.just("text"), "text": texts})
    | st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": texts})}),
    max_size=3,
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server() as server:
        yield server


def _post(server: ServerThread, path: str, body: Any) -> None:
    # ASCII JSON: a lone surrogate is sent as its \ud800 escape, which the server must refuse.
    content = json.dumps(body).encode()
    response = HTTP.post(
        f"{server.base_url}/{path}", content=content, headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text


@FUZZ
@given(
    st.fixed_dictionaries(
        {"input": inputs},
        optional={
            "model": st.sampled_from(
                ["text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "x"]
            )
            | st.sampled_from(HOSTILE),
            "dimensions": st.integers(min_value=-2, max_value=4000) | st.sampled_from(HOSTILE),
            "encoding_format": st.sampled_from(["float", "base64", "int8"]) | st.sampled_from(HOSTILE),
            "user": texts | st.sampled_from(HOSTILE),
        },
    )
)
def test_embeddings_never_5xx(server: ServerThread, body: dict[str, Any]) -> None:
    _post(server, "embeddings", body)


@FUZZ
@given(
    st.fixed_dictionaries(
        {"input": inputs | moderation_parts},
        optional={
            "model": st.sampled_from(["omni-moderation-latest", "text-moderation-latest", "x"])
            | st.sampled_from(HOSTILE)
        },
    )
)
def test_moderations_never_5xx(server: ServerThread, body: dict[str, Any]) -> None:
    _post(server, "moderations", body)


@pytest.mark.parametrize("path", ["embeddings", "moderations"])
@pytest.mark.parametrize(
    "body", [None, [], "text", 3, {"input": "x", "model": "text-embedding-3-small", "extra": {"a": [1]}}]
)
def test_bodies_that_are_not_requests(server: ServerThread, path: str, body: Any) -> None:
    _post(server, path, body)
