"""MockAI outside pytest's fixture: the context manager, unittest, the request log helpers."""

from __future__ import annotations

import json
import os
import unittest

import openai
import pytest

from mockai.testing.mock import MockAI, MockAIStrictError

USER = [{"role": "user", "content": "hello"}]


def test_context_manager_points_the_environment_at_the_mock_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-key-must-not-leak")
    with MockAI() as m:
        assert os.environ["OPENAI_BASE_URL"] == m.base_url
        assert os.environ["OPENAI_API_KEY"] == m.api_key != "sk-real-key-must-not-leak"
        reply = openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o-mini", messages=USER)
        assert reply.choices[0].message.content
        assert m.requests.last.headers["authorization"] == "<redacted>"
    assert "OPENAI_BASE_URL" not in os.environ
    assert os.environ["OPENAI_API_KEY"] == "sk-real-key-must-not-leak"


def test_leaving_the_block_checks_strictness() -> None:
    with pytest.raises(MockAIStrictError) as caught, MockAI() as m:
        m.on(user_contains="weather", name="weather").reply("Sunny.")
    assert 'rule "weather"' in str(caught.value) and "never matched, written for 1" in str(caught.value)

    with MockAI(strict=False) as m:  # not strict: nothing raised
        m.on(user_contains="weather").reply("Sunny.")


def test_an_error_in_the_block_is_not_hidden_by_the_strict_check() -> None:
    with pytest.raises(KeyError), MockAI() as m:
        m.on(user_contains="weather").reply("Sunny.")
        raise KeyError("the test's own failure")


def test_each_instance_without_a_lent_server_has_its_own() -> None:
    with MockAI() as a, MockAI(seed=3) as b:
        assert a.base_url != b.base_url
        openai.OpenAI(base_url=a.base_url, api_key=a.api_key).chat.completions.create(
            model="gpt-4o-mini", messages=USER
        )
        assert a.requests.call_count == 1
        assert b.requests.call_count == 0


def test_on_no_match_modes() -> None:
    with MockAI(on_no_match="error", strict=False) as m:  # even without rules: an error
        client = m.openai(max_retries=0)
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="gpt-4o-mini", messages=USER)

    with MockAI(on_no_match="seeded", strict=False) as m:  # a seeded answer, but the miss is kept
        m.on(user_contains="weather").reply("Sunny.")
        client = m.openai(max_retries=0)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=USER)
        assert reply.choices[0].message.content != "Sunny."
        [miss] = m.unmatched()
        assert 'expected "weather", got "hello"' in miss.explanation


@pytest.mark.parametrize("continued_by", ["previous_response_id", "conversation"])
def test_tool_results_of_a_responses_turn_continuing_a_stored_one_are_named(continued_by: str) -> None:
    """A plugin audit: a Responses turn continuing a stored one sends the call's output alone
    (the call is in the stored turn), so ``tool_results("get_weather")`` found nothing, while the
    server's own ``tool_result=`` rule matched.  The log names it from the answer that made it."""
    weather = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    with MockAI() as m:
        m.on(user_contains="weather", last_role="user").reply(tool_call=("get_weather", {"location": "Paris"}))
        m.on(tool_result="get_weather").reply("It is {{ tool_result.celsius }} C")
        client = m.openai(max_retries=0)
        state: dict[str, str] = {}
        if continued_by == "conversation":
            state["conversation"] = client.conversations.create().id
        first = client.responses.create(model="gpt-4.1", input="weather in Paris?", tools=[weather], **state)
        if continued_by == "previous_response_id":
            state["previous_response_id"] = first.id
        output = {"type": "function_call_output", "call_id": first.output[0].call_id, "output": '{"celsius": 21}'}
        second = client.responses.create(model="gpt-4.1", input=[output], tools=[weather], **state)
        assert second.output_text == "It is 21 C"
        [result] = m.requests.tool_results("get_weather")
        assert (result.name, result.arguments, result.json) == ("get_weather", {"location": "Paris"}, {"celsius": 21})


def test_reset_starts_over() -> None:
    with MockAI() as m:
        m.on(user_contains="hello").reply("Hi!")
        m.openai(max_retries=0).chat.completions.create(model="gpt-4o-mini", messages=USER)
        assert m.requests.call_count == 1
        m.reset()
        assert m.requests.call_count == 0
        assert m.rules == []


def test_request_log_helpers() -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    with MockAI() as m:
        m.on(last_role="user").reply(tool_call=("lookup", {"q": "x"}))
        m.on(tool_result="lookup").reply("done").then("done again")
        client = m.openai(max_retries=0)
        messages: list[object] = [{"role": "user", "content": "go"}]
        first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        call = first.choices[0].message.tool_calls[0]
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"hits": 2})},
        ]
        client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools, stream=True).close()

        log = m.requests
        assert log.call_count == len(log) == 3 and log.called
        assert [r.rule is not None for r in log] == [True, True, True]
        assert log.first.last_user_message == "go"
        assert log.filter(stream=True).call_count == 1
        assert log.filter(user_contains="nothing like this").call_count == 0
        [result] = log.tool_results()  # the same result resent by a later turn counts once
        assert (result.name, result.arguments, json.loads(result.text)) == ("lookup", {"q": "x"}, {"hits": 2})
        assert log[1].reply_text == "done"
        assert log[1:].call_count == 2
        with pytest.raises(AssertionError, match=r"expected 1 request\(s\); 3 request\(s\) received"):
            log.assert_called_once()
        with pytest.raises(AssertionError, match="expected no request"):
            log.assert_not_called()
        m.reset()
        with pytest.raises(AssertionError, match="mockai received no request"):
            _ = m.requests.last


class UnittestStyle(unittest.TestCase):
    """How a unittest suite uses mockai: start in setUp, check and stop in cleanups."""

    def setUp(self) -> None:
        self.mock = MockAI()
        self.mock.start()
        self.addCleanup(self.mock.stop)

    def test_scripted_answer(self) -> None:
        self.mock.on(user_contains="hello").reply("Hi from unittest.")
        reply = openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o-mini", messages=USER)
        self.assertEqual(reply.choices[0].message.content, "Hi from unittest.")
        self.mock.check()
