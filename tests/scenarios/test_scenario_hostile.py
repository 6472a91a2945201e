"""Scenarios that cannot break the server (issue 15, findings 8 and 4): YAML values outside JSON's
types, headers that would split a reply, and regular expressions that would stall every client are
refused when the rule loads, naming the file, the line and the rule: a 400 from the admin API,
exit 1 from ``mockai validate``, a refusal at server start, a ScenarioError from the builder."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.cli.main import main
from mockai.core.config import ServerConfig
from mockai.scenarios.file_format import load_text
from mockai.scenarios.regex_safety import compile_condition, regex_problem
from mockai.scenarios.rules import ScenarioError
from mockai.scenarios.source import ScenarioSource
from mockai.server.runner import ServerThread
from tests.support.bodies import chat
from tests.support.clients import post_chat

NOT_JSON = {
    "timestamp": ("- name: dated\n  reply:\n    json: {when: 2024-01-01}\n", 3, "reply.json.when", "YAML date"),
    "datetime": ("- match: {fields: {at: 2024-01-01 10:00:00}}\n  reply: {content: x}\n", 1, "match.fields.at", "date"),
    "binary": ("- reply:\n    json: !!binary aGVsbG8=\n", 2, "reply.json", "!!binary"),
    "set": ("- reply:\n    json: !!set {a, b}\n", 2, "reply.json", "!!set"),
    "omap": ("- reply:\n    json: !!omap [a: 1]\n", 2, "reply.json", "!!omap"),
    "huge int": ("- reply:\n    json: {n: " + "9" * 4301 + "}\n", 2, "reply.json.n", "4301 digits"),
    "huge times": ("- times: " + "7" * 5000 + "\n  reply: {content: x}\n", 1, "times", "5000 digits"),
    "nan": ("- reply:\n    json: {n: .nan}\n", 2, "reply.json.n", "not a JSON number"),
    "infinite delay": ("- reply:\n    delay: .inf\n", 2, "reply.delay", "not a JSON number"),
    "int key": ("- match:\n    fields: {1: 2}\n  reply: {content: x}\n", 2, "match.fields.1", "quote it ('1')"),
}

BAD_HEADERS = {
    "CR LF in a reply header": ('- reply:\n    content: x\n    headers: {x-a: "1\\r\\nset-cookie: a=b"}\n', 3),
    "LF in an error header": ('- reply:\n    error: {status: 500, headers: {x-b: "a\\nb"}}\n', 2),
    "NUL in a header": ('- reply:\n    content: x\n    headers: {x-a: "a\\0"}\n', 3),
    "space in a header name": ('- reply:\n    content: x\n    headers: {"x a": b}\n', 3),
    "colon in a header name": ('- reply:\n    content: x\n    headers: {"x:a": b}\n', 3),
    "content-length": ("- reply:\n    content: x\n    headers: {Content-Length: 1}\n", 3),
    "transfer-encoding": ("- reply:\n    content: x\n    headers: {transfer-encoding: chunked}\n", 3),
}

PATHOLOGICAL = [
    r"(a+)+$",
    r"(a|a)*$",
    r"(\w+\s?)*$",
    r"(a?a?)+$",
    r"([a-z]+)*$",
    r"((a|b)*a)*$",
    r"(a|b?)+$",
    r"(x+x+)+y",
    r"a*a*a*b",
    r"foo.*bar.*baz",
]
SAFE = [
    r"(?i)\b(bomb|weapon)s?\b",
    r"^order #\d+$",
    r"\s+$",
    r".*weather.*",
    r"^(?:\s*\w+\s*,)*$",
    r"(\d+,)*\d+$",
    r"foo(?>.*?bar)(?>.*?baz)",
    r"(a++)+$",
    r"\"status\":\s*\"ok\"",
]


def _admin(server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=server.base_url.removesuffix("/v1") + "/_mockai", timeout=10)


def _refused_everywhere(text: str, fresh: ServerThread, tmp_path: Path, *expected: str) -> None:
    """``text`` is refused by the admin API (400), ``mockai validate`` (exit 1) and server start."""
    with _admin(fresh) as admin:
        response = admin.post("/scenarios", content=text, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_scenario"
    for part in ("POST /_mockai/scenarios:", *expected):
        assert part in error["message"], (part, error["message"])
    assert not fresh.state.scenarios.rules
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 1
    with pytest.raises(ScenarioError) as refused:
        ServerThread(ServerConfig(port=0, scenarios=(path,)))
    for part in (f"{path}:", *expected):
        assert part in str(refused.value)


# --- finding 8: YAML values outside JSON's types ------------------------------------------------


@pytest.mark.parametrize("case", NOT_JSON)
def test_yaml_values_outside_json_are_scenario_errors(
    case: str, fresh: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, where, why = NOT_JSON[case]
    _refused_everywhere(text, fresh, tmp_path, f":{line}: rule 1", where, why)
    assert f"{tmp_path / 'hostile.yaml'}:{line}: rule 1" in capsys.readouterr().err


def test_the_same_values_in_a_json_body_are_a_400(fresh: ServerThread) -> None:
    with _admin(fresh) as admin:
        response = admin.post("/scenarios", content='[{"reply": {"json": {"n": ' + "1" * 4400 + "}}}]")
        assert response.status_code == 400 and "4400 digits" in response.json()["error"]["message"]
        response = admin.post("/scenarios", content='[{"reply": {"json": {"n": 1.0e+999}}}]')
        assert response.status_code == 400 and "not a JSON number" in response.json()["error"]["message"]


def test_the_builder_refuses_them_too() -> None:
    source = ScenarioSource()
    with pytest.raises(ScenarioError, match="only JSON values"):
        source.on(user_contains="x").reply(json={"n": float("nan")})
    with pytest.raises(ScenarioError, match="lone surrogate"):
        source.on(user_contains="x").reply(content="a\ud800")


# --- finding 8: headers --------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_HEADERS)
def test_headers_that_would_break_the_reply_are_refused(case: str, fresh: ServerThread, tmp_path: Path) -> None:
    text, line = BAD_HEADERS[case]
    _refused_everywhere(text, fresh, tmp_path, f":{line}: rule 1", "headers.")


def test_valid_headers_are_still_sent(fresh: ServerThread) -> None:
    fresh.run(
        lambda: fresh.state.scenarios.add(load_text('- reply: {content: hi, headers: {X-Tab: "a\\tb", x-n: 5}}\n'))
    )
    response = post_chat(fresh.base_url, chat("hello", model="gpt-4o"))
    assert response.status_code == 200
    assert response.headers["x-tab"] == "a\tb" and response.headers["x-n"] == "5"


# --- finding 4: pathological regular expressions --------------------------------------------------


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_pathological_regexes_are_refused_with_the_rule_and_the_reason(
    pattern: str, fresh: ServerThread, tmp_path: Path
) -> None:
    quoted = pattern.replace("\\", "\\\\").replace('"', '\\"')
    text = f'- name: slow\n  match:\n    user_regex: "{quoted}"\n  reply: {{content: x}}\n'
    _refused_everywhere(text, fresh, tmp_path, ':3: rule 1 "slow"', "match.user_regex", "could stall the server")


@pytest.mark.parametrize(
    "match",
    [
        {"system_regex": "(a+)+$"},
        {"messages": [{"regex": "(a+)+$"}]},
        {"messages": [{"index": -1, "regex": "(.*a){12}"}]},
    ],
)
def test_every_regex_condition_is_checked(match: dict[str, object]) -> None:
    with pytest.raises(ScenarioError, match="could stall the server"):
        ScenarioSource().on(**match).reply("x")


def test_the_report_case_no_longer_blocks() -> None:
    with pytest.raises(ScenarioError, match=r"star height 2"):
        load_text('- match: {user_regex: "(a+)+$"}\n  reply: {content: x}\n')


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_regexes_are_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None
    assert ScenarioSource().on(user_regex=pattern).reply("x")


def test_a_leading_run_regex_stays_fast_on_a_long_text(fresh: ServerThread) -> None:
    # Plain re.search would try every start inside the run: about 10**10 steps here.
    fresh.run(
        lambda: fresh.state.scenarios.add(load_text('- match: {user_regex: "\\\\s+$"}\n  reply: {content: trailing}\n'))
    )
    started = time.monotonic()
    response = post_chat(fresh.base_url, chat(" " * 100_000 + "x", model="gpt-4o"))
    assert response.status_code == 200 and time.monotonic() - started < 5
    assert response.json()["choices"][0]["message"]["content"] != "trailing"
    answer = post_chat(fresh.base_url, chat("x" + " " * 100_000, model="gpt-4o")).json()
    assert answer["choices"][0]["message"]["content"] == "trailing"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    pattern=st.builds(
        lambda flags, lead, quant, rest: flags + lead + quant + rest,
        st.sampled_from(["", "(?i)", "(?s)", "(?m)", "(?x)"]),
        st.sampled_from(["a", r"\s", ".", "[ab]", r"\w", "(a)", "(?:b)", "[^a]", "A"]),
        st.sampled_from(["*", "+", "*?", "+?", "{2,}", "++"]),
        st.sampled_from(["", "$", "b", "a", r"\b", "(?=a)", "x|y", "ab*c", r"\Z", " # c"]),
    ),
    text=st.text(alphabet="ab x\n", max_size=12),
)
def test_the_leading_run_rewrite_finds_the_same_matches(pattern: str, text: str) -> None:
    assert (compile_condition(pattern).search(text) is None) == (re.search(pattern, text) is None)
