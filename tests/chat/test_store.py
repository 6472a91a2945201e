"""Stored completions through the openai SDK: store=true, retrieve, update, list, delete, messages."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockai.core.errors import APIError
from mockai.server.runner import ServerThread
from tests.support import clients
from tests.support.bodies import user
from tests.support.reference import assert_valid, official_schema
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

MODEL = "gpt-4o-mini"


@pytest.fixture(autouse=True)
def fresh_store(fresh: ServerThread) -> None:
    """Each test starts with an empty store, as under the pytest plugin (a renewed state)."""


@pytest.fixture(scope="module")
def sdk(module_server: ServerThread) -> Iterator[Any]:
    with clients.sdk(module_server.base_url) as c:
        yield c


@pytest.fixture(scope="module")
def lenient_sdk(module_server: ServerThread) -> Iterator[Any]:
    """The SDK as users build it (no strict validation): needed for messages.list, see below."""
    with clients.sdk(module_server.base_url, strict=False) as c:
        yield c


@pytest.fixture(scope="module")
def http(module_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.base_url + "/", headers=clients.AUTH) as c:
        yield c


def get_json(http: httpx.Client, path: str, status: int = 200, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_valid_list(body: dict[str, Any], schema_name: str) -> None:
    """An official list schema; an empty page carries null ids (see docs/stored_completions.md)."""
    if not body["data"]:
        assert body["first_id"] is None and body["last_id"] is None
        body = {**body, "first_id": "", "last_id": ""}
    assert_valid(body, schema_name)


def assert_valid_message_list(body: dict[str, Any]) -> None:
    """ChatCompletionMessageList, with the spec's known bug fixed: its item role enum allows only
    ``assistant``, although the listed messages are the request's (conformance §8)."""
    schema = copy.deepcopy(official_schema("ChatCompletionMessageList"))
    role = schema["$defs"]["ChatCompletionResponseMessage"]["properties"]["role"]
    assert role["enum"] == ["assistant"]  # if the spec is fixed, this patch goes
    role["enum"] = ["developer", "system", "user", "assistant", "tool", "function"]
    import jsonschema

    if not body["data"]:
        body = {**body, "first_id": "", "last_id": ""}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(body))
    assert not errors, [e.message[:200] for e in errors[:3]]


# --- store: true, retrieve ------------------------------------------------------------------


def test_stored_completion_is_the_created_one_plus_request_fields(sdk: Any, http: httpx.Client) -> None:
    created = sdk.chat.completions.with_raw_response.create(
        model=MODEL,
        messages=user("Name a colour"),
        store=True,
        metadata={"suite": "store"},
        temperature=0.5,
        seed=7,
        user="u-1",
    )
    created_body = json.loads(created.http_response.content)
    completion = created.parse()
    stored = get_json(http, f"chat/completions/{completion.id}")
    assert_valid(stored, "CreateChatCompletionResponse")
    # The create response, key for key and in order, then the stored-only fields.
    assert {k: stored[k] for k in created_body} == created_body
    assert list(stored)[: len(created_body)] == list(created_body)
    assert stored["metadata"] == {"suite": "store"}
    assert stored["temperature"] == 0.5 and stored["seed"] == 7 and stored["input_user"] == "u-1"
    assert stored["top_p"] == 1.0 and stored["tools"] is None
    assert stored["request_id"] == created.http_response.headers["x-request-id"]

    retrieved = sdk.chat.completions.retrieve(completion.id)
    assert retrieved.choices[0].message.content == completion.choices[0].message.content
    assert retrieved.usage == completion.usage
    assert retrieved.metadata == {"suite": "store"}


