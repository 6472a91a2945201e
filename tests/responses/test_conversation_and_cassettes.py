"""State and replay around ``POST /v1/responses``: a ``previous_response_id`` conversation (the
stored turns are the context), a response retrieves as the bytes it was created with, and a
cassette records a stream from an upstream (a second mockai) and replays it event for event."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from mockai.replay.cassette import load_cassette
from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, async_sdk, client_for
from tests.support.servers import ServerFactory


def test_previous_response_id_conversation(fresh: ServerThread) -> None:
    client = client_for(fresh)
    first = client.responses.create(model="gpt-4o-mini", input="Tell me a joke.")
    second = client.responses.create(model="gpt-4o-mini", input="Another one.", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert second.id[5:21] == first.id[5:21]  # a chain shares the 16-hex group (§2)
    assert second.id != first.id
    assert second.usage is not None and first.usage is not None
    # The first turn (its input and its answer) is the context of the second.
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    items = client.responses.input_items.list(second.id)
    assert items.data[0].content[0].text == "Another one."  # newest first
    log = fresh.run(lambda: list(fresh.state.journal))
    assert log[-1].body["previous_response_id"] == first.id  # the journal keeps what was sent


def test_a_repeated_stored_request_gets_an_id_of_its_own(fresh: ServerThread) -> None:
    client = client_for(fresh)
    one = client.responses.create(model="gpt-4o-mini", input="Hello")
    two = client.responses.create(model="gpt-4o-mini", input="Hello")
    assert one.id != two.id and one.output_text == two.output_text
    assert client.responses.retrieve(one.id).id == one.id


def test_retrieve_gives_the_created_bytes(fresh: ServerThread) -> None:
    created = HTTP.post(f"{fresh.base_url}/responses", json={"model": "gpt-4o", "input": "hi"}, headers=AUTH)
    response_id = created.json()["id"]
    retrieved = HTTP.get(f"{fresh.base_url}/responses/{response_id}", headers=AUTH)
    assert retrieved.content == created.content


def test_store_false_is_not_kept(fresh: ServerThread) -> None:
    client = client_for(fresh)
    response = client.responses.create(model="gpt-4o-mini", input="Hello", store=False)
    assert response.store is False
    answer = HTTP.get(f"{fresh.base_url}/responses/{response.id}", headers=AUTH)
    assert answer.status_code == 404


def test_cassette_records_and_replays_a_stream(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = tmp_path / "responses.yaml"
    recorder = server_factory(cassette=cassette, record_mode="once", upstream=upstream.base_url)
    body = {"model": "gpt-4o-mini", "input": "Stream me something", "stream": True, "store": False}
    recorded = HTTP.post(f"{recorder.base_url}/responses", json=body, headers=AUTH)
    assert recorded.status_code == 200 and recorded.text.startswith("event: response.created\n")
    recorder.stop()
    [interaction] = load_cassette(cassette).interactions
    assert interaction.request.path == "/v1/responses" and interaction.response.events is not None

    replayer = server_factory(cassette=cassette)
    replayed = HTTP.post(f"{replayer.base_url}/responses", json=body, headers=AUTH)
    assert replayed.content == recorded.content
    with client_for(replayer).responses.stream(model="gpt-4o-mini", input="Stream me something", store=False) as stream:
        final = stream.get_final_response()
    assert final.output_text
    journal = replayer.run(lambda: list(replayer.state.journal))
    assert journal[0].source == "cassette"


def test_a_replayed_response_is_stored(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = tmp_path / "stored.yaml"
    recorder = server_factory(cassette=cassette, record_mode="once", upstream=upstream.base_url)
    body = {"model": "gpt-4o-mini", "input": "Keep me"}
    recorded = HTTP.post(f"{recorder.base_url}/responses", json=body, headers=AUTH)
    recorder.stop()
    replayer = server_factory(cassette=cassette)
    replayed = HTTP.post(f"{replayer.base_url}/responses", json=body, headers=AUTH)
    assert replayed.content == recorded.content
    client = client_for(replayer)
    assert (
        client.responses.retrieve(replayed.json()["id"]).output_text
        == replayed.json()["output"][0]["content"][0]["text"]
    )


def test_a_replayed_stream_is_stored(server_factory: ServerFactory, tmp_path: Path) -> None:
    # A replayed stream is kept as the Response its response.completed event carries, laid out
    # as a non-stream body (what a streamed create stores), and a conversation continues from it.
    upstream = server_factory()
    cassette = tmp_path / "stream.yaml"
    recorder = server_factory(cassette=cassette, record_mode="once", upstream=upstream.base_url)
    body = {"model": "gpt-4o-mini", "input": "Stream and keep me", "stream": True}
    recorded = HTTP.post(f"{recorder.base_url}/responses", json=body, headers=AUTH)
    assert recorded.status_code == 200
    recorder.stop()
    replayer = server_factory(cassette=cassette, cassette_fallback=True)  # (seeded answers after it)
    client = client_for(replayer)
    with client.responses.stream(model="gpt-4o-mini", input="Stream and keep me") as stream:
        final = stream.get_final_response()
    assert replayer.run(lambda: list(replayer.state.journal))[0].source == "cassette"
    retrieved = client.responses.retrieve(final.id)
    assert retrieved.output_text == final.output_text and retrieved.status == "completed"
    raw = HTTP.get(f"{replayer.base_url}/responses/{final.id}", headers=AUTH).content
    assert json.loads(raw) == _final(recorded.content)
    assert raw.startswith(b'{\n  "id": ') and not raw.endswith(b"\n")
    items = client.responses.input_items.list(final.id)
    assert [item.content[0].text for item in items.data] == ["Stream and keep me"]
    follow = client.responses.create(model="gpt-4o-mini", input="And then?", previous_response_id=final.id)
    assert follow.usage is not None and follow.usage.input_tokens > retrieved.usage.input_tokens  # type: ignore[union-attr]


def _final(stream: bytes) -> dict[str, Any]:
    last = stream.rstrip(b"\n").split(b"\n\n")[-1]
    event = json.loads(last.split(b"data: ", 1)[1])
    assert event["type"] == "response.completed"
    return dict(event["response"])


def test_async_conversation(fresh: ServerThread) -> None:
    async def run() -> None:
        async with async_sdk(fresh.base_url) as client:
            first = await client.responses.create(model="gpt-4o-mini", input="Tell me a joke.")
            second = await client.responses.create(
                model="gpt-4o-mini", input="Another one.", previous_response_id=first.id
            )
            assert second.previous_response_id == first.id
            assert (await client.responses.retrieve(second.id)).id == second.id

    asyncio.run(run())
