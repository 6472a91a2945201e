"""Secrets the user names (``--redact-header``, ``--redact-field``) are never shown by the journal
(``GET /_mockai/requests``, ``mockai.requests``), as the default ones (the API key) are not."""

from __future__ import annotations

import httpx

from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server

SECRET_HEADER = "portkey-secret-123"
SECRET_FIELD = "field-secret-456"


def test_named_headers_and_fields_are_redacted_in_the_journal() -> None:
    with running_server(redact_headers=("X-Portkey-Api-Key",), redact_fields=("secret_token",)) as server:
        body = {
            "model": "gpt-4o-mini",
            "input": "hi",
            "metadata": {"secret_token": SECRET_FIELD, "team": "a"},
        }
        answer = HTTP.post(
            f"{server.base_url}/responses", json=body, headers={**AUTH, "x-portkey-api-key": SECRET_HEADER}
        )
        assert answer.status_code == 200 and SECRET_FIELD in answer.text  # the answer itself echoes it, as the API
        journal = httpx.get(server.base_url.removesuffix("/v1") + "/_mockai/requests", timeout=10)
        text = journal.text
        assert SECRET_HEADER not in text and SECRET_FIELD not in text and AUTH["Authorization"] not in text
        [entry] = journal.json()["data"]
        assert entry["headers"]["x-portkey-api-key"] == "<redacted>"
        assert entry["body"]["metadata"] == {"secret_token": "<redacted>", "team": "a"}
        assert entry["response"]["metadata"]["secret_token"] == "<redacted>"
        [logged] = [e for e in server.state.journal]
        assert SECRET_FIELD not in repr(logged.body) and SECRET_HEADER not in repr(logged.headers)