@pytest.mark.parametrize("store", [None, False])
def test_nothing_is_kept_without_store_true(sdk: Any, http: httpx.Client, store: bool | None) -> None:
    extra = {} if store is None else {"store": store}
    completion = sdk.chat.completions.create(model=MODEL, messages=user("Hello"), **extra)
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.retrieve(completion.id)
    response = caught.value.response
    assert response.json() == {
        "error": {
            "message": f"No chat completion found with id '{completion.id}'.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert list(sdk.chat.completions.list()) == []
    assert_valid_list(get_json(http, "chat/completions"), "ChatCompletionList")


def test_a_streamed_request_is_stored_as_the_stream_told_it(sdk: Any) -> None:
    stream = sdk.chat.completions.create(
        model=MODEL,
        messages=user("Tell me a story"),
        store=True,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    stored = sdk.chat.completions.retrieve(chunks[0].id)
    assert stored.choices[0].message.content == text
    assert stored.usage == chunks[-1].usage
    assert stored.choices[0].finish_reason == "stop"


def test_the_same_stored_request_twice_makes_two_completions_with_repeatable_ids(
    server_factory: ServerFactory,
) -> None:
    def run() -> tuple[list[str], bytes]:
        thread = server_factory()
        with clients.sdk(thread.base_url, strict=False) as c:
            ids = [c.chat.completions.create(model=MODEL, messages=user("Same"), store=True).id for _ in range(3)]
            listed = [x.id for x in c.chat.completions.list()]
            assert listed == ids
            texts = {c.chat.completions.retrieve(i).choices[0].message.content for i in ids}
            assert len(texts) == 1  # one answer, three stored copies
            plain = [
                c.chat.completions.with_raw_response.create(model=MODEL, messages=user("Same")).http_response.content
                for _ in range(2)
            ]
        assert plain[0] == plain[1]  # without store, replies stay byte-identical
        return ids, plain[0]

    first_ids, first_plain = run()
    assert len(set(first_ids)) == 3
    second_ids, second_plain = run()
    assert second_ids == first_ids and second_plain == first_plain


# --- update ----------------------------------------------------------------------------------


def test_update_replaces_metadata(sdk: Any, http: httpx.Client) -> None:
    cid = sdk.chat.completions.create(model=MODEL, messages=user("x"), store=True, metadata={"old": "1"}).id
    updated = sdk.chat.completions.update(cid, metadata={"new": "2", "team": "qa"})
    assert updated.id == cid and updated.metadata == {"new": "2", "team": "qa"}
    assert sdk.chat.completions.retrieve(cid).metadata == {"new": "2", "team": "qa"}
    assert [c.id for c in sdk.chat.completions.list(metadata={"team": "qa"})] == [cid]
    assert list(sdk.chat.completions.list(metadata={"old": "1"})) == []
    assert sdk.chat.completions.update(cid, metadata=None).metadata == {}
    raw = http.post(f"chat/completions/{cid}", json={"metadata": {"k": "v"}})
    assert_valid(raw.json(), "CreateChatCompletionResponse")


UNKNOWN = APIError.unknown_parameter("temperature")


@pytest.mark.parametrize(
    ("body", "param", "code", "message"),
    [
        # The same error as for an unknown parameter on create.
        ({"metadata": {}, "temperature": 1}, UNKNOWN.param, UNKNOWN.code, UNKNOWN.message),
        ({}, "metadata", "missing_required_parameter", "Missing required parameter: 'metadata'."),
        ({"metadata": "x"}, "metadata", "invalid_type", None),
        ({"metadata": {"k": 1}}, "metadata.k", "invalid_type", None),
        ({"metadata": {str(i): "v" for i in range(17)}}, "metadata", "object_above_max_properties", None),
        ({"metadata": {"k" * 65: "v"}}, "metadata." + "k" * 65, "property_name_above_max_length", None),
        ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length", None),
    ],
)
def test_update_rejects_what_the_api_rejects(
    sdk: Any, body: dict[str, Any], param: str | None, code: str | None, message: str | None
) -> None:
    cid = sdk.chat.completions.create(model=MODEL, messages=user("x"), store=True).id
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.post(f"/chat/completions/{cid}", body=body, cast_to=object)
    error = caught.value
    assert (error.param, error.code) == (param, code)
    if message is not None:
        assert error.body["message"] == message
    assert sdk.chat.completions.retrieve(cid).metadata == {}


def test_update_unknown_id_is_404(sdk: Any) -> None:
    with pytest.raises(openai.NotFoundError, match="No chat completion found with id 'chatcmpl-nope'"):
        sdk.chat.completions.update("chatcmpl-nope", metadata={"a": "b"})


# --- delete ----------------------------------------------------------------------------------


def test_delete(sdk: Any, http: httpx.Client) -> None:
    keep = sdk.chat.completions.create(model=MODEL, messages=user("keep"), store=True).id
    cid = sdk.chat.completions.create(model=MODEL, messages=user("drop"), store=True).id
    raw = http.delete(f"chat/completions/{cid}")
    assert raw.status_code == 200
    assert raw.json() == {"object": "chat.completion.deleted", "id": cid, "deleted": True}
    assert_valid(raw.json(), "ChatCompletionDeleted")
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.retrieve(cid)
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.delete(cid)
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.messages.list(cid)
    assert [c.id for c in sdk.chat.completions.list()] == [keep]
    deleted = sdk.chat.completions.delete(keep)
    assert (deleted.id, deleted.deleted, deleted.object) == (keep, True, "chat.completion.deleted")


# --- list ------------------------------------------------------------------------------------


def store_many(sdk: Any, count: int, **kwargs: Any) -> list[str]:
    return [
        sdk.chat.completions.create(
            model=kwargs.get("model", MODEL),
            messages=user(f"question {i}"),
            store=True,
            metadata=kwargs.get("metadata"),
        ).id
        for i in range(count)
    ]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_list_auto_paginates_in_both_orders(sdk: Any, http: httpx.Client, order: str) -> None:
    ids = store_many(sdk, 7)
    expected = ids if order == "asc" else ids[::-1]
    assert [c.id for c in sdk.chat.completions.list(limit=3, order=order)] == expected
    # The pages themselves: 3 + 3 + 1, cursors and has_more as the schema says.
    page = sdk.chat.completions.list(limit=3, order=order)
    sizes = []
    while True:
        sizes.append(len(page.data))
        if not page.has_next_page():
            break
        page = page.get_next_page()
    assert sizes == [3, 3, 1]
    after = None
    for start in (0, 3, 6):
        params = {"limit": 3, "order": order, **({"after": after} if after else {})}
        body = get_json(http, "chat/completions", **params)
        assert_valid_list(body, "ChatCompletionList")
        assert [c["id"] for c in body["data"]] == expected[start : start + 3]
        assert (body["first_id"], body["last_id"]) == (body["data"][0]["id"], body["data"][-1]["id"])
        assert body["has_more"] is (start < 6)
        after = body["last_id"]


def test_list_defaults_to_20_ascending(sdk: Any, http: httpx.Client) -> None:
    ids = store_many(sdk, 21)
    body = get_json(http, "chat/completions")
    assert [c["id"] for c in body["data"]] == ids[:20] and body["has_more"] is True
    assert [c["id"] for c in get_json(http, "chat/completions", limit=100)["data"]] == ids


def test_list_filters_by_model_and_metadata(sdk: Any, http: httpx.Client) -> None:
    a = store_many(sdk, 2, metadata={"suite": "a", "run": "1"})
    b = store_many(sdk, 2, metadata={"suite": "b", "run": "1"})
    nano = store_many(sdk, 1, model="gpt-4.1-nano", metadata={"suite": "a", "run": "2"})
    listing = sdk.chat.completions.list
    assert [c.id for c in listing(metadata={"suite": "a"})] == a + nano
    assert [c.id for c in listing(metadata={"suite": "a", "run": "1"}, limit=1)] == a
    assert [c.id for c in listing(metadata={"run": "1"}, order="desc", limit=1)] == (a + b)[::-1]
    assert [c.id for c in listing(metadata={"suite": "c"})] == []
    resolved = sdk.chat.completions.retrieve(nano[0]).model
    assert [c.id for c in listing(model="gpt-4.1-nano")] == nano  # the model the request named
    assert [c.id for c in listing(model=resolved)] == nano  # or the snapshot it resolved to
    assert [c.id for c in listing(model=MODEL, metadata={"run": "1"})] == a + b
    body = get_json(http, "chat/completions", **{"metadata[suite]": "b"})
    assert_valid_list(body, "ChatCompletionList")
    assert [c["id"] for c in body["data"]] == b


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"limit": 0}, "limit", "integer_below_min_value"),
        ({"limit": 101}, "limit", "integer_above_max_value"),
        ({"limit": "ten"}, "limit", "invalid_type"),
        ({"limit": "2.5"}, "limit", "invalid_type"),
        ({"order": "newest"}, "order", "invalid_value"),
        ({"after": "chatcmpl-never-stored"}, "after", "invalid_value"),
        ({"metadata": "suite:a"}, "metadata", "invalid_value"),
    ],
)
def test_bad_list_queries_are_400_with_param(
    sdk: Any, http: httpx.Client, params: dict[str, Any], param: str, code: str
) -> None:
    cid = store_many(sdk, 1)[0]
    for path in ("chat/completions", f"chat/completions/{cid}/messages"):
        if path.endswith("messages") and param == "metadata":
            continue
        response = http.get(path, params=params)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.list(extra_query=params)
    assert caught.value.param == param


