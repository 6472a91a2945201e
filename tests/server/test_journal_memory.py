"""The journal keeps what it shows, within its byte budget, and nothing else of a request: not the
frames of a refused one (an exception's traceback holds its body, read and parsed), not the body
or the rendered bytes of a Response.  A fuzzing audit found a server at 559 MB after 60 refused
4 MB requests (+8 MB each, up to the 1,000 entries kept) and at 1.2 GB after 28 Responses of
120,000 input items."""

from __future__ import annotations

import gc
import types

from mockai.responses.surface import Answer
from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.servers import ServerFactory


def _live_frames(name: str) -> list[types.FrameType]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, types.FrameType) and o.f_code.co_name == name]


def _live(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_a_refused_request_leaves_nothing_of_itself_in_the_journal(server_factory: ServerFactory) -> None:
    server: ServerThread = server_factory()
    text = "lorem ipsum " * 20_000
    for n in (-1, 0, 200):  # out of range: refused after its body was read and parsed
        body = {"model": "gpt-4o-mini", "n": n, "messages": [{"role": "user", "content": text}]}
        assert HTTP.post(f"{server.base_url}/chat/completions", json=body, headers=AUTH).status_code == 400
    body = {"model": "gpt-4o", "input": text, "temperature": -1}
    assert HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH).status_code == 400
    assert _live_frames("_read") == []
    entries = list(server.state.journal)
    assert [e.status for e in entries] == [400, 400, 400, 400]
    assert entries[0].response == {
        "error": {
            "message": "Invalid 'n': integer below minimum value. Expected a value >= 1, but got -1 instead.",
            "type": "invalid_request_error",
            "param": "n",
            "code": "integer_below_min_value",
        }
    }


def test_a_response_is_journaled_without_its_request_or_its_bytes(server_factory: ServerFactory) -> None:
    server: ServerThread = server_factory()
    items = [{"role": "user", "content": f"hi {i}"} for i in range(2_000)]
    for stream in (False, True):
        body = {"model": "gpt-4o-mini", "input": items, "store": False, "stream": stream}
        assert HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH).status_code == 200
    assert _live(Answer) == 0
    shown = [e.response for e in server.state.journal]
    assert all(r is not None and r["object"] == "response" and r["status"] == "completed" for r in shown)
