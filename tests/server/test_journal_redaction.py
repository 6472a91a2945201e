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


# Headers and query parameters of the gateways in front of the API, found written in clear by an
# audit (the cassette, the journal, a rule's miss explanation): secrets by their names' parts.
GATEWAY_SECRETS = {
    "Ocp-Apim-Subscription-Key": "apim-secret-1",
    "X-Goog-Api-Key": "goog-secret-2",
    "cf-aig-authorization": "Bearer cf-secret-3",
    "Helicone-Auth": "Bearer helicone-secret-4",
    "X-Amz-Security-Token": "amz-secret-5",
}


def test_gateway_secrets_are_redacted_without_being_named() -> None:
    with running_server() as server:
        server.state.scenarios.on(headers={"Ocp-Apim-Subscription-Key": "expected-value"}).reply("x")
        answer = HTTP.post(
            f"{server.base_url}/chat/completions?sig=sas-secret-6&subscription-key=q-secret-7&api-version=2024-10-21",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers={**AUTH, **GATEWAY_SECRETS},
        )
        assert answer.status_code == 200
        admin = server.base_url.removesuffix("/v1") + "/_mockai"
        shown = httpx.get(f"{admin}/requests", timeout=10).text + httpx.get(f"{admin}/misses", timeout=10).text
        for secret in [*GATEWAY_SECRETS.values(), "sas-secret-6", "q-secret-7"]:
            assert secret.split()[-1] not in shown
        [entry] = httpx.get(f"{admin}/requests", timeout=10).json()["data"]
        assert {k.lower(): v for k, v in entry["headers"].items()}["ocp-apim-subscription-key"] == "<redacted>"
        assert entry["query"] == "sig=<redacted>&subscription-key=<redacted>&api-version=2024-10-21"


def test_what_is_no_secret_is_kept() -> None:
    from mockai.core.redaction import is_secret_header, is_secret_query_param

    for name in ("x-ratelimit-remaining-tokens", "openai-processing-ms", "x-request-id", "content-type", "keep-alive"):
        assert not is_secret_header(name), name
    assert not is_secret_query_param("api-version") and not is_secret_query_param("limit")
    for name in (*GATEWAY_SECRETS, "x-api-key", "api-key", "X-CSRF-Token", "x_auth_token"):
        assert is_secret_header(name), name


def test_cassettes_leave_gateway_secrets_out() -> None:
    from mockai.replay.cassette_cleaning import clean_request_headers, clean_response_headers

    kept = clean_request_headers([*GATEWAY_SECRETS.items(), ("x-stainless-lang", "python")])
    assert kept == {"x-stainless-lang": "python"}
    answered = clean_response_headers([("x-ratelimit-remaining-tokens", "149984"), ("x-goog-api-key", "k")])
    assert answered == (("x-ratelimit-remaining-tokens", "149984"),)
