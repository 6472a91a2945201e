"""A stored stream that fails after its 200 (a rule's ``stream_error``) is kept as it ended, as the
real API keeps it [R:29]: retrieved ``failed``, with its error, as the final event said."""

from __future__ import annotations

import json
from typing import Any

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_a_failed_stream_is_kept_failed(fresh: ServerThread) -> None:
    fresh.run(lambda: fresh.state.scenarios.on(user_contains="explode").stream_error(after=3, message="boom"))
    sent = HTTP.post(
        f"{fresh.base_url}/responses", json={"model": "gpt-4o-mini", "input": "explode", "stream": True}, headers=AUTH
    )
    events = _events(sent.text)
    final = events[-1]
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]
    stored = HTTP.get(f"{fresh.base_url}/responses/{final['response']['id']}", headers=AUTH)
    assert stored.status_code == 200
    assert stored.json() == final["response"]
    assert stored.json()["status"] == "failed" and stored.json()["error"]["message"] == "boom"
