"""POST /v1/embeddings through the official SDK (sync and async), as applications call it."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from tests.support.clients import AUTH, HTTP, sdk

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "responses" / "CreateEmbeddingResponse.schema.json"


def _vectors(answer: Any) -> np.ndarray:
    return np.array([item.embedding for item in answer.data], dtype=np.float64)


def test_float_answer_as_the_api_sends_it(client: Any) -> None:
    answer = client.embeddings.create(model="text-embedding-3-small", input="hello world", encoding_format="float")
    assert answer.object == "list"
    assert answer.model == "text-embedding-3-small"
    assert [item.index for item in answer.data] == [0]
    vector = _vectors(answer)[0]
    assert vector.shape == (1536,)
    assert abs(np.linalg.norm(vector) - 1) < 1e-3
    assert answer.usage.prompt_tokens == answer.usage.total_tokens == 2


def test_the_sdk_default_is_base64_and_decodes_to_the_float_values(base_url: str) -> None:
    # The SDK asks for base64 when no format is given and decodes it itself. Its strict response
    # validation refuses the base64 string before decoding it (the same with the real API, whose
    # answer is a string too [R:38]), so this client does not validate strictly.
    with sdk(base_url, strict=False) as loose, sdk(base_url) as strict:
        decoded = loose.embeddings.create(model="text-embedding-3-small", input=["a cat", "a dog"])
        floats = strict.embeddings.create(
            model="text-embedding-3-small", input=["a cat", "a dog"], encoding_format="float"
        )
    assert _vectors(decoded).tolist() == _vectors(floats).tolist()


def test_base64_is_little_endian_float32_of_the_float_values(base_url: str) -> None:
    body = {"model": "text-embedding-ada-002", "input": "hello", "encoding_format": "base64"}
    b64 = HTTP.post(f"{base_url}/embeddings", json=body, headers=AUTH).json()
    floats = HTTP.post(f"{base_url}/embeddings", json={**body, "encoding_format": "float"}, headers=AUTH).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert len(raw) == 1536 * 4
    assert np.frombuffer(raw, dtype="<f4").tolist() == np.array(floats["data"][0]["embedding"], np.float32).tolist()


def test_batch_keeps_input_order_and_counts_every_input(client: Any) -> None:
    texts = ["first text", "the second text", "and a third one"]
    batch = client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    single = [client.embeddings.create(model="text-embedding-3-small", input=t, encoding_format="float") for t in texts]
    assert [item.index for item in batch.data] == [0, 1, 2]
    assert _vectors(batch).tolist() == [_vectors(s)[0].tolist() for s in single]
    assert batch.usage.prompt_tokens == sum(s.usage.prompt_tokens for s in single)


def test_dimensions_shortens_the_vector(client: Any) -> None:
    full = client.embeddings.create(model="text-embedding-3-large", input="shorter please", encoding_format="float")
    short = client.embeddings.create(
        model="text-embedding-3-large", input="shorter please", dimensions=256, encoding_format="float"
    )
    head = _vectors(full)[0][:256]
    assert _vectors(full).shape == (1, 3072)
    assert _vectors(short).shape == (1, 256)
    assert np.allclose(_vectors(short)[0], head / np.linalg.norm(head), atol=1e-6)


def test_token_arrays_as_langchain_sends_them(base_url: str) -> None:
    # LangChain's OpenAIEmbeddings sends lists of token ids, through the SDK (base64 by default).
    with sdk(base_url, strict=False) as loose:
        answer = loose.embeddings.create(model="text-embedding-ada-002", input=[[9906, 1917], [9906, 1917], [40, 1093]])
    vectors = _vectors(answer)
    assert answer.model == "text-embedding-ada-002-v2"
    assert answer.usage.prompt_tokens == 6
    assert vectors[0].tolist() == vectors[1].tolist()
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_one_token_array(client: Any) -> None:
    answer = client.embeddings.create(model="text-embedding-ada-002", input=[1111, 2222, 3333], encoding_format="float")
    assert len(answer.data) == 1
    assert answer.usage.prompt_tokens == 3


async def test_async_client(async_client: Any) -> None:
    answer = await async_client.embeddings.create(model="text-embedding-3-small", input="hi", encoding_format="float")
    assert len(answer.data[0].embedding) == 1536


def _error(client: Any, **kwargs: Any) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        client.embeddings.create(**kwargs)
    return caught.value


API_REFERENCE = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input": ""},
        {"input": []},
        {"input": ["ok", ""]},
        {"input": ["x"] * 2049},
        {"input": [1, "mixed"]},
        {"input": [[1, 2], []]},
        {"input": 42},
    ],
)
def test_malformed_input_is_the_api_reference_400(client: Any, kwargs: dict[str, Any]) -> None:
    error = _error(client, model="text-embedding-3-small", encoding_format="float", **kwargs)
    assert error.status_code == 400
    assert error.body == {"message": API_REFERENCE, "type": "invalid_request_error", "param": None, "code": None}


def test_token_limits(client: Any) -> None:
    long_text = " ".join(["word"] * 8193)  # 8193 of mockai's tokens
    error = _error(client, model="text-embedding-3-small", input=long_text, encoding_format="float")
    assert error.body["message"] == "Invalid 'input': maximum context length is 8192 tokens."
    assert error.body["param"] is None and error.body["code"] is None
    # An element of an array of inputs is named by its index, in other words (2026 reports)
    error = _error(client, model="text-embedding-3-small", input=["short", "fine", long_text], encoding_format="float")
    assert error.body["message"] == "Invalid 'input[2]': maximum input length is 8192 tokens."
    error = _error(client, model="text-embedding-3-small", input=[[1] * 8193], encoding_format="float")
    assert error.body["message"] == "Invalid 'input[0]': maximum input length is 8192 tokens."
    many = [" ".join(["word"] * 8000)] * 40
    error = _error(client, model="text-embedding-3-small", input=many, encoding_format="float")
    assert error.body["message"] == "Requested 320000 tokens, max 300000 tokens per request"
    assert error.body["type"] == error.body["code"] == "max_tokens_per_request"


def test_dimensions_errors(client: Any) -> None:
    error = _error(client, model="text-embedding-ada-002", input="x", dimensions=512)
    assert (error.status_code, error.body["message"]) == (400, "This model does not support specifying dimensions.")
    error = _error(client, model="text-embedding-3-small", input="x", dimensions=0)
    assert error.body == {
        "message": "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead.",
        "type": "invalid_request_error",
        "param": "dimensions",
        "code": "integer_below_min_value",
    }
    error = _error(client, model="text-embedding-3-small", input="x", dimensions=1537)
    assert error.body["code"] == "integer_above_max_value"


def test_unknown_model_is_the_recorded_404(base_url: str) -> None:
    body = {"input": "This is a test for embeddings with bad model", "model": "non-existent-embedding-model"}
    response = HTTP.post(f"{base_url}/embeddings", json=body, headers=AUTH)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "error": {
            "message": "The model `non-existent-embedding-model` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    # The front end's layout (4-space indent, a newline): the recording's content-length [R:43]
    assert response.text.startswith('{\n    "error": {\n') and response.text.endswith("}\n")
    recorded = SPEC.parents[2] / "conformance" / "responses" / "43_embeddings_error_404_model_not_found.json"
    if recorded.exists():
        headers = {k.lower(): v for k, v in json.loads(recorded.read_text())["response"]["headers"].items()}
        assert len(response.content) == int(headers["content-length"])


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (
            {"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"},
            "encoding_format",
            "invalid_value",
        ),
        ({"model": "text-embedding-3-small", "input": "x", "dimensions": "256"}, "dimensions", "invalid_type"),
        ({"model": "text-embedding-3-small", "input": "x", "user": 7}, "user", "invalid_type"),
        ({"model": "text-embedding-3-small", "input": "x", "temperature": 1}, "temperature", "unknown_parameter"),
        ({"model": "text-embedding-3-small"}, "input", "missing_required_parameter"),
    ],
)
def test_parameter_errors(base_url: str, body: dict[str, Any], param: str, code: str) -> None:
    response = HTTP.post(f"{base_url}/embeddings", json=body, headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)


def test_no_key_is_the_401(base_url: str) -> None:
    response = HTTP.post(f"{base_url}/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
    assert response.status_code == 401


def test_headers_and_layouts(base_url: str) -> None:
    small = HTTP.post(f"{base_url}/embeddings", json={"model": "text-embedding-3-small", "input": "x"}, headers=AUTH)
    # The 2026 layout with 2026's headers [R:37]: no openai-model or allow-origin, the proxy's mark
    assert "openai-model" not in small.headers and "access-control-allow-origin" not in small.headers
    assert small.headers["x-openai-proxy-wasm"] == "v0.1"
    assert small.headers["content-type"] == "application/json"
    assert small.headers["x-request-id"].startswith("req_")
    assert small.text.startswith('{"object":"list","data":[{"object":"embedding","embedding":[')  # 2026 compact [R:37]
    ada = HTTP.post(f"{base_url}/embeddings", json={"model": "text-embedding-ada-002", "input": "x"}, headers=AUTH)
    assert ada.text.startswith(
        '{\n  "object": "list",\n  "data": [\n    {\n      "object": "embedding",\n      "index": 0,'
    )
    assert ada.text.endswith("\n}\n")
    assert ada.json()["model"] == "text-embedding-ada-002-v2"
    # 2025's layout with 2025's headers [R:38]
    assert ada.headers["openai-model"] == "text-embedding-ada-002-v2"
    assert ada.headers["access-control-allow-origin"] == "*"


def test_answers_fit_the_official_schema(base_url: str) -> None:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is absent (../shared is not next to the checkout)")
    import jsonschema

    schema = json.loads(SPEC.read_text())
    for model in ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"):
        body = {"model": model, "input": ["one", "two"], "encoding_format": "float"}
        jsonschema.validate(HTTP.post(f"{base_url}/embeddings", json=body, headers=AUTH).json(), schema)


def test_the_strict_sdk_refuses_the_real_apis_base64_answer_too() -> None:
    """Why base64 is tested with a non-strict client: the SDK validates strictly before it decodes
    base64, so the real API's own answer [R:38] fails the same way."""
    recorded = SPEC.parents[2] / "conformance" / "responses" / "38_embeddings_base64.json"
    if not recorded.exists():
        pytest.skip(f"{recorded} is absent (../shared is not next to the checkout)")
    import httpx

    body = json.loads(recorded.read_text())["response"]["body_text"]
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, text=body, headers={"content-type": "application/json"})
    )
    http_client = httpx.Client(transport=transport)
    strict = openai.OpenAI(
        base_url="http://api.invalid/v1", api_key="sk-x", http_client=http_client, _strict_response_validation=True
    )
    with pytest.raises(openai.APIResponseValidationError):
        strict.embeddings.create(model="text-embedding-3-small", input="x")
    loose = openai.OpenAI(base_url="http://api.invalid/v1", api_key="sk-x", http_client=http_client)
    assert len(loose.embeddings.create(model="text-embedding-3-small", input="x").data[0].embedding) == 1536


def test_a_large_batch_is_answered_in_input_order(client: Any) -> None:
    # A body over 256 KiB is answered off the event loop: the same vectors as one by one.
    texts = [f"document {i} " + "lorem ipsum dolor sit amet " * 12 for i in range(900)]
    batch = client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    assert [item.index for item in batch.data] == list(range(900))
    again = client.embeddings.create(model="text-embedding-3-small", input=texts[-1], encoding_format="float")
    assert batch.data[-1].embedding == again.data[0].embedding
