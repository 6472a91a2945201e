"""What a Response looks like by model, as the 2026 recordings show it (conformance/responses §2,
§3a, §3b): the resolved snapshot, the default ``top_p``, a message's ``phase``, and the 2026-08
reasoning settings and reasoning item.  The facts are asserted on their own (they hold without
../shared); where the recording is at hand, its key order is compared too."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.reference import shared_or_skip


def _create(server: ServerThread, body: dict[str, Any]) -> dict[str, Any]:
    answer = HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _stream(server: ServerThread, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = HTTP.post(f"{server.base_url}/responses", json={**body, "stream": True}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: ")]


def _messages(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in response["output"] if item["type"] == "message"]


@pytest.mark.parametrize(("model", "echoed"), [("gpt-5.4", "gpt-5.4-2026-03-05"), ("gpt-5.5", "gpt-5.5")])
def test_gpt_5_4_on_say_the_phase_of_their_message_and_top_p_098(
    module_server: ServerThread, model: str, echoed: str
) -> None:
    body = {"model": model, "input": "Say hi", "reasoning": {"effort": "low"}}
    response = _create(module_server, body)
    assert response["model"] == echoed
    assert response["top_p"] == 0.98
    [message] = _messages(response)
    assert list(message) == ["id", "type", "status", "content", "phase", "role"]
    assert message["phase"] == "final_answer"
    events = _stream(module_server, body)
    streamed = [e["item"] for e in events if e["type"] in ("response.output_item.added", "response.output_item.done")]
    for item in (i for i in streamed if i["type"] == "message"):
        assert list(item) == ["id", "type", "status", "content", "phase", "role"]
    completed = events[-1]["response"]
    assert completed["top_p"] == 0.98 and _messages(completed)[0]["phase"] == "final_answer"


def test_other_models_keep_top_p_1_and_no_phase(module_server: ServerThread) -> None:
    response = _create(module_server, {"model": "gpt-4o-mini", "input": "Say hi"})
    assert response["model"] == "gpt-4o-mini-2024-07-18"
    assert response["top_p"] == 1.0
    assert list(_messages(response)[0]) == ["id", "type", "status", "content", "role"]
    assert response["reasoning"] == {"effort": None, "summary": None}
    assert _create(module_server, {"model": "gpt-5.2", "input": "Say hi"})["top_p"] == 0.98
    assert _create(module_server, {"model": "gpt-4o", "input": "Say hi", "top_p": 0.5})["top_p"] == 0.5


@pytest.mark.parametrize(("model", "effort"), [("gpt-5-nano", "medium"), ("gpt-5.2", "none"), ("o4-mini", "medium")])
def test_a_reasoning_model_echoes_the_2026_08_reasoning_settings(
    module_server: ServerThread, model: str, effort: str
) -> None:
    reasoning = _create(module_server, {"model": model, "input": "2 + 2?"})["reasoning"]
    assert reasoning == {"context": "current_turn", "effort": effort, "mode": "standard", "summary": None}
    assert list(reasoning) == ["context", "effort", "mode", "summary"]


def test_a_reasoning_item_lists_its_empty_content_first(module_server: ServerThread) -> None:
    body = {"model": "gpt-5-nano", "input": "Count to 3", "include": ["reasoning.encrypted_content"], "store": False}
    [item] = [i for i in _create(module_server, body)["output"] if i["type"] == "reasoning"]
    assert list(item) == ["id", "type", "content", "encrypted_content", "summary"]
    assert item["content"] == []
    events = _stream(module_server, body)
    for event in events:
        if event["type"] in ("response.output_item.added", "response.output_item.done") and event["item"]["type"] == (
            "reasoning"
        ):
            assert list(event["item"]) == ["id", "type", "content", "encrypted_content", "summary"]
    plain = [
        i for i in _create(module_server, {"model": "o4-mini", "input": "2 + 2?"})["output"] if i["type"] == "reasoning"
    ]
    assert list(plain[0]) == ["id", "type", "content", "summary"]


def _recorded(name: str) -> str:
    path = next(shared_or_skip("conformance", "responses").glob(f"{name}_*.json"))
    response = json.loads(path.read_text())["response"]
    text: str = response.get("body_text") or json.dumps(response["body"])
    return text


def test_the_same_keys_in_the_same_order_as_the_2026_recordings(module_server: ServerThread) -> None:
    # [R:22] gpt-5.4, non-stream: the message's keys
    recorded = json.loads(_recorded("22"))
    mine = _create(module_server, {"model": "gpt-5.4", "input": "Say hi", "reasoning": {"effort": "low"}})
    assert recorded["model"] == mine["model"] and recorded["top_p"] == mine["top_p"]
    assert [list(m) for m in _messages(recorded)] == [list(m) for m in _messages(mine)]
    # [R:23] gpt-5.2 (2026-08): the reasoning settings
    recorded = json.loads(_recorded("23"))
    mine = _create(module_server, {"model": "gpt-5.2", "input": "Say hi"})
    assert recorded["reasoning"] == mine["reasoning"]
    # and the retention it echoes when asked none: "24h" (an audit found "in_memory"), where
    # gpt-5.4 [R:22] and gpt-5-nano [R:04] echo "in_memory"
    assert recorded["prompt_cache_retention"] == mine["prompt_cache_retention"] == "24h"
    assert json.loads(_recorded("22"))["prompt_cache_retention"] == "in_memory"
    assert _create(module_server, {"model": "gpt-5.4", "input": "Say hi"})["prompt_cache_retention"] == "in_memory"
    # [R:04] gpt-5-nano (2026-08), stream: the reasoning item's keys in output_item.done
    done = [
        json.loads(line[6:])["item"]
        for line in _recorded("04").splitlines()
        if line.startswith("data: ") and re.search(r'output_item\.done".*"type":"reasoning"', line)
    ]
    body = {"model": "gpt-5-nano", "input": "Count", "include": ["reasoning.encrypted_content"], "store": False}
    mine_done = [
        e["item"]
        for e in _stream(module_server, body)
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "reasoning"
    ]
    assert [list(i) for i in done] == [list(i) for i in mine_done]


def test_the_reasoning_context_and_mode_echoed_are_the_effective_ones(module_server: ServerThread) -> None:
    """A JS audit (the Agents SDK's default model is gpt-5.6-luna): a Response always echoed
    ``current_turn`` and ``standard``.  The request's are echoed; unasked (or ``auto``), the model's:
    ``all_turns`` for gpt-5.6 (the openai-node 7.60 types), ``current_turn`` before it ([R:04])."""

    def reasoning(model: str, **asked: Any) -> Any:
        body: dict[str, Any] = {"model": model, "input": "Say hi", **({"reasoning": asked} if asked else {})}
        return _create(module_server, body)["reasoning"]

    assert reasoning("gpt-5.6-luna")["context"] == "all_turns"
    assert reasoning("gpt-5.6-luna", context="auto")["context"] == "all_turns"
    assert reasoning("gpt-5.6-luna", context="current_turn", mode="pro")["context"] == "current_turn"
    assert reasoning("gpt-5.6-luna", effort="low", mode="pro")["mode"] == "pro"
    assert reasoning("gpt-5-nano") == {
        "context": "current_turn",
        "effort": "medium",
        "mode": "standard",
        "summary": None,
    }


def test_the_agents_sdks_default_efforts_are_taken(server_factory: Any) -> None:
    """The JS Agents SDK sends each model its own default effort: gpt-5.3-codex ``none`` was refused
    (it took gpt-5's efforts), and --strict-models refused gpt-5.2-pro, the codex models,
    gpt-5.4-pro and the bare gpt-5.6."""
    strict = server_factory(strict_models=True)
    for model, effort in [
        ("gpt-5.3-codex", "none"),
        ("gpt-5.2-codex", "low"),
        ("gpt-5.2-pro", "medium"),
        ("gpt-5.4-pro", "medium"),
        ("gpt-5.6", "none"),
        ("gpt-5.5", "none"),
    ]:
        body = {"model": model, "input": "Say hi", "reasoning": {"effort": effort}}
        answer = HTTP.post(f"{strict.base_url}/responses", json=body, headers=AUTH)
        assert answer.status_code == 200, (model, answer.text)


def test_gpt_6_astra_and_6_1_sol_reason_always(module_server: ServerThread) -> None:
    """Their model pages (as pydantic-ai's live-checked notes cite them): effort none is refused,
    low to max taken; gpt-6-sol and gpt-6.1-terra still take none."""
    for model in ("gpt-6-astra", "gpt-6.1-sol"):
        body = {"model": model, "input": "Say hi", "reasoning": {"effort": "none"}}
        refused = HTTP.post(f"{module_server.base_url}/responses", json=body, headers=AUTH)
        assert refused.status_code == 400
        assert refused.json()["error"]["param"] == "reasoning.effort"
        assert _create(module_server, {**body, "reasoning": {"effort": "low"}})["reasoning"]["effort"] == "low"
    for model in ("gpt-6-sol", "gpt-6.1-terra"):
        assert _create(module_server, {"model": model, "input": "Hi", "reasoning": {"effort": "none"}})["status"]


def test_encrypted_content_is_a_fernet_token_of_the_responses_time(module_server: ServerThread) -> None:
    """A recorded-traffic audit: the real tokens carry their response's time; mockai's decoded to
    random years (2014, 2086).  Reasoning's and a compaction's alike."""
    import base64

    body = {"model": "o4-mini", "input": "Count", "include": ["reasoning.encrypted_content"], "store": False}
    answer = _create(module_server, body)
    [reasoning] = [item for item in answer["output"] if item["type"] == "reasoning"]
    token = base64.urlsafe_b64decode(reasoning["encrypted_content"])
    assert token[0] == 0x80 and int.from_bytes(token[1:9], "big") == answer["created_at"]
    compact = HTTP.post(
        f"{module_server.base_url}/responses/compact", json={"model": "gpt-5.2", "input": "hi"}, headers=AUTH
    )
    compacted = compact.json()
    token = base64.urlsafe_b64decode(compacted["output"][-1]["encrypted_content"])
    assert reasoning["encrypted_content"].startswith("gAAAAA")
    assert int.from_bytes(token[1:9], "big") == compacted["created_at"]


def test_a_follow_up_is_never_older_than_its_parent(module_server: ServerThread) -> None:
    """Seeded times are drawn from the request, so a follow-up could be older than the response
    it continues, and a chain listed by ``created_at`` came out of order."""
    previous: str | None = None
    times = []
    for turn in range(12):
        body: dict[str, Any] = {"model": "gpt-4o-mini", "input": f"Turn {turn}"}
        if previous is not None:
            body["previous_response_id"] = previous
        answer = _create(module_server, body)
        previous = answer["id"]
        times.append(answer["created_at"])
    assert times == sorted(times) and len(set(times)) == len(times)
