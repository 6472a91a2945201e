"""What requests alike but for their input share (their echo, and the body it lays out) gives
exactly the bytes rendering each one afresh gives: whatever the parameters, floats that orjson
writes unlike Python among them, and from the first request of an echo to the later ones."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core.config import ServerConfig
from mockai.core.plan import PlannedReply
from mockai.responses.echo import UNECHOED, request_echo
from mockai.responses.planner import response_plan
from mockai.responses.render_json import render_response
from mockai.responses.reply_writer import ResponseMemos, planned_response
from mockai.responses.surface import request_view
from mockai.server.state import ServerState
from tests.responses.test_properties import requests

_STATE = ServerState(ServerConfig())
# Floats orjson writes unlike Python (0.00001 for 1e-05, 1e-7 for 1e-07) and like it.
_FLOATS = st.sampled_from([0.0, 0.5, 1.0, 1e-05, 2.5e-07, 0.0001, 1e16])


@st.composite
def alike_requests(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few requests with the same parameters and different inputs."""
    body = draw(requests())
    if draw(st.booleans()) and body["model"] in ("gpt-4o-mini", "gpt-4.1"):
        body["temperature"] = draw(_FLOATS)
        body["include"] = ["message.output_text.logprobs"]  # (floats in the output, many below 1e-4)
        body["top_logprobs"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        minimum = draw(_FLOATS)
        schema = {"type": "object", "properties": {"x": {"type": "number", "minimum": minimum}}}
        body["tools"] = [{"type": "function", "name": "f", "parameters": schema, "strict": False}]
    if draw(st.booleans()):
        body["metadata"] = {"note": draw(st.sampled_from(["e-mail", "0.00001", "plain"]))}
    inputs = draw(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=4, unique=True))
    return [{**body, "input": text} for text in inputs]


def _plan(body: dict[str, Any]) -> Any:
    return _STATE.planner.seeded(request_view(body, _STATE.responses, _STATE.conversations, check_rules=False))


@settings(max_examples=60, deadline=None)
@given(bodies=alike_requests())
def test_memoised_echoes_and_layouts_render_the_same_bytes(bodies: list[dict[str, Any]]) -> None:
    memos = ResponseMemos()
    for _ in range(2):  # (each memo keeps what it sees a second time)
        for body in bodies:
            plan = _plan(body)
            fresh = response_plan(plan, body)
            shared = response_plan(plan, body, memos.echoes)
            assert shared == fresh
            assert render_response(shared, layouts=memos.layouts) == render_response(fresh)
    assert len(memos.echoes) == 1 and len(memos.layouts) == 1  # all alike: one of each


@settings(max_examples=30, deadline=None)
@given(body=requests(), stream=st.booleans())
def test_the_echo_does_not_read_what_it_is_not_keyed_by(body: dict[str, Any], stream: bool) -> None:
    others = {"stream": stream, "stream_options": {"include_obfuscation": False}, "include": ["x"]}
    assert set(others) | {"input"} == set(UNECHOED)
    without = {key: value for key, value in body.items() if key not in UNECHOED}
    assert request_echo({**body, **others}, "default") == request_echo(without, "default")


def test_a_stream_kept_nowhere_renders_no_body_and_a_later_request_of_its_plan_gets_one() -> None:
    memos = ResponseMemos()
    body = {"model": "gpt-4o-mini", "input": "Tell me a story.", "store": False}
    reply = PlannedReply(_plan(body))
    for _ in range(2):  # (the plans memo keeps what it sees a second time)
        streamed = planned_response(reply, {**body, "stream": True}, _STATE.responses, memos, 1)
        assert streamed.payload == b""  # nobody reads it: not stored, not a JSON answer
    expected = render_response(response_plan(reply.plan, body))
    assert planned_response(reply, body, _STATE.responses, memos, 2).payload == expected
    assert planned_response(reply, {**body, "stream": True, "store": True}, _STATE.responses, memos, 3).payload
