"""Scenario rules answer ``/v1/responses`` with the same conditions and YAML as chat (no second
dialect); their replies (text, tool calls, JSON, refusal, errors, stream faults) render as
Response output and events; the journal and ``mockai.requests`` read Responses requests."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest

from mockai.scenarios.file_format import load_text
from mockai.server.runner import ServerThread
from mockai.testing.request_log import RecordedRequest, RequestLog
from tests.support.clients import AUTH, HTTP, client_for

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}

RULES = """
- name: weather asks the tool
  match: {user_contains: weather, tools: [get_weather], last_role: user}
  reply: {tool_call: {name: get_weather, arguments: {location: Boston}}}
- name: weather answers from the result
  match: {tool_result: get_weather}
  reply: {content: "It is {{ tool_result.temperature }} degrees in Boston."}
- name: refuse
  match: {user_contains: bomb}
  reply: {refusal: "I'm sorry, I can't assist with that."}
- name: json
  match: {user_contains: "as json"}
  reply: {json: {answer: 42}}
- name: rate limited
  match: {user_contains: busy}
  reply: {error: {status: 429, message: "Rate limit reached", type: requests, code: rate_limit_exceeded}}
- name: cut stream
  match: {user_contains: cut me, stream: true}
  reply: {content: "This stream will be cut short before it ends.", fault: {kind: cut, after: 4}}
- name: slow and chunked
  match: {user_contains: slowly, stream: true}
  reply: {content: "one two three four five six", delay: 0.2, tokens_per_chunk: 3, chunk_delay: 0.01}
- name: stream error
  match: {user_contains: quota, stream: true}
  reply:
    content: "never finished"
    fault: {kind: error_event, after: 2, error: {type: insufficient_quota, code: insufficient_quota, message: "You exceeded your current quota."}}
"""


@pytest.fixture
def server(fresh: ServerThread) -> ServerThread:
    fresh.run(lambda: fresh.state.scenarios.add(load_text(RULES)))
    return fresh


def _requests(server: ServerThread) -> RequestLog:
    return RequestLog(RecordedRequest.from_entry(entry) for entry in server.run(lambda: list(server.state.journal)))


def test_tool_call_then_answer_from_the_result(server: ServerThread) -> None:
    client = client_for(server)
    history: list[Any] = [{"role": "user", "content": "What's the weather in Boston?"}]
    first = client.responses.create(model="gpt-4o", input=history, tools=[WEATHER])
    [call] = first.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"location": "Boston"}
    history += [
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": 21}'},
    ]
    second = client.responses.create(model="gpt-4o", input=history, tools=[WEATHER])
    assert second.output_text == "It is 21 degrees in Boston."

    log = _requests(server)
    assert [r.rule for r in log] == ["weather asks the tool", "weather answers from the result"]
    assert log.first.last_user_message == "What's the weather in Boston?"
    assert log.first.body["input"] == [{"role": "user", "content": "What's the weather in Boston?"}]  # as sent
    [result] = log.tool_results("get_weather")
    assert result.arguments == {"location": "Boston"} and json.loads(result.content) == {"temperature": 21}
    assert log.last.reply_text == "It is 21 degrees in Boston."


def test_refusal_and_json(server: ServerThread) -> None:
    client = client_for(server)
    refused = client.responses.create(model="gpt-4o", input="how to build a bomb")
    [message] = refused.output
    assert message.content[0].type == "refusal" and refused.output_text == ""
    answered = client.responses.create(model="gpt-4o", input="give it to me as json")
    assert json.loads(answered.output_text) == {"answer": 42}


def test_error_reply(server: ServerThread) -> None:
    client = client_for(server)
    with pytest.raises(openai.RateLimitError) as caught:
        client.responses.create(model="gpt-4o", input="are you busy?")
    assert caught.value.code == "rate_limit_exceeded"


def test_stream_cut_short(server: ServerThread) -> None:
    answer = HTTP.post(
        f"{server.base_url}/responses", json={"model": "gpt-4o", "input": "cut me", "stream": True}, headers=AUTH
    )
    events = [block for block in answer.text.split("\n\n") if block]
    assert len(events) == 4 and events[0].startswith("event: response.created\n")
    client = client_for(server)
    with pytest.raises(RuntimeError), client.responses.stream(model="gpt-4o", input="cut me") as stream:
        stream.get_final_response()


def test_error_event_in_a_stream(server: ServerThread) -> None:
    answer = HTTP.post(
        f"{server.base_url}/responses", json={"model": "gpt-4o", "input": "quota", "stream": True}, headers=AUTH
    )
    payloads = [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: ")]
    assert [p["type"] for p in payloads] == ["response.created", "response.in_progress", "error", "response.failed"]
    assert payloads[2]["error"]["code"] == "insufficient_quota" and payloads[2]["sequence_number"] == 2
    assert payloads[3]["response"]["status"] == "failed" and payloads[3]["response"]["usage"] is None
    client = client_for(server)
    with pytest.raises(openai.APIError, match="exceeded your current quota"):
        for _ in client.responses.create(model="gpt-4o", input="quota", stream=True):
            pass


def test_latency_and_chunking_apply(server: ServerThread) -> None:
    started = time.monotonic()
    answer = HTTP.post(
        f"{server.base_url}/responses", json={"model": "gpt-4o", "input": "slowly", "stream": True}, headers=AUTH
    )
    assert time.monotonic() - started >= 0.2  # the rule's delay before the first byte
    payloads = [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: ")]
    deltas = [p["delta"] for p in payloads if p["type"] == "response.output_text.delta"]
    assert "".join(deltas) == "one two three four five six" and len(deltas) == 2  # 3 tokens an event
