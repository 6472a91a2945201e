"""A large answer (a batch of vectors) is sent after its headers, not joined to them
(mockai/server/embeddings_routes.py): the same status, headers and bytes arrive as for any other."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from mockai.embeddings.render import layout_of, render_embeddings
from mockai.embeddings.request import read_embedding_request
from mockai.embeddings.vectors import embed
from mockai.server.embeddings_routes import _LARGE_BODY
from tests.support.clients import AUTH, HTTP

TEXTS = [f"Customer question {i}: how do I change the delivery address of order {1000 + i}?" for i in range(100)]


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_a_large_answer_arrives_whole_with_its_headers(base_url: str, encoding: str) -> None:
    body = {"model": "text-embedding-3-small", "input": TEXTS, "encoding_format": encoding}
    response = HTTP.post(f"{base_url}/embeddings", json=body, headers=AUTH)
    assert response.status_code == 200
    assert len(response.content) >= _LARGE_BODY  # (the path under test)
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-openai-proxy-wasm"] == "v0.1"
    asked = read_embedding_request(body)
    vectors = embed(asked.model.id, asked.dimensions, asked.inputs, asked.dimensions)
    expected = render_embeddings(
        vectors, asked.reported_model, asked.prompt_tokens, encoding, layout_of(asked.model.id)
    )
    assert response.content == expected
    data = response.json()["data"]
    first = data[0]["embedding"]
    values = np.frombuffer(base64.b64decode(first), dtype="<f4") if encoding == "base64" else np.array(first)
    assert len(data) == 100 and len(values) == 1536
