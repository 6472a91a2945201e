"""``--model`` and ``--strict-models`` hold for embeddings and moderations as for chat: a strict
server whose catalogue leaves a model out answers it with the real 404."""

from __future__ import annotations

from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server

EMBED = ("embeddings", {"model": "text-embedding-3-small", "input": "hi"})
MODERATE = ("moderations", {"input": "hi"})  # omni-moderation-latest by default


def test_a_strict_server_refuses_models_its_catalogue_leaves_out() -> None:
    with running_server(strict_models=True, models=("my-model",)) as server:
        for path, body in (EMBED, MODERATE):
            answer = HTTP.post(f"{server.base_url}/{path}", json=body, headers=AUTH)
            assert answer.status_code == 404, answer.text
            error = answer.json()["error"]
            assert error["code"] == "model_not_found" and error["type"] == "invalid_request_error"
            assert error["message"].startswith(
                f"The model `{body.get('model', 'omni-moderation-latest')}` does not exist"
            )


def test_the_default_catalogue_serves_them_strict_or_not() -> None:
    for strict in (True, False):
        with running_server(strict_models=strict) as server:
            for path, body in (EMBED, MODERATE):
                assert HTTP.post(f"{server.base_url}/{path}", json=body, headers=AUTH).status_code == 200
