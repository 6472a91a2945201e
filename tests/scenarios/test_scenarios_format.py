"""Scenario files: the published schema, clear errors with file and line, and builder == YAML."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockai.cli.main import main
from mockai.core.config import ServerConfig
from mockai.scenarios.file_format import load_text
from mockai.scenarios.rules import Rule, ScenarioError
from mockai.scenarios.source import ScenarioSource
from mockai.server.runner import ServerThread
from tests.support import ROOT
from tests.support.servers import run_cli

EXAMPLES = ROOT / "scenarios"
SCHEMA_FILE = ROOT / "mockai" / "schemas" / "scenario.schema.json"


def test_published_schema_is_a_draft_2020_12_schema_and_accepts_every_example() -> None:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert len(examples) >= 6
    for path in examples:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_published_schema_forbids_unknown_keys_everywhere() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(json.loads(SCHEMA_FILE.read_text()), "#")


BROKEN = {
    "bad YAML": ('- name: a\n  reply: {content: "x"\n', ["f.yaml:3:", "invalid YAML"]),
    "unknown key": (
        "- name: greet\n  match:\n    user_contain: hello\n  reply: {content: hi}\n",
        ["f.yaml:3:", 'rule 1 "greet"', "match.user_contain", "unknown key", "did you mean 'user_contains'"],
    ),
    "wrong type": (
        "- reply: {content: hi}\n- match:\n    stream: 'yes'\n",
        ["f.yaml:3:", "rule 2", "match.stream", "expected true or false", '"yes"'],
    ),
    "wrong enum": (
        "- reply:\n    fault: {kind: cutt}\n",
        ["f.yaml:2:", "reply.fault.kind", "did you mean 'cut'"],
    ),
    "tool arguments violate the declared schema": (
        "- schemas:\n    tools:\n      get_weather: {type: object, required: [location]}\n"
        "  reply:\n    tool_call:\n      name: get_weather\n      arguments: {city: Boston}\n",
        ["f.yaml:7:", "rule 1", "reply.tool_call.arguments", "location", "required"],
    ),
    "structured output violates the declared schema": (
        "- schemas:\n    response_format: {type: object, properties: {rating: {type: integer}}}\n"
        "  reply:\n    json: {rating: five}\n",
        ["f.yaml:4:", "reply.json", "schemas.response_format", "integer"],
    ),
    "not a list": ("match: {}\nreply: {content: hi}\n", ["f.yaml:1:", "list of rules", "start each rule with '- '"]),
    "duplicate key": ("- reply: {content: a}\n  reply: {content: b}\n", ["f.yaml:2:", "duplicate key 'reply'"]),
    "bad regex": ("- match: {user_regex: '('}\n", ["f.yaml:1:", "match.user_regex", "invalid regular expression"]),
    "unknown template name": (
        "- reply:\n    content: '{{ last_user_mesage }}'\n",
        ["f.yaml:2:", "reply.content", "did you mean 'last_user_message'"],
    ),
    "reply and replies": ("- reply: {content: a}\n  replies: [{content: b}]\n", ["f.yaml:2:", "not both"]),
    "error with content": ("- reply: {error: 429, content: hi}\n", ["f.yaml:1:", "either an error or an answer"]),
    "times below the replies": (
        "- replies: [{content: a}, {content: b}]\n  times: 1\n",
        ["f.yaml:2:", "could never be sent"],
    ),
    "recursive alias": ("- &a\n  reply: {content: hi}\n  x: *a\n", ["f.yaml:", "alias"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_give_an_error_with_the_place(case: str) -> None:
    text, expected = BROKEN[case]
    with pytest.raises(ScenarioError) as info:
        load_text(text, "f.yaml")
    message = str(info.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Traceback" not in message


def test_every_error_of_a_file_is_reported_in_line_order() -> None:
    text = "- match: {stream: 1}\n- reply: {delay: soon}\n- match: {turn: 0}\n"
    with pytest.raises(ScenarioError) as info:
        load_text(text, "f.yaml")
    assert [p.split(":")[1] for p in info.value.problems] == ["1", "2", "3"]


def test_server_refuses_to_start_on_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- match: {user_contain: hi}\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml:1: rule 1: match.user_contain: unknown key"):
        ServerThread(ServerConfig(port=0, scenarios=(bad,)))


def test_serve_cli_exits_2_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- reply:\n    error: {status: 429, retryafter: 1}\n")
    done = run_cli("serve", "--port", "0", "--scenario", str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith(f"mockai: {bad}:2: rule 1: reply.error.retryafter: unknown key")
    assert "Traceback" not in done.stderr
    assert "serving" not in done.stdout


def test_validate_command_reports_ok_per_file_and_errors_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert f"OK {EXAMPLES / 'weather_agent.yaml'} (2 rules)" in out
    assert out.count("OK ") == len(list(EXAMPLES.glob("*.yaml")))

    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: x\n  reply: {content: hi}\n- name: y\n  match: {tools: get_weather}\n")
    assert main(["validate", str(EXAMPLES / "refusal.yaml"), str(bad), str(tmp_path / "missing.yaml")]) == 1
    captured = capsys.readouterr()
    assert "OK " in captured.out
    assert f'{bad}:4: rule 2 "y": match.tools: expected a list, got "get_weather"' in captured.err
    assert "missing.yaml: no such scenario file" in captured.err


def test_a_directory_loads_every_file_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("- name: second\n")
    (tmp_path / "a.yml").write_text("- name: first\n")
    (tmp_path / "notes.txt").write_text("not a scenario")
    source = ScenarioSource()
    source.load(tmp_path)
    assert [r.name for r in source.rules] == ["first", "second"]
    assert source.rules[0].describe() == f'rule 1 "first" ({tmp_path / "a.yml"}:1)'


# --- builder == YAML ---------------------------------------------------------------------------

PAIRS: list[tuple[str, Any]] = [
    (
        """
        - match: {user_contains: weather, tools: [get_weather]}
          reply:
            tool_call: {name: get_weather, arguments: {location: Boston}}
        """,
        lambda s: s.on(user_contains="weather", tools=["get_weather"]).reply(
            tool_call=("get_weather", {"location": "Boston"})
        ),
    ),
    (
        "- reply: {error: {status: 429, retry_after: 0}}\n  times: 2\n",
        lambda s: s.on().fail(429, retry_after=0, times=2),
    ),
    (
        "- match: {model: 'gpt-4o*'}\n  replies: [{content: first}, {content: second}]\n",
        lambda s: s.on(model="gpt-4o*").reply(content="first").then(content="second"),
    ),
    (
        "- reply: {json: {a: 1}}\n- reply: {refusal: 'No.'}\n",
        lambda s: (s.on().reply(json={"a": 1}), s.on().reply(refusal="No.")),
    ),
    (
        "- match: {stream: true}\n  reply: {fault: {kind: cut, after: 3}, delay: 0.1}\n",
        lambda s: s.on(stream=True).stream_cut(after=3).delay(first_byte=0.1),
    ),
    (
        """
        - name: everything
          optional: true
          match:
            model: gpt-4o
            user_regex: '^hi'
            system_contains: tutor
            last_role: user
            messages: [{index: -1, role: user, contains: hi}]
            tool_choice: auto
            tool_result: {name: f, contains: ok}
            response_format: json_schema
            schema_name: S
            headers: {x-test: one}
            fields: {temperature: 0, /metadata/suite: smoke}
            turn: 2
          replies:
            - error: {status: 503, message: busy, code: null, should_retry: true, headers: {x-a: b}}
            - choices: [{content: a}, {tool_calls: [{name: f, arguments: {x: 1}}, {name: g, id: call_1}]}]
              usage: {prompt_tokens: 5, completion_tokens: 7}
              tokens_per_chunk: 2
              chunk_delay: [0.01, 0.02]
              headers: {x-b: c}
            - content: "{{ last_user_message }}"
              fault: {kind: error_event, after: 2, error: {message: oops}}
          exhausted: error
        """,
        lambda s: (
            s.on(
                name="everything",
                optional=True,
                model="gpt-4o",
                user_regex="^hi",
                system_contains="tutor",
                last_role="user",
                messages=[{"index": -1, "role": "user", "contains": "hi"}],
                tool_choice="auto",
                tool_result={"name": "f", "contains": "ok"},
                response_format="json_schema",
                schema_name="S",
                headers={"x-test": "one"},
                fields={"temperature": 0, "/metadata/suite": "smoke"},
                turn=2,
            )
            .fail(503, "busy", code=None, should_retry=True, headers={"x-a": "b"})
            .then(
                choices=["a", {"tool_calls": [("f", {"x": 1}), {"name": "g", "id": "call_1"}]}],
                usage={"prompt_tokens": 5, "completion_tokens": 7},
            )
            .stream(tokens_per_chunk=2, chunk_delay=[0.01, 0.02])
            .headers(x_b="c")
            .then("{{ last_user_message }}")
            .stream_error(after=2, message="oops")
            .exhausted("error")
        ),
    ),
]


@pytest.mark.parametrize("index", range(len(PAIRS)))
def test_builder_and_yaml_give_equal_rules(index: int) -> None:
    import textwrap

    text, build = PAIRS[index]
    from_yaml = load_text(textwrap.dedent(text), "pair.yaml")
    source = ScenarioSource()
    build(source)
    assert list(source.rules) == from_yaml
    assert all(isinstance(r, Rule) for r in source.rules)


def test_builder_rules_name_the_line_that_wrote_them() -> None:
    source = ScenarioSource()
    line = sys._getframe().f_lineno + 1
    builder = source.on(user_contains="hi", name="greeting").reply("Hello")
    assert builder.describe() == f'rule "greeting" ({__file__}:{line})'


def test_builder_mistakes_raise_at_the_call_with_its_line() -> None:
    source = ScenarioSource()
    builder = source.on(user_contains="hi")
    with pytest.raises(ScenarioError) as info:
        builder.reply("x", delay="soon")
    line = sys._getframe().f_lineno - 1
    assert str(info.value) == f'{__file__}:{line}: reply.delay: expected a number, got "soon"'
    with pytest.raises(ScenarioError, match="unknown key 'user_contain'"):
        source.on(user_contain="hi")
    # The failed call left the rule as it was.
    assert source.rules[0].replies[0].seeded
