"""Which rule answers: every condition, first match wins, sequences, misses and explanations."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.bodies import function_tool, tool_call, tool_turn, user
from tests.support.clients import ask
from tests.support.servers import ServerFactory

TOOL = function_tool("lookup", {})
OTHER_TOOL = function_tool("other")


def _tool_turn(content: str = '{"ok": true}', call_id: str = "call_1", name: str = "lookup") -> list[Any]:
    return tool_turn("look it up", tool_call(call_id, name), content)


# (conditions, a request they match, a request they do not match)
CONDITIONS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "model exact": ({"model": "gpt-4o"}, {"model": "gpt-4o"}, {"model": "gpt-4o-mini"}),
    "model glob": ({"model": "gpt-4o*"}, {"model": "gpt-4o-mini"}, {"model": "gpt-3.5-turbo"}),
    "user_equals": ({"user_equals": "Hi there"}, {"messages": user("Hi there")}, {"messages": user("hi there")}),
    "user_contains ignores case": (
        {"user_contains": "WEATHER"},
        {"messages": user("the weather?")},
        {"messages": user("the news?")},
    ),
    "user_contains looks at the last user message": (
        {"user_contains": "first"},
        {"messages": [*user("second"), {"role": "assistant", "content": "ok"}, *user("first")]},
        {"messages": [*user("first"), {"role": "assistant", "content": "ok"}, *user("second")]},
    ),
    "user_regex": ({"user_regex": r"^order #\d+$"}, {"messages": user("order #42")}, {"messages": user("order #x")}),
    "user text parts": (
        {"user_contains": "picture"},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "this picture"}]}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "this text"}]}]},
    ),
    "system_contains (system or developer)": (
        {"system_contains": "pirate"},
        {"messages": [{"role": "developer", "content": "Talk like a pirate."}, *user("hi")]},
        {"messages": [{"role": "system", "content": "Be formal."}, *user("hi")]},
    ),
    "messages by index and role": (
        {"messages": [{"index": -2, "role": "assistant", "contains": "which city"}]},
        {"messages": [*user("weather?"), {"role": "assistant", "content": "Which city?"}, *user("Paris")]},
        {"messages": [*user("weather?"), {"role": "assistant", "content": "Sunny."}, *user("Paris")]},
    ),
    "messages anywhere": (
        {"messages": [{"role": "system", "equals": "secret"}]},
        {"messages": [{"role": "system", "content": "secret"}, *user("x")]},
        {"messages": [{"role": "system", "content": "public"}, *user("x")]},
    ),
    "last_role": ({"last_role": "tool"}, {"messages": _tool_turn(), "tools": [TOOL]}, {"messages": user("x")}),
    "tools offered": ({"tools": ["lookup"]}, {"tools": [TOOL, OTHER_TOOL]}, {"tools": [OTHER_TOOL]}),
    "tool_choice default auto": ({"tool_choice": "auto"}, {"tools": [TOOL]}, {}),
    "tool_choice forced by name": (
        {"tool_choice": "lookup"},
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "lookup"}}},
        {"tools": [TOOL], "tool_choice": "required"},
    ),
    "tool_result by name": (
        {"tool_result": "lookup"},
        {"messages": _tool_turn(), "tools": [TOOL]},
        {"messages": _tool_turn(name="other"), "tools": [OTHER_TOOL]},
    ),
    "tool_result by id and content": (
        {"tool_result": {"id": "call_9", "contains": "FOUND"}},
        {"messages": _tool_turn("it was found", "call_9"), "tools": [TOOL]},
        {"messages": _tool_turn("it was found", "call_8"), "tools": [TOOL]},
    ),
    "stream false": ({"stream": False}, {}, {"stream": True}),
    "response_format type": (
        {"response_format": "json_object"},
        {"response_format": {"type": "json_object"}, "messages": user("answer in JSON")},
        {"response_format": {"type": "text"}},
    ),
    "schema_name": (
        {"schema_name": "Person"},
        {"response_format": {"type": "json_schema", "json_schema": {"name": "Person", "schema": {"type": "object"}}}},
        {"response_format": {"type": "json_schema", "json_schema": {"name": "Pet", "schema": {"type": "object"}}}},
    ),
    "headers (glob)": (
        {"headers": {"X-Test-Case": "smoke-*"}},
        {"extra_headers": {"x-test-case": "smoke-42"}},
        {"extra_headers": {"x-test-case": "full"}},
    ),
    "fields by name and JSON pointer": (
        {"fields": {"temperature": 0, "/metadata/suite": "smoke"}},
        {"temperature": 0, "metadata": {"suite": "smoke"}, "store": True},
        {"temperature": 0.5, "metadata": {"suite": "smoke"}, "store": True},
    ),
    "turn counts user messages": (
        {"turn": 2},
        {"messages": [*user("a"), {"role": "assistant", "content": "b"}, *user("c")]},
        {"messages": user("a")},
    ),
}


@pytest.mark.parametrize("case", sorted(CONDITIONS))
def test_each_condition_matches_what_it_says(fresh: ServerThread, case: str) -> None:
    conditions, hit, miss = CONDITIONS[case]
    server = fresh
    server.state.scenarios.on(**conditions).reply("scripted")
    assert ask(server, **hit) == "scripted"
    assert ask(server, **miss) != "scripted"  # the seeded answer
    assert len(server.state.scenarios.misses) == 1


def test_conditions_are_anded_and_the_first_matching_rule_wins(fresh: ServerThread) -> None:
    server = fresh
    src = server.state.scenarios
    src.on(model="gpt-4o", user_contains="weather").reply("both")
    src.on(user_contains="weather").reply("weather only")
    src.on().reply("anything")
    assert ask(server, messages=user("weather?")) == "both"
    assert ask(server, model="gpt-4o-mini", messages=user("weather?")) == "weather only"
    assert ask(server, model="gpt-4o-mini", messages=user("news?")) == "anything"


def test_rule_order_holds_across_indexed_and_unindexed_rules(fresh: ServerThread) -> None:
    server = fresh
    src = server.state.scenarios
    src.on(model="gpt-4o*").reply("glob first")  # not indexed
    src.on(user_equals="hello").reply("exact")  # indexed by text
    src.on(user_contains="hello").reply("contains")  # indexed by trigram
    src.on(model="gpt-4o").reply("model")  # indexed by model
    assert ask(server) == "glob first"
    assert ask(server, model="o3") == "exact"
    assert ask(server, model="o3", messages=user("well hello")) == "contains"


# --- sequences -------------------------------------------------------------------------------------


def test_replies_are_used_in_order_and_the_last_repeats(fresh: ServerThread) -> None:
    server = fresh
    rule = server.state.scenarios.on().reply("one").then("two")
    assert [ask(server) for _ in range(3)] == ["one", "two", "two"]
    assert rule.call_count == 3


def test_times_then_the_next_rule_answers(fresh: ServerThread) -> None:
    server = fresh
    src = server.state.scenarios
    src.on().reply("limited", times=2)
    src.on().reply("after")
    assert [ask(server) for _ in range(3)] == ["limited", "limited", "after"]


def test_exhausted_error_names_the_rule(fresh: ServerThread) -> None:
    server = fresh
    server.state.scenarios.on(name="only twice").reply("a").then("b").exhausted("error")
    assert [ask(server) for _ in range(2)] == ["a", "b"]
    with pytest.raises(openai.BadRequestError) as info:
        ask(server)
    assert 'rule "only twice"' in info.value.message
    assert "used up" in info.value.message
    assert info.value.code == "scenario_exhausted"


def test_reset_starts_sequences_over_and_keeps_rules(fresh: ServerThread) -> None:
    server = fresh
    server.state.scenarios.on().reply("one").then("two")
    assert [ask(server) for _ in range(2)] == ["one", "two"]
    server.state.reset()
    assert ask(server) == "one"
    assert len(server.state.scenarios.rules) == 1


def test_state_is_per_server(server_factory: ServerFactory) -> None:
    first, second = server_factory(), server_factory()
    first.state.scenarios.on().reply("one").then("two")
    assert ask(first) == "one"
    assert ask(second) != "one"
    second.state.scenarios.on().reply("one").then("two")
    assert ask(second) == "one"
    assert ask(first) == "two"


def test_renewed_state_reloads_rules_from_files_only(server_factory: ServerFactory, tmp_path: Any) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- reply: {content: from file}\n  times: 1\n")
    server = server_factory(scenarios=(path,))
    server.state.scenarios.on().reply("from code")
    assert [ask(server), ask(server)] == ["from file", "from code"]
    server.renew()
    assert [r.origin.file for r in server.state.scenarios.rules] == [str(path)]
    assert ask(server) == "from file"


# --- unused, misses, explanations --------------------------------------------------------------------


def test_unused_lists_rules_never_matched_or_with_replies_left(fresh: ServerThread) -> None:
    server = fresh
    src = server.state.scenarios
    src.on(user_contains="never", name="never matched").reply("x")
    src.on(user_contains="hello", name="two replies").reply("a").then("b")
    src.on(user_contains="nope", name="optional").reply("x").optional()
    ask(server)
    assert [r.name for r in src.unused()] == ["never matched", "two replies"]
    ask(server)
    assert [r.name for r in src.unused()] == ["never matched"]


def test_no_match_error_names_the_closest_rules_and_what_differed(server_factory: ServerFactory) -> None:
    server = server_factory(on_no_match="error")
    src = server.state.scenarios
    src.on(name="weather", user_contains="weather", model="gpt-4o").reply("x")
    src.on(name="far away", model="o3", stream=True, user_equals="nothing like it").reply("y")
    with pytest.raises(openai.NotFoundError) as info:
        ask(server, messages=user("what's the news?"))
    message = info.value.message
    assert info.value.code == "no_matching_rule"
    assert 'No scenario rule matched this request (model "gpt-4o", last user message "what\'s the news?")' in message
    assert 'rule "weather"' in message
    assert 'user_contains: expected "weather", got "what\'s the news?"' in message
    assert message.index('rule "weather"') < message.index('rule "far away"')
    [miss] = src.misses
    assert miss.body["messages"][0]["content"] == "what's the news?"
    assert miss.explanation in message


def test_misses_fall_back_to_seeded_answers_by_default(fresh: ServerThread) -> None:
    server = fresh
    server.state.scenarios.on(user_contains="weather").reply("x")
    answer = ask(server)
    assert answer and answer != "x"
    assert [e.source for e in server.state.journal] == ["seeded"]
    assert len(server.state.scenarios.misses) == 1


def test_explain_says_which_rule_would_answer_without_counting(fresh: ServerThread) -> None:
    server = fresh
    src = server.state.scenarios
    src.on(user_contains="weather", name="weather").reply("x")
    body = {"model": "gpt-4o", "messages": user("weather?")}
    assert src.explain(body).startswith('rule "weather" (')
    assert src.explain(body).endswith("matches this request.")
    assert src.rules[0] in src.unused()
    other = src.explain({"model": "gpt-4o", "messages": user("news")})
    assert other.startswith("No scenario rule matched this request")


def test_journal_names_the_rule_that_answered(fresh: ServerThread) -> None:
    server = fresh
    server.state.scenarios.on(user_contains="hello", name="greeting").reply("hi")
    ask(server)
    ask(server, messages=user("bye"))
    assert [e.source for e in server.state.journal] == ["scenario:greeting", "seeded"]


def test_a_key_a_rule_matches_on_is_never_shown_in_an_explanation(server_factory: ServerFactory) -> None:
    """A rule on a secret header (``Authorization``, ``api-key``, …) says whether the header was
    there, never its value nor the rule's: not in the no-match 404, the misses, the journal."""
    import httpx

    server = server_factory(on_no_match="error")
    src = server.state.scenarios
    src.on(name="keyed", headers={"Authorization": "Bearer sk-expected-key"}).reply("hi")
    src.on(name="azure", headers={"api-key": "azure-secret-*"}).reply("hi")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    secret = "sk-REAL-SECRET-123456789"
    answer = httpx.post(f"{server.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "no_matching_rule"
    message = answer.json()["error"]["message"]
    assert "headers.authorization: expected <redacted>, got <redacted>" in message
    assert "headers.api-key: expected <redacted>, got (absent)" in message
    shown = [message, *(m.explanation for m in src.misses), str([e.to_dict() for e in server.state.journal])]
    for text in shown:
        assert secret not in text and "sk-expected-key" not in text and "azure-secret" not in text
    admin = httpx.get(f"{server.base_url.removesuffix('/v1')}/_mockai/misses").text
    assert secret not in admin and "sk-expected-key" not in admin
