"""The Responses API's WebSocket mode (``client.responses.connect()``): each ``response.create`` is
answered by the events ``POST /v1/responses`` streams for the same body, one JSON text message
each; refusals are ``error`` events carrying the POST's error object; the key is checked at the
handshake with the POST's 401; the journal and scenario rules see each create as a POST."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockai.scenarios.file_format import load_text
from mockai.server.runner import ServerThread
from tests.support.clients import API_KEY, AUTH, HTTP, async_sdk, client_for, sdk
from tests.support.servers import ServerFactory, wait_for

pytest.importorskip("websockets")  # (the SDK's connect() needs openai[realtime])

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
_DONE = ("response.completed", "response.incomplete", "response.failed", "error")


def _until_done(connection: Any) -> list[Any]:
    """The events of one response, up to its terminal event (or an error)."""
    events = []
    for event in connection:
        events.append(event)
        if event.type in _DONE:
            return events
    raise AssertionError(f"the connection closed after {[e.type for e in events]}")


def _raw_until_done(connection: Any) -> list[bytes]:
    messages = []
    while True:
        message = connection.recv_bytes()
        messages.append(message)
        if json.loads(message)["type"] in _DONE:
            return messages


def _sse_payloads(base_url: str, body: dict[str, Any]) -> list[bytes]:
    answer = HTTP.post(f"{base_url}/responses", json={**body, "stream": True}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return [line[6:] for line in answer.content.split(b"\n") if line.startswith(b"data: ")]


def _journal(server: ServerThread, count: int) -> list[dict[str, Any]]:
    def entries() -> list[dict[str, Any]] | None:
        data: list[dict[str, Any]] = HTTP.get(server.base_url.removesuffix("/v1") + "/_mockai/requests").json()["data"]
        return data if len(data) >= count else None

    return wait_for(entries, f"{count} journal entries")


def test_responses_in_sequence_on_one_connection_chain(fresh: ServerThread) -> None:
    client = client_for(fresh)
    with client.responses.connect() as connection:
        connection.response.create(model="gpt-4.1", input="What is the weather in Paris?", tools=[WEATHER])
        first = _until_done(connection)
        assert [e.type for e in first[:2]] == ["response.created", "response.in_progress"]
        assert [e.sequence_number for e in first] == list(range(len(first)))
        done = first[-1].response
        [call] = done.output
        assert call.type == "function_call" and call.name == "get_weather"

        output = {"type": "function_call_output", "call_id": call.call_id, "output": '{"celsius": 21}'}
        connection.response.create(model="gpt-4.1", input=[output], tools=[WEATHER], previous_response_id=done.id)
        second = _until_done(connection)[-1]
        assert second.type == "response.completed"
        assert second.response.previous_response_id == done.id
        assert second.response.output[0].type == "message" and second.response.output_text

    # Stored as a POST's Response is, and journaled as a POST each.
    assert client.responses.retrieve(second.response.id).output_text == second.response.output_text
    entries = _journal(fresh, 2)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("POST", "/v1/responses", 200)] * 2
    assert entries[1]["body"]["previous_response_id"] == done.id and entries[1]["body"]["stream"] is True


async def test_async_connection_and_lanes(fresh: ServerThread) -> None:
    async with async_sdk(fresh.base_url) as client, client.responses.connect() as connection:
        await connection.response.create(model="gpt-4o-mini", input="Hello!", stream_id="lane-a")
        events = []
        async for event in connection:
            events.append(event)
            if event.type in _DONE:
                break
        assert events[-1].type == "response.completed" and events[-1].response.output_text
        assert {event.stream_id for event in events} == {"lane-a"}  # each event echoes its lane

        await connection.response.create(model="gpt-4o-mini", input="And again")
        event = await connection.recv()
        assert event.type == "response.created" and event.stream_id is None
        # (read to the end: with more than 16 events unread, the websockets client stops reading
        # and its close waits 10 s for a close frame it cannot see, against any server)
        async for event in connection:
            if event.type in _DONE:
                break


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gpt-4o-mini", "input": "Tell me about streams."},
        {"model": "o4-mini", "input": "What is the weather in Paris?", "tools": [WEATHER], "store": False},
    ],
    ids=["text", "reasoning-tool-call"],
)
def test_events_are_the_sse_streams(server_factory: ServerFactory, body: dict[str, Any]) -> None:
    """The same body on two servers alike: over the socket, the very JSON of each SSE event."""
    over_http, over_socket = server_factory(), server_factory()
    expected = _sse_payloads(over_http.base_url, body)
    with sdk(over_socket.base_url).responses.connect() as connection:
        connection.response.create(**body)
        received = _raw_until_done(connection)
    assert received == expected
    assert json.loads(received[-1])["type"] == "response.completed"


def test_a_bad_body_gets_the_posts_error(fresh: ServerThread) -> None:
    bad = {"model": "gpt-4o-mini", "input": "hi", "temperature": -1, "colour": "blue"}
    posted = HTTP.post(f"{fresh.base_url}/responses", json={**bad, "stream": True}, headers=AUTH)
    assert posted.status_code == 400
    with client_for(fresh).responses.connect() as connection:
        connection.send({"type": "response.create", **bad})
        raw = connection.recv_bytes()
        assert json.loads(raw) == {"type": "error", "error": posted.json()["error"], "status": 400}
        event = connection.parse_event(raw)
        assert event.type == "error" and event.error.param == posted.json()["error"]["param"]
        # The connection stays open: the next create is answered.
        connection.response.create(model="gpt-4o-mini", input="hi")
        assert _until_done(connection)[-1].type == "response.completed"
        connection.send({"type": "response.create", "model": "gpt-4o-mini", "input": "hi", "background": True})
        refused = connection.recv()
        assert refused.type == "error" and refused.error.param == "background"
    # The POST, the bad create (journaled as rejected, as the POST), the good one.
    entries = _journal(fresh, 3)
    assert [(e["status"], e["source"]) for e in entries] == [(400, "rejected"), (400, "rejected"), (200, "seeded")]


def test_the_key_is_checked_at_the_handshake(server_factory: ServerFactory) -> None:
    from websockets.exceptions import InvalidStatus

    server = server_factory(api_key=API_KEY)
    posted = HTTP.post(
        f"{server.base_url}/responses",
        json={"model": "gpt-4o-mini", "input": "hi"},
        headers={"Authorization": "Bearer sk-wrong-0000"},
    )
    assert posted.status_code == 401
    with pytest.raises(InvalidStatus) as caught, sdk(server.base_url, api_key="sk-wrong-0000").responses.connect():
        pass
    assert caught.value.response.status_code == 401
    assert json.loads(caught.value.response.body) == posted.json()
    with sdk(server.base_url).responses.connect() as connection:  # the right key
        connection.response.create(model="gpt-4o-mini", input="hi")
        assert _until_done(connection)[-1].type == "response.completed"


RULES = """
- name: greeting
  match: {user_contains: hello}
  reply: {content: "Hello from the rule."}
