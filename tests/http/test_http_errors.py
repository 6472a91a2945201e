"""Errors outside request validation: auth, JSON, content type, routing, size, strict models."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import clients
from tests.support.bodies import chat
from tests.support.clients import HTTP, post_chat, sdk
from tests.support.reference import assert_valid
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

GOOD = chat("hi")
AUTH = {**clients.AUTH, "Content-Type": "application/json"}


def post(base_url: str, body: bytes | str, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return post_chat(base_url, content=content, headers=headers or AUTH)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ["message", "type", "param", "code"]
    assert_valid(body, "ErrorResponse")
    return dict(body["error"])


def test_missing_authorization(base_url: str) -> None:
    response = post(base_url, json.dumps(GOOD), {"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["vary"] == "Origin"
    assert "openai-processing-ms" not in response.headers
    assert response.content.startswith(b'{\n    "error": {\n        "message"') and response.content.endswith(b"}\n")
    error = error_of(response)
    assert error["message"].startswith("You didn't provide an API key.")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)


def test_wrong_key_is_masked(server_factory: ServerFactory) -> None:
    server = server_factory(api_key="sk-the-right-key-123456")
    client = sdk(server.base_url, api_key="bad-key-for-the-test", strict=False)
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(**GOOD)
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    assert info.value.body["message"] == (
        "Incorrect API key provided: bad-key-********test. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )
    assert "bad-key-for-the-test" not in json.dumps(info.value.body)
    right = sdk(server.base_url, api_key="sk-the-right-key-123456", strict=False)
    assert right.chat.completions.create(**GOOD).choices


def test_invalid_json(base_url: str) -> None:
    response = post(base_url, '{"model": "gpt-4o-mini", ')
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith("We could not parse the JSON body of your request.")
    assert error["param"] is None and error["code"] is None
    assert response.content.startswith(b'{\n  "error": {\n    "message"') and not response.content.endswith(b"\n")


def test_wrong_content_type(base_url: str) -> None:
    response = post(base_url, json.dumps(GOOD), {**AUTH, "Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "application/json" in error_of(response)["message"]


def test_unknown_path_and_wrong_method(base_url: str) -> None:
    response = HTTP.post(f"{base_url}/chat/completion", json=GOOD, headers=AUTH)
    assert response.status_code == 404
    assert error_of(response)["message"] == "Invalid URL (POST /v1/chat/completion)"
    response = HTTP.put(f"{base_url}/chat/completions", json=GOOD, headers=AUTH)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_supported"


def test_body_over_limit(server_factory: ServerFactory) -> None:
    server = server_factory(max_body_bytes=1000)
    big = {**GOOD, "messages": [{"role": "user", "content": "x" * 2000}]}
    response = post(server.base_url, json.dumps(big))
    assert response.status_code == 413
    assert "1000" in error_of(response)["message"]


def test_a_compressed_body_over_the_limit_is_not_said_to_be_its_compressed_size(server_factory: ServerFactory) -> None:
    """The limit counts the body's bytes once decompressed: a 1 KB gzip body of 20 KB of JSON is
    over a limit of 10,000 bytes, and the message must not say "1xxx bytes is more than 10000"."""
    import gzip

    server = server_factory(max_body_bytes=10_000)
    big = json.dumps({**GOOD, "messages": [{"role": "user", "content": "x" * 20_000}]}).encode()
    packed = gzip.compress(big)
    headers = {**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    response = HTTP.post(f"{server.base_url}/chat/completions", content=packed, headers=headers)
    assert response.status_code == 413
    message = error_of(response)["message"]
    assert message == "Request body too large: it is more than the limit of 10000 bytes.", message
    assert str(len(packed)) not in message


def test_strict_models(server_factory: ServerFactory) -> None:
    server = server_factory(strict_models=True)
    client = sdk(server.base_url, strict=False)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="this-model-does-not-exist", messages=GOOD["messages"])
    assert info.value.code == "model_not_found"
    assert info.value.body["message"] == (
        "The model `this-model-does-not-exist` does not exist or you do not have access to it."
    )
    with pytest.raises(openai.NotFoundError):  # streaming too: a plain JSON 404, not SSE
        client.chat.completions.create(model="nope", messages=GOOD["messages"], stream=True)
    assert client.chat.completions.create(**GOOD).choices


def test_sdk_error_classes(base_url: str) -> None:
    client = sdk(base_url, strict=False)
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert info.value.status_code == 400
    assert info.value.request_id and info.value.request_id.startswith("req_")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
request_like = st.fixed_dictionaries(
    {},
    optional={
        "model": json_values | st.just("gpt-4o-mini"),
        "messages": json_values
        | st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "system", "tool", "x"])}, optional={"content": json_values}
            ),
            max_size=3,
        ),
        "stream": json_values,
        "n": json_values,
        "tools": json_values,
        "tool_choice": json_values,
        "response_format": json_values,
        "stop": json_values,
        "logprobs": json_values,
        "top_logprobs": json_values,
        "max_tokens": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, request_like))
def test_no_5xx_on_any_body(base_url: str, body: Any) -> None:
    response = post(base_url, json.dumps(body))
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        error_of(response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_no_5xx_on_any_bytes(base_url: str, raw: bytes) -> None:
    response = post(base_url, raw)
    assert response.status_code < 500, response.text


_REFUSED_TWICE = {  # two different bodies each path refuses (a 400), read before they are refused
    "chat/completions": ({"model": "gpt-4o-mini"}, {"model": "gpt-4o-mini", "messages": []}),
    "responses": ({"model": "gpt-4o-mini", "temperature": 9}, {"model": "gpt-4o-mini", "top_p": 9}),
    "embeddings": ({"model": "text-embedding-3-small"}, {"model": "text-embedding-3-small", "input": ""}),
    "moderations": ({"model": "omni-moderation-latest"}, {"input": []}),
}


@pytest.mark.parametrize("path", sorted(_REFUSED_TWICE))
def test_each_refused_body_has_a_request_id_of_its_own(base_url: str, path: str) -> None:
    """As every real answer has (an audit found every refused embeddings or moderations request
    given one id, from its path alone); the same bytes again give the same id, as answers do."""
    first, second = (HTTP.post(f"{base_url}/{path}", json=body, headers=AUTH) for body in _REFUSED_TWICE[path])
    again = HTTP.post(f"{base_url}/{path}", json=_REFUSED_TWICE[path][0], headers=AUTH)
    assert first.status_code == second.status_code == again.status_code == 400, (first.text, second.text)
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.headers["x-request-id"] == again.headers["x-request-id"]


_OUT_OF_RANGE = [  # a number beyond float's range where no schema looks (an audit found them answered 200)
    (
        "chat/completions",
        b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function",'
        b'"function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"number","maximum":1e999}}}}}]}',
    ),
    (
        "responses",
        b'{"model":"gpt-4o","input":"hi","tools":[{"type":"file_search","vector_store_ids":["v"],"filters":{"x":-1e999}}]}',
    ),
    ("responses", b'{"model":"gpt-4o","input":"hi","temperature":1e999}'),
]


@pytest.mark.parametrize(("path", "raw"), _OUT_OF_RANGE)
def test_a_number_beyond_range_anywhere_is_not_json(base_url: str, path: str, raw: bytes) -> None:
    answer = HTTP.post(f"{base_url}/{path}", content=raw, headers={**clients.AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith("We could not parse the JSON body of your request.")
