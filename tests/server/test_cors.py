"""``--cors``: a web app under test calls mockai from the page, as it may call the real API.

A browser sends a preflight (``OPTIONS`` with ``Access-Control-Request-*``) before a request
carrying ``Authorization``, and reads an answer only when it allows the page's origin.  A client
audit found both missing: the preflight got a 405, so every browser call failed before the SDK saw
an answer.  Off by default, since a page on the web could otherwise read what a local mockai
stores; the admin API never answers pages, with or without it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.servers import ServerFactory, running_server

_PAGE = "http://localhost:5173"
_PREFLIGHT = {
    "Origin": _PAGE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type,x-stainless-os",
}
_CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def cors_server() -> Iterator[ServerThread]:
    with running_server(cors=True) as server:
        yield server


@pytest.mark.parametrize("path", ["chat/completions", "responses", "embeddings", "models", "chat/completions/x"])
def test_a_preflight_is_allowed(cors_server: ServerThread, path: str) -> None:
    answer = HTTP.options(f"{cors_server.base_url}/{path}", headers=_PREFLIGHT)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["access-control-allow-headers"] == "authorization,content-type,x-stainless-os"
    assert "POST" in answer.headers["access-control-allow-methods"]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("chat/completions", _CHAT),
        ("responses", {"model": "gpt-4o-mini", "input": "hi", "store": False}),
        ("chat/completions", {"model": "gpt-4o-mini"}),  # a refusal too
    ],
)
def test_a_page_may_read_the_answers(
    cors_server: ServerThread, path: str, body: dict[str, object], stream: bool
) -> None:
    answer = HTTP.post(
        f"{cors_server.base_url}/{path}", json={**body, "stream": stream}, headers={**AUTH, "Origin": _PAGE}
    )
    assert answer.headers["access-control-allow-origin"] == "*"
    same = HTTP.post(f"{cors_server.base_url}/{path}", json={**body, "stream": stream}, headers=AUTH)
    assert same.status_code == answer.status_code and "access-control-allow-origin" not in same.headers
    assert same.content == answer.content  # (the same answer, and no header for a client that is no page)


def test_the_admin_api_still_refuses_pages(cors_server: ServerThread) -> None:
    base = cors_server.base_url.removesuffix("/v1")
    refused = HTTP.post(f"{base}/_mockai/reset", headers={"Origin": _PAGE})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    preflight = HTTP.options(f"{base}/_mockai/scenarios", headers=_PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers


def test_off_by_default(server_factory: ServerFactory) -> None:
    server = server_factory()
    assert HTTP.options(f"{server.base_url}/chat/completions", headers=_PREFLIGHT).status_code == 405
    answer = HTTP.post(f"{server.base_url}/chat/completions", json=_CHAT, headers={**AUTH, "Origin": _PAGE})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