- name: busy
  match: {user_contains: busy}
  reply: {error: {status: 429, message: "Rate limit reached", type: requests, code: rate_limit_exceeded}}
- name: quota
  match: {user_contains: quota, stream: true}
  reply:
    content: "never finished"
    fault: {kind: error_event, after: 2, error: {type: insufficient_quota, code: insufficient_quota, message: "You exceeded your current quota."}}
"""


def test_scenario_rules_answer_creates(fresh: ServerThread) -> None:
    fresh.run(lambda: fresh.state.scenarios.add(load_text(RULES)))
    with client_for(fresh).responses.connect() as connection:
        connection.response.create(model="gpt-4o", input="hello there")
        assert _until_done(connection)[-1].response.output_text == "Hello from the rule."
        connection.response.create(model="gpt-4o", input="are you busy?")
        busy = connection.recv()
        assert busy.type == "error" and busy.status == 429 and busy.error.code == "rate_limit_exceeded"
        connection.response.create(model="gpt-4o", input="quota")
        failed = _raw_until_done(connection)
        events = [json.loads(m) for m in failed]
        assert [e["type"] for e in events] == ["response.created", "response.in_progress", "error"]
        assert events[2]["error"]["code"] == "insufficient_quota" and events[2]["sequence_number"] == 2
        assert json.loads(connection.recv_bytes())["type"] == "response.failed"
    assert [e["source"] for e in _journal(fresh, 3)] == ["scenario:greeting", "scenario:busy", "scenario:quota"]


def test_a_get_that_is_no_handshake_is_still_the_405(fresh: ServerThread) -> None:
    for method in ("GET", "DELETE"):
        answer = HTTP.request(method, f"{fresh.base_url}/responses", headers=AUTH)
        assert answer.status_code == 405 and answer.json()["error"]["message"] == "Only POST requests are accepted."


def test_a_browser_handshake_is_refused_without_cors(server_factory: ServerFactory) -> None:
    """A web page can open a WebSocket to 127.0.0.1 without any preflight: unless --cors lets
    browsers call /v1, a handshake with an Origin is refused, so a visited page cannot drive mockai."""
    handshake = {
        **AUTH,
        "Origin": "https://evil.example",
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    refused = HTTP.get(f"{server_factory().base_url}/responses", headers=handshake)
    assert refused.status_code == 403
    assert "--cors" in refused.json()["error"]["message"]  # (it said only "Forbidden")
    allowed = HTTP.get(f"{server_factory(cors=True).base_url}/responses", headers=handshake)
    assert allowed.status_code == 101


def test_a_connection_answers_a_few_messages_at_a_time_and_all_of_them(fresh: ServerThread) -> None:
    """A hostile audit: one connection sending 20,000 creates on as many lanes without reading took
    the server to 1.2 GB and held other clients up for seconds; each message is now read only when
    one of the eight being answered is done (TCP pushes back on the sender).  A burst on many
    lanes is still answered whole, each lane in order, and a lane's name is bounded."""
    with client_for(fresh).responses.connect() as connection:
        for i in range(60):
            connection.response.create(model="gpt-4o-mini", input=f"Hello {i}", stream_id=f"lane-{i % 12}")
        finished: dict[str, list[str]] = {}
        while sum(len(ids) for ids in finished.values()) < 60:
            event = connection.recv()
            if event.type == "response.completed":
                finished.setdefault(str(event.stream_id), []).append(event.response.output_text)
        assert sorted(finished) == sorted(f"lane-{i}" for i in range(12))
        connection.send({"type": "response.create", "model": "gpt-4o-mini", "input": "hi", "stream_id": "x" * 300})
        error = connection.recv()
        assert error.type == "error" and error.error.code == "string_above_max_length"


