"""The /v1/responses/{id} routes over stored responses (put in the server's store directly, as
``POST /v1/responses`` does): retrieve, delete, input_items, cancel, background stream replay,
errors; through the official SDK with strict validation, and as raw bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockai.server.runner import ServerThread
from tests.responses.store.records import background_events, stored
from tests.support import clients
from tests.support.reference import official_schema

openai = pytest.importorskip("openai")

RESP = "resp_0415a3de5d30155600" + "69e2f3f4" + "b3088192949253e91aff1eb3"
CHILD = "resp_0415a3de5d30155600" + "69e2f3f5" + "c3088192949253e91aff1eb3"
BG = "resp_9915a3de5d30155600" + "69e2f3f4" + "d3088192949253e91aff1eb3"


@pytest.fixture
def server(fresh: ServerThread) -> ServerThread:
    """The module's server with an empty store, then three stored responses: a two-turn chain
    and a streamed background response."""
    records = [
        stored(RESP, "Hello, Szymon!", ["Hello! My name is Szymon."]),
        stored(CHILD, "Your name is Szymon.", ["What is my name?", "Answer briefly."], previous=RESP),
        stored(BG, "2 + 2 equals 4.", ["What is 2 + 2?"], background=True, streamed=True),
    ]
    for record in records:
        fresh.run(lambda record=record: fresh.state.responses.add(record))
    return fresh


@pytest.fixture(scope="module")
def sdk(module_server: ServerThread) -> Iterator[Any]:
    with clients.sdk(module_server.base_url) as c:
        yield c


@pytest.fixture(scope="module")
def http(module_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.base_url + "/", headers=clients.AUTH) as c:
        yield c


def body_of(server: ServerThread, response_id: str) -> bytes:
    record = server.state.responses.get(response_id)
    assert record is not None
    return record.body


def test_retrieve_gives_the_stored_bytes(server: ServerThread, sdk: Any, http: httpx.Client) -> None:
    raw = http.get(f"responses/{RESP}")
    assert raw.status_code == 200
    assert raw.content == body_of(server, RESP)
    assert raw.headers["content-type"] == "application/json"
    assert not raw.content.endswith(b"\n")
    response = sdk.responses.retrieve(RESP)
    assert response.id == RESP and response.output_text == "Hello, Szymon!"
    assert sdk.responses.retrieve(RESP, stream=False).id == RESP


def test_unknown_id_is_a_404_in_the_responses_format(server: ServerThread, sdk: Any, http: httpx.Client) -> None:
    wanted = "resp_" + "0" * 50
    expected = (
        "{\n"
        '  "error": {\n'
        f'    "message": "Response with id \'{wanted}\' not found.",\n'
        '    "type": "invalid_request_error",\n'
        '    "param": null,\n'
        '    "code": null\n'
        "  }\n"
        "}"
    ).encode()
    for answer in (
        http.get(f"responses/{wanted}"),
        http.delete(f"responses/{wanted}"),
        http.get(f"responses/{wanted}/input_items"),
        http.post(f"responses/{wanted}/cancel"),
    ):
        assert answer.status_code == 404
        assert answer.content == expected
        assert answer.headers["content-type"] == "application/json"
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.responses.retrieve(wanted)
    assert caught.value.body["message"] == f"Response with id '{wanted}' not found."
    with pytest.raises(openai.NotFoundError):
        sdk.responses.input_items.list(wanted)


def test_delete_as_recorded_then_gone(server: ServerThread, sdk: Any, http: httpx.Client) -> None:
    answer = http.delete(f"responses/{RESP}")
    assert answer.status_code == 200
    assert answer.content == f'{{\n  "id": "{RESP}",\n  "object": "response.deleted",\n  "deleted": true\n}}'.encode()
    assert http.get(f"responses/{RESP}").status_code == 404
    assert http.delete(f"responses/{RESP}").status_code == 404
    assert sdk.responses.delete(CHILD) is None
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(CHILD)


def test_input_items_of_one_turn_as_recorded(server: ServerThread, http: httpx.Client) -> None:
    answer = http.get(f"responses/{RESP}/input_items")
    assert answer.status_code == 200
    assert not answer.content.endswith(b"\n")
    body = json.loads(answer.content)
    assert list(body) == ["object", "data", "first_id", "last_id", "has_more"]
    assert [item["content"][0]["text"] for item in body["data"]] == ["Hello! My name is Szymon."]
    assert body["first_id"] == body["last_id"] == body["data"][0]["id"]
    assert body["data"][0]["id"].startswith("msg_") and body["has_more"] is False
    import jsonschema

    jsonschema.validate(body, official_schema("responses/ResponseItemList"))


def test_input_items_of_a_chain_hold_the_earlier_turns(server: ServerThread, sdk: Any) -> None:
    asc = [item.content[0].text for item in sdk.responses.input_items.list(CHILD, order="asc")]
    assert asc == ["Hello! My name is Szymon.", "Hello, Szymon!", "What is my name?", "Answer briefly."]
    desc = [item.content[0].text for item in sdk.responses.input_items.list(CHILD)]  # default: desc
    assert desc == asc[::-1]
    # the SDK pages through has_more / after
    paged = [item.id for item in sdk.responses.input_items.list(CHILD, limit=1, order="asc")]
    assert len(paged) == 4 and len(set(paged)) == 4
    page = sdk.responses.input_items.list(CHILD, limit=3)
    assert len(page.data) == 3 and page.has_more is True
    assert page.first_id == page.data[0].id and page.last_id == page.data[2].id


def test_input_items_cursors(server: ServerThread, http: httpx.Client) -> None:
    ids = [item["id"] for item in http.get(f"responses/{CHILD}/input_items", params={"order": "asc"}).json()["data"]]
    after = http.get(f"responses/{CHILD}/input_items", params={"order": "asc", "after": ids[1]}).json()
    assert [item["id"] for item in after["data"]] == ids[2:]
    before = http.get(f"responses/{CHILD}/input_items", params={"order": "asc", "before": ids[2]}).json()
    assert [item["id"] for item in before["data"]] == ids[:2]
    desc_after = http.get(f"responses/{CHILD}/input_items", params={"after": ids[2], "limit": 1}).json()
    assert [item["id"] for item in desc_after["data"]] == [ids[1]] and desc_after["has_more"] is True


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"limit": "0"}, "limit", "integer_below_min_value"),
        ({"limit": "101"}, "limit", "integer_above_max_value"),
        ({"limit": "ten"}, "limit", "invalid_type"),
        ({"order": "up"}, "order", "invalid_value"),
        ({"after": "msg_nope"}, "after", "invalid_value"),
        ({"before": "msg_nope"}, "before", "invalid_value"),
    ],
)
def test_input_items_bad_queries(
    server: ServerThread, http: httpx.Client, params: dict[str, str], param: str, code: str
) -> None:
    answer = http.get(f"responses/{CHILD}/input_items", params=params)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == param and answer.json()["error"]["code"] == code
    assert not answer.content.endswith(b"\n")


def test_a_chain_with_a_deleted_turn_lists_what_is_left(server: ServerThread, http: httpx.Client) -> None:
    http.delete(f"responses/{RESP}")
    data = http.get(f"responses/{CHILD}/input_items", params={"order": "asc"}).json()["data"]
    assert [item["content"][0]["text"] for item in data] == ["What is my name?", "Answer briefly."]


def test_cancel(server: ServerThread, sdk: Any, http: httpx.Client) -> None:
    cancelled = http.post(f"responses/{BG}/cancel")
    assert cancelled.status_code == 200 and cancelled.content == body_of(server, BG)
    assert sdk.responses.cancel(BG).status == "completed"  # finished already: the final Response
    assert sdk.responses.cancel(BG).status == "completed"  # idempotent
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.cancel(RESP)
    assert caught.value.body == {
        "message": "Cannot cancel a synchronous response.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_background_stream_replay(server: ServerThread, sdk: Any, http: httpx.Client) -> None:
    events = list(background_events(json.loads(body_of(server, BG))))
    whole = http.get(f"responses/{BG}", params={"stream": "true"})
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "x-ratelimit-limit-requests" not in whole.headers
    assert whole.content == b"".join(events)
    resumed = http.get(f"responses/{BG}", params={"starting_after": "0", "stream": "true"})
    assert resumed.content == b"".join(events[1:])
    assert resumed.content.startswith(b"event: response.queued\ndata: ")
    stream = sdk.responses.retrieve(BG, stream=True, starting_after=4)
    seen = [(event.type, event.sequence_number) for event in stream]
    assert seen[0] == ("response.output_text.delta", 5) and seen[-1][0] == "response.completed"
    assert [n for _, n in seen] == list(range(5, len(events)))
    past_the_end = http.get(f"responses/{BG}", params={"starting_after": "999", "stream": "true"})
    assert past_the_end.status_code == 200 and past_the_end.content == b""
    plain = http.get(f"responses/{BG}", params={"stream": "true", "include_obfuscation": "false"})
    assert b"obfuscation" not in plain.content
    assert plain.content == b"".join(events).replace(b',"obfuscation":"x1Y"', b"")


def test_the_sdk_resumes_a_background_stream(server: ServerThread, sdk: Any) -> None:
    with sdk.responses.stream(response_id=BG, starting_after=6) as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "2equals4."  # the deltas after sequence number 6
    assert final.output_text == "2 + 2 equals 4."


def test_streaming_what_was_not_streamed_in_the_background(server: ServerThread, http: httpx.Client) -> None:
    for response_id, missing in ((RESP, "background"),):
        answer = http.get(f"responses/{response_id}", params={"stream": "true"})
        assert answer.status_code == 400
        assert answer.json()["error"] == {
            "message": f"This response cannot be streamed because it was not created with {missing}=true.",
            "type": "invalid_request_error",
            "param": "stream",
            "code": None,
        }
    record = stored("resp_" + "7" * 50, "Done.", ["Go."], background=True)
    server.run(lambda: server.state.responses.add(record))
    answer = http.get(f"responses/{record.id}", params={"stream": "true"})
    assert answer.status_code == 400 and "created with stream=true" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "param"), [({"stream": "yes"}, "stream"), ({"starting_after": "x"}, "starting_after")]
)
def test_bad_retrieve_queries(server: ServerThread, http: httpx.Client, params: dict[str, str], param: str) -> None:
    answer = http.get(f"responses/{BG}", params=params)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param


def test_a_key_is_needed(server: ServerThread) -> None:
    answer = clients.HTTP.get(f"{server.base_url}/responses/{RESP}")
    assert answer.status_code == 401


def test_reset_forgets_stored_responses(server: ServerThread, http: httpx.Client) -> None:
    assert http.post(server.base_url.removesuffix("/v1") + "/_mockai/reset").status_code == 200
    assert http.get(f"responses/{RESP}").status_code == 404
    assert len(server.state.responses) == 0


def test_each_test_starts_empty(fresh: ServerThread, http: httpx.Client) -> None:
    assert len(fresh.state.responses) == 0
    assert http.get(f"responses/{RESP}").status_code == 404


def test_a_response_not_stored_is_never_found_even_after_its_stored_twin(fresh: ServerThread, sdk: Any) -> None:
    # (the same request but for ``store``: the same answer, and ids that cannot meet)
    unstored = sdk.responses.create(model="gpt-4o", input="collide probe", store=False)
    stored_twin = sdk.responses.create(model="gpt-4o", input="collide probe")
    assert unstored.id != stored_twin.id
    assert unstored.output_text == stored_twin.output_text
    assert sdk.responses.retrieve(stored_twin.id).id == stored_twin.id
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(unstored.id)
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="gpt-4o", input="next", previous_response_id=unstored.id)
    assert caught.value.code == "previous_response_not_found"
    again = sdk.responses.create(model="gpt-4o", input="collide probe", store=False)
    assert again.id == unstored.id  # (deterministic as ever)


def test_a_long_conversation_goes_on_when_its_first_turns_are_evicted(server_factory: Any) -> None:
    """With room for three responses, the fifth turn continues the fourth (still stored): its
    earlier turns are gone, the conversation starts after them (a fuzzing audit found a 400 naming
    the first turn's id, which the client never sent)."""
    with clients.sdk(server_factory(store_cap=3).base_url) as client:
        previous = None
        for turn in range(6):
            response = client.responses.create(model="gpt-4o", input=f"turn {turn}", previous_response_id=previous)
            assert client.responses.retrieve(response.id).id == response.id
            previous = response.id
