"""The admin API under /_mockai/: what non-Python CI uses, driven over plain HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.bodies import chat
from tests.support.clients import post_chat, sdk

WEATHER_YAML = """
- name: call the weather tool
  match: {user_contains: weather, last_role: user}
  reply: {content: "Sunny."}
- name: fallback
  optional: true
  reply: {content: "Anything else."}
"""


def _admin(server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=server.base_url.removesuffix("/v1") + "/_mockai", timeout=10)


def _chat(server: ServerThread, text: str, **body: Any) -> httpx.Response:
    return post_chat(server.base_url, chat(text, model="gpt-4o", **body))


def test_health(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        assert admin.get("/health").json() == {"status": "ok", "rules": 0, "requests": 0}


def test_load_list_and_use_rules_from_yaml(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        added = admin.post("/scenarios", content=WEATHER_YAML, headers={"content-type": "application/yaml"})
        assert added.status_code == 201
        assert added.json() == {"added": 2, "rules": 2}
        assert _chat(fresh, "weather?").json()["choices"][0]["message"]["content"] == "Sunny."
        listed = admin.get("/scenarios").json()["data"]
    assert [(r["name"], r["matched"], r["unused"]) for r in listed] == [
        ("call the weather tool", 1, False),
        ("fallback", 0, False),
    ]
    assert listed[0]["rule"] == 'rule 1 "call the weather tool" (POST /_mockai/scenarios:2)'
    assert listed[0]["spec"]["reply"] == {"content": "Sunny."}


def test_json_bodies_and_a_single_rule_are_accepted(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        response = admin.post("/scenarios", json={"name": "one", "reply": {"content": "from JSON"}})
        assert response.json() == {"added": 1, "rules": 1}
        response = admin.post("/scenarios", json=[{"reply": {"content": "second"}}])
        assert response.json() == {"added": 1, "rules": 2}
    assert _chat(fresh, "hi").json()["choices"][0]["message"]["content"] == "from JSON"


def test_put_replaces_and_delete_clears(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        admin.post("/scenarios", content=WEATHER_YAML)
        assert admin.put("/scenarios", content="- reply: {content: replaced}\n").json() == {"added": 1, "rules": 1}
        assert _chat(fresh, "weather?").json()["choices"][0]["message"]["content"] == "replaced"
        assert admin.delete("/scenarios").json() == {"removed": 1, "rules": 0}
        assert admin.get("/health").json()["rules"] == 0
    assert _chat(fresh, "weather?").json()["choices"][0]["message"]["content"] != "replaced"


def test_a_broken_upload_is_a_400_naming_the_line_and_changes_nothing(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        admin.post("/scenarios", content=WEATHER_YAML)
        response = admin.put("/scenarios", content="- reply: {content: ok}\n- match: {user_contain: x}\n")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid_scenario"
        assert error["message"] == (
            "PUT /_mockai/scenarios:2: rule 2: match.user_contain: unknown key 'user_contain' "
            "(did you mean 'user_contains'?)"
        )
        assert admin.get("/health").json()["rules"] == 2


def test_requests_show_each_request_with_the_rule_that_matched(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        admin.post("/scenarios", content="- name: weather\n  match: {user_contains: weather}\n  reply: {content: x}\n")
        _chat(fresh, "weather?")
        _chat(fresh, "news?")
        data = admin.get("/requests").json()
        last = admin.get("/requests", params={"limit": 1}).json()["data"]
    assert data["total"] == 2
    assert [(e["seq"], e["rule"], e["source"], e["status"]) for e in data["data"]] == [
        (1, "weather", "scenario:weather", 200),
        (2, None, "seeded", 200),
    ]
    assert data["data"][0]["headers"]["Authorization"] == "<redacted>"
    assert data["data"][0]["response"]["choices"][0]["message"]["content"] == "x"
    assert [e["seq"] for e in last] == [2]


def test_misses_unused_problems_and_explain(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        admin.post(
            "/scenarios",
            content=(
                "- name: weather\n  match: {user_contains: weather}\n  reply: {content: '{{ tool_result.t }}'}\n"
                "- name: never\n  match: {model: o3}\n  reply: {content: x}\n"
            ),
        )
        _chat(fresh, "news?")
        _chat(fresh, "weather?")
        misses = admin.get("/misses").json()["data"]
        unused = admin.get("/unused").json()["data"]
        problems = admin.get("/problems").json()["data"]
        explained = admin.post("/explain", json={"model": "o3", "messages": [{"role": "user", "content": "hi"}]})
    assert [m["seq"] for m in misses] == [1]
    assert 'user_contains: expected "weather", got "news?"' in misses[0]["explanation"]
    assert [u["name"] for u in unused] == ["never"]
    assert problems[0]["seq"] == 2 and "no tool result" in problems[0]["message"]
    assert explained.json()["explanation"].startswith('rule 2 "never" (POST /_mockai/scenarios:4) matches')


def test_reset_forgets_requests_and_restarts_sequences(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        admin.post("/scenarios", content="- replies: [{content: one}, {content: two}]\n")
        assert _chat(fresh, "a").json()["choices"][0]["message"]["content"] == "one"
        assert admin.post("/reset").json() == {"reset": True}
        assert admin.get("/requests").json() == {"object": "list", "total": 0, "data": []}
        assert admin.get("/health").json()["rules"] == 1
    assert _chat(fresh, "a").json()["choices"][0]["message"]["content"] == "one"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing", 404),
        ("PATCH", "/scenarios", 405),
        ("GET", "/requests?limit=x", 400),
        ("POST", "/explain", 400),
    ],
)
def test_admin_errors_use_the_error_envelope(fresh: ServerThread, method: str, path: str, status: int) -> None:
    with _admin(fresh) as admin:
        response = admin.request(method, path, content=b"not json")
    assert response.status_code == status
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_admin_paths_do_not_reach_the_openai_routes(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url, strict=False)
    with pytest.raises(openai.NotFoundError):
        client.get("/_mockai/health", cast_to=object)  # relative to /v1: not an admin path