def test_a_cassette_answers_a_create_over_the_socket(server_factory: ServerFactory, tmp_path: Any) -> None:
    """Each create is the POST it stands for, so a cassette's recorded stream of that POST answers
    it: its events, one message each."""
    from mockai.replay.cassette import Cassette, CassetteRequest, CassetteResponse, Interaction, dump_cassette

    created = {
        "type": "response.created",
        "sequence_number": 0,
        "response": {"id": "resp_recorded", "status": "in_progress"},
    }
    done = {
        "type": "response.completed",
        "sequence_number": 1,
        "response": {"id": "resp_recorded", "status": "completed"},
    }
    events = tuple(
        (0.0, f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode()) for e in (created, done)
    )
    recorded = Interaction(
        CassetteRequest("POST", "/v1/responses", body={"model": "gpt-4o-mini", "input": "hi", "stream": True}),
        CassetteResponse(
            200, (("content-type", "text/event-stream; charset=utf-8"),), b"".join(b for _, b in events), events
        ),
    )
    cassette = tmp_path / "socket.yaml"
    cassette.write_bytes(dump_cassette(Cassette([recorded])))
    with client_for(server_factory(cassette=cassette)).responses.connect() as connection:
        connection.response.create(model="gpt-4o-mini", input="hi")
        received = _raw_until_done(connection)
    assert [json.loads(m) for m in received] == [created, done]


def test_a_steer_fails_as_the_sdk_types_say(fresh: ServerThread) -> None:
    """An audit of openai-node 7.60: a ``response.steer`` got a generic error event, where its types
    say ``response.steer.failed`` with a steering code.  A mockai response is complete before a
    steer reaches it: ``response_already_completed``; an unknown one: ``response_not_found``."""
    with client_for(fresh).responses.connect() as connection:
        connection.response.create(model="gpt-4o-mini", input="Hello")
        done = _raw_until_done(connection)
        response_id = json.loads(done[-1])["response"]["id"]
        for target, code in ((response_id, "response_already_completed"), ("resp_unknown", "response_not_found")):
            steer = {"type": "response.steer", "previous_response_id": target, "input": "And shorter, please."}
            connection.send(steer)  # type: ignore[arg-type]
            failed = json.loads(connection.recv_bytes())
            assert failed["type"] == "response.steer.failed" and failed["error"]["code"] == code
            assert failed["steer"]["previous_response_id"] == target
