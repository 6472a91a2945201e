"""A stored request sent again gets a Response of its own (new ids); what it echoes stays as sent:
a continuation shares its parent's id group, so its ``previous_response_id`` (and any text
holding that group) must not move with the new ids, in JSON or in a stream."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP

MODEL = "gpt-4o-mini"


def _create(server: ServerThread, body: dict[str, Any]) -> dict[str, Any]:
    answer = HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    if not body.get("stream"):
        return dict(answer.json())
    finals = [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: ")]
    return dict(finals[-1]["response"])


def test_a_repeated_continuation_echoes_its_previous_response(fresh: ServerThread) -> None:
    first = _create(fresh, {"model": MODEL, "input": "My name is Szymon."})
    group = first["id"][5:21]
    body = {
        "model": MODEL,
        "input": "What is my name?",
        "previous_response_id": first["id"],
        "metadata": {"about": f"group {group}"},
    }
    answers = [_create(fresh, body), _create(fresh, body), _create(fresh, {**body, "stream": True})]
    for answer in answers:
        assert answer["previous_response_id"] == first["id"]
        assert answer["metadata"] == body["metadata"]
        stored = httpx.get(f"{fresh.base_url}/responses/{answer['id']}", headers=AUTH, timeout=10)
        assert stored.status_code == 200 and stored.json()["previous_response_id"] == first["id"]
    ids = [answer["id"] for answer in answers]
    assert len(set(ids)) == 3  # each a Response of its own
    items = [item["id"] for answer in answers for item in answer["output"]]
    assert len(set(items)) == len(items)
