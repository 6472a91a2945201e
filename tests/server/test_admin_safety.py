"""The admin API is out of a browser's reach (issue 15, finding 6) and its journal ``limit`` is
right for every value (finding 10): cross-site rule injection, DNS rebinding, content types,
the optional admin token, and the errors' JSON envelope; all over plain HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import make_mocked_request

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.server.admin_guard import check_admin_request
from mockai.server.runner import ServerThread
from tests.support.bodies import chat
from tests.support.clients import AUTH, post_chat
from tests.support.servers import ServerFactory, mockai_process

RULE = "- reply: {content: scripted by a web page}\n"


@pytest.fixture
def admin(fresh: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh.base_url.removesuffix("/v1"), timeout=10) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error"
    return error


def _rules(fresh: ServerThread) -> int:
    return len(fresh.state.scenarios.rules)


# --- finding 6: cross-site rule injection ------------------------------------------------------


def test_the_cross_site_post_of_the_report_is_refused_and_scripts_nothing(
    fresh: ServerThread, admin: httpx.Client
) -> None:
    headers = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    response = admin.post("/_mockai/scenarios", content=RULE, headers=headers)
    assert "cross-origin" in _error(response, 403, "admin_origin_refused")["message"]
    assert _rules(fresh) == 0
    answer = post_chat(fresh.base_url, chat("hi", model="gpt-4o")).json()
    assert answer["choices"][0]["message"]["content"] != "scripted by a web page"


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost:1", "https://127.0.0.1", "file://", "garbage"]
)
def test_a_foreign_origin_is_refused_on_every_method(admin: httpx.Client, origin: str) -> None:
    for method, path in (("GET", "/requests"), ("POST", "/reset"), ("DELETE", "/scenarios"), ("GET", "/nope")):
        response = admin.request(method, "/_mockai" + path, headers={"Origin": origin})
        _error(response, 403, "admin_origin_refused")


def test_an_origin_of_this_server_passes(fresh: ServerThread, admin: httpx.Client) -> None:
    port = fresh.base_url.removesuffix("/v1").rsplit(":", 1)[1]
    for host in ("127.0.0.1", "localhost", "[::1]"):
        response = admin.get("/_mockai/health", headers={"Origin": f"http://{host}:{port}"})
        assert response.status_code == 200, (host, response.text)


def test_sec_fetch_site_from_another_site_is_refused(admin: httpx.Client) -> None:
    for site in ("cross-site", "same-site"):
        _error(admin.post("/_mockai/reset", headers={"Sec-Fetch-Site": site}), 403, "admin_origin_refused")
    assert admin.get("/_mockai/health", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


@pytest.mark.parametrize(
    "host", ["rebind.evil.example", "rebind.evil.example:8000", "localhost.evil.example", "10.0.0.1"]
)
def test_dns_rebinding_cannot_read_the_journal(admin: httpx.Client, host: str) -> None:
    response = admin.get("/_mockai/requests", headers={"Host": host})
    assert host in _error(response, 403, "admin_host_refused")["message"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:9", "localhost", "LOCALHOST:1234", "[::1]", "[::1]:80", "127.5.6.7"]
)
def test_loopback_host_names_are_served(admin: httpx.Client, host: str) -> None:
    assert admin.get("/_mockai/health", headers={"Host": host}).status_code == 200


def test_the_chat_api_is_not_host_checked(fresh: ServerThread) -> None:
    response = post_chat(fresh.base_url, chat("hi", model="gpt-4o"), headers={**AUTH, "Host": "rebind.evil.example"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html", "x"],
)
def test_bodies_must_be_json_or_yaml(fresh: ServerThread, admin: httpx.Client, content_type: str) -> None:
    for method, path in (("POST", "/scenarios"), ("PUT", "/scenarios"), ("POST", "/explain"), ("POST", "/reset")):
        response = admin.request(method, "/_mockai" + path, content=RULE, headers={"Content-Type": content_type})
        assert content_type in _error(response, 415, "unsupported_content_type")["message"]
    assert _rules(fresh) == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "TEXT/X-YAML",
        "application/vnd.mockai+json",
        "application/vnd.mockai+yaml; charset=utf-8",
    ],
)
def test_json_and_yaml_content_types_are_accepted(fresh: ServerThread, admin: httpx.Client, content_type: str) -> None:
    body = '[{"reply": {"content": "ok"}}]'
    response = admin.post("/_mockai/scenarios", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert _rules(fresh) == 1


def test_python_clients_without_a_content_type_keep_working(fresh: ServerThread, admin: httpx.Client) -> None:
    response = admin.put("/_mockai/scenarios", content="- reply: {content: ok}\n")
    assert response.status_code == 200, response.text
    assert admin.post("/_mockai/reset").json() == {"reset": True}
    assert admin.delete("/_mockai/scenarios").json() == {"removed": 1, "rules": 0}


def test_unknown_paths_and_methods_under_the_prefix_answer_json(admin: httpx.Client) -> None:
    response = admin.post("/_mockai/health")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_supported"
    response = admin.get("/_mockai/nope")
    assert response.status_code == 404 and "Invalid URL" in response.json()["error"]["message"]


# --- the admin token ---------------------------------------------------------------------------


def test_the_admin_token_is_required_when_set(server_factory: ServerFactory) -> None:
    server = server_factory(admin_token="s3cret")
    with httpx.Client(base_url=server.base_url.removesuffix("/v1"), timeout=10) as client:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"X-Mockai-Admin-Token": "s3cre"},
            {"Authorization": "s3cret"},
        ):
            response = client.get("/_mockai/requests", headers=headers)
            assert "--admin-token" in _error(response, 401, "invalid_admin_token")["message"]
        response = client.post(
            "/_mockai/scenarios", json=[{"reply": {"content": "x"}}], headers={"X-Mockai-Admin-Token": "wrong"}
        )
        assert response.status_code == 401 and not server.state.scenarios.rules
        for headers in ({"Authorization": "Bearer s3cret"}, {"X-Mockai-Admin-Token": "s3cret"}):
            assert client.get("/_mockai/health", headers=headers).status_code == 200
        # The token does not let a web page in: the Origin check still holds.
        headers = {"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}
        _error(client.get("/_mockai/health", headers=headers), 403, "admin_origin_refused")
        # The chat API does not ask for it.
        assert post_chat(server.base_url, chat("hi", model="gpt-4o")).status_code == 200


def test_the_admin_token_flag() -> None:
    with mockai_process("serve", "--port", "0", "--admin-token", "tok-1") as process:
        root = process.url.removesuffix("/v1")
        assert httpx.get(root + "/_mockai/health", timeout=10).status_code == 401
        ok = httpx.get(root + "/_mockai/health", headers={"Authorization": "Bearer tok-1"}, timeout=10)
        assert ok.status_code == 200


def _check(config: ServerConfig, headers: dict[str, str]) -> APIError | None:
    request = make_mocked_request("GET", "/_mockai/health", headers=headers)
    try:
        check_admin_request(request, config)
    except APIError as error:
        return error
    return None


def test_a_non_loopback_host_flag_is_accepted_as_host() -> None:
    # Binding anything but loopback is not done in tests: the guard is asked directly.
    config = ServerConfig(host="mockai.internal", port=8000)
    assert _check(config, {"Host": "mockai.internal:8000"}) is None
    assert _check(config, {"Host": "localhost:8000"}) is None
    refused = _check(config, {"Host": "rebind.evil.example"})
    assert refused is not None and refused.status == 403
    wildcard = ServerConfig(host="0.0.0.0", port=8000)
    assert _check(wildcard, {"Host": "192.0.2.7:8000"}) is None  # an address: nothing to rebind
    refused = _check(wildcard, {"Host": "mockai"})
    assert refused is not None and refused.status == 403
    assert (
        _check(ServerConfig(host="0.0.0.0", admin_token="t"), {"Host": "mockai", "X-Mockai-Admin-Token": "t"}) is None
    )


# --- finding 10: the journal's limit ------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 5, 10, 1000, 10**30])
def test_the_journal_limit_is_right_for_every_value(fresh: ServerThread, admin: httpx.Client, limit: int) -> None:
    for text in ("one", "two", "three"):
        assert post_chat(fresh.base_url, chat(text, model="gpt-4o")).status_code == 200
    data = admin.get("/_mockai/requests", params={"limit": str(limit)}).json()["data"]
    users = [entry["body"]["messages"][-1]["content"] for entry in data]
    assert users == ["one", "two", "three"][max(3 - limit, 0) :] if limit else users == []


@pytest.mark.parametrize("limit", ["-1", "x", "1.5", "", "٣"])
def test_a_bad_journal_limit_is_a_400(admin: httpx.Client, limit: str) -> None:
    response = admin.get("/_mockai/requests", params={"limit": limit})
    assert response.status_code == 400 and response.json()["error"]["param"] == "limit"


def test_an_upload_of_too_many_values_is_refused_before_it_is_read(fresh: ServerThread, admin: httpx.Client) -> None:
    """An audit's 4 MB list of 2,000,000 values held the server 7.6 s (700 MiB) before its 400: the
    document was composed and walked on the event loop, then found too large."""
    text = "- reply: {content: x}\n  match: {user_contains: [" + ", ".join(f"w{i}" for i in range(120_000)) + "]}\n"
    refused = admin.post("/_mockai/scenarios", content=text, headers={"Content-Type": "application/yaml"})
    error = _error(refused, 400, "invalid_scenario")
    assert error["message"] == "POST /_mockai/scenarios: the YAML document has more than 100000 values"
    assert _rules(fresh) == 0
    accepted = admin.post("/_mockai/scenarios", content=RULE, headers={"Content-Type": "application/yaml"})
    assert accepted.status_code == 201 and _rules(fresh) == 1