def test_deleting_every_item_while_paging(sdk: Any) -> None:
    store_many(sdk, 5)
    for completion in sdk.chat.completions.list(limit=2):
        sdk.chat.completions.delete(completion.id)
    assert list(sdk.chat.completions.list()) == []


def test_list_needs_an_api_key(module_server: ServerThread) -> None:
    response = httpx.get(module_server.base_url + "/chat/completions")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("You didn't provide an API key.")


# --- messages --------------------------------------------------------------------------------

CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "You answer briefly."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_abc", "type": "function", "function": {"name": "look", "arguments": "{}"}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_abc", "content": "a cat"},
    {"role": "user", "content": "And its colour?", "name": "ann"},
]
LOOK_TOOL = {"type": "function", "function": {"name": "look", "parameters": {"type": "object"}}}


def test_messages_list_pages_in_both_orders(sdk: Any, lenient_sdk: Any, http: httpx.Client) -> None:
    cid = sdk.chat.completions.create(model=MODEL, messages=CONVERSATION, tools=[LOOK_TOOL], store=True).id
    ids = [f"{cid}-{i}" for i in range(len(CONVERSATION))]
    # openai-python types stored messages as role "assistant" only (the spec's bug), so a client
    # with _strict_response_validation=True rejects any real listing: use the default client.
    listed = list(lenient_sdk.chat.completions.messages.list(cid, limit=2))
    assert [m.id for m in listed] == ids
    assert [m.role for m in listed] == ["system", "user", "assistant", "tool", "user"]
    assert listed[1].content == "What is in this picture?"
    assert [p.type for p in listed[1].content_parts] == ["text", "image_url"]
    assert listed[2].tool_calls[0].id == "call_abc"
    assert listed[4].name == "ann" and listed[0].content_parts is None
    backwards = lenient_sdk.chat.completions.messages.list(cid, limit=2, order="desc")
    assert [m.id for m in backwards] == ids[::-1]
    body = get_json(http, f"chat/completions/{cid}/messages", limit=2, after=ids[1])
    assert_valid_message_list(body)
    assert ([m["id"] for m in body["data"]], body["has_more"]) == (ids[2:4], True)
    body = get_json(http, f"chat/completions/{cid}/messages", order="desc", after=ids[1])
    assert ([m["id"] for m in body["data"]], body["has_more"]) == ([ids[0]], False)
    end = get_json(http, f"chat/completions/{cid}/messages", after=ids[-1])
    assert end["data"] == [] and end["has_more"] is False
    assert_valid_message_list(end)


# --- async -----------------------------------------------------------------------------------


async def test_every_call_async(module_server: ServerThread) -> None:
    async with clients.async_sdk(module_server.base_url, strict=False) as c:
        ids = [
            (
                await c.chat.completions.create(
                    model=MODEL, messages=user(f"q{i}"), store=True, metadata={"i": str(i % 2)}
                )
            ).id
            for i in range(5)
        ]
        assert (await c.chat.completions.retrieve(ids[0])).id == ids[0]
        assert (await c.chat.completions.update(ids[0], metadata={"i": "x"})).metadata == {"i": "x"}
        assert [x.id async for x in c.chat.completions.list(limit=2)] == ids
        assert [x.id async for x in c.chat.completions.list(limit=2, order="desc")] == ids[::-1]
        assert [x.id async for x in c.chat.completions.list(metadata={"i": "0"})] == [ids[2], ids[4]]
        assert [m.id async for m in c.chat.completions.messages.list(ids[1])] == [f"{ids[1]}-0"]
        assert (await c.chat.completions.delete(ids[0])).deleted is True
        with pytest.raises(openai.NotFoundError):
            await c.chat.completions.retrieve(ids[0])
