"""No body gives a 5xx or a logged error on the endpoints around ``/v1/responses``: conversations
(create, items added), ``/v1/responses/compact`` and ``/v1/responses/input_tokens``; valid bodies
with one node replaced by a hostile value, and raw bytes.  Bounded and derandomized, against one
server in memory and one with a ``--store-path`` file.  (A hypothesis test over the SDK's item
types found a 500 in conversation items this way: an integer past 64 bits.)"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.server.test_fuzz_no_5xx import FUZZ, _encode, _mutate, _Tracebacks, hostile
from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server

ITEMS = [
    {"role": "user", "content": "Remember 7."},
    {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Noted."}]},
    {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "c1", "output": "done"},
]
BODIES: dict[str, dict[str, Any]] = {
    "conversations": {"metadata": {"topic": "demo"}, "items": ITEMS},
    "items": {"items": ITEMS},
    "responses/compact": {"model": "gpt-5.2", "input": ITEMS, "instructions": "Be brief."},
    "responses/input_tokens": {"model": "gpt-4o", "input": ITEMS, "tools": [{"type": "function", "name": "f"}]},
}


@pytest.fixture(scope="module", params=["memory", "store file"])
def watched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    handler = _Tracebacks()
    root = logging.getLogger()
    root.addHandler(handler)
    store: Path | None = tmp_path_factory.mktemp("fuzz") / "s.db" if request.param == "store file" else None
    try:
        with running_server(store_path=store) as server:
            made = HTTP.post(f"{server.base_url}/conversations", json={}, headers=AUTH).json()
            yield server, handler, made["id"]
    finally:
        root.removeHandler(handler)


def _check(watched: tuple[ServerThread, _Tracebacks, str], endpoint: str, content: bytes) -> None:
    server, handler, conversation = watched
    path = f"conversations/{conversation}/items" if endpoint == "items" else endpoint
    before = len(handler.records)
    status = HTTP.post(
        f"{server.base_url}/{path}", content=content, headers={**AUTH, "Content-Type": "application/json"}
    ).status_code
    assert status < 500, f"{status} on {path} for {content[:300]!r}"
    logged = handler.records[before:]
    assert not logged, f"the server logged {logged[0].getMessage()!r} on {path} for {content[:300]!r}"


@FUZZ
@given(endpoint=st.sampled_from(sorted(BODIES)), path=st.lists(st.integers(0, 50), max_size=6), value=hostile)
def test_mutated_bodies_get_no_5xx(watched: Any, endpoint: str, path: list[int], value: Any) -> None:
    _check(watched, endpoint, _encode(_mutate(BODIES[endpoint], path, value)))


@FUZZ
@given(endpoint=st.sampled_from(sorted(BODIES)), raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_raw_bytes_get_no_5xx(watched: Any, endpoint: str, raw: bytes) -> None:
    _check(watched, endpoint, raw)


def test_the_bodies_themselves_are_answered(watched: Any) -> None:
    server, _, conversation = watched
    for endpoint, body in BODIES.items():
        path = f"conversations/{conversation}/items" if endpoint == "items" else endpoint
        assert HTTP.post(f"{server.base_url}/{path}", json=body, headers=AUTH).status_code == 200, endpoint
