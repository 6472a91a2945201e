"""A failing test that used the ``mockai`` fixture shows what it sent to mockai and who answered."""

from __future__ import annotations

import pytest

for _name in ("openai", "yaml"):
    pytest.importorskip(_name)

pytest_plugins = ["pytester"]

FAILING = """
import openai
import pytest

LONG = "Please summarise the following text about the history of the climate in Boston " * 3

def ask(client, text, model="gpt-4o-mini"):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])

def test_agent(mockai):
    mockai.on(user_contains="weather", name="weather").reply("Sunny.")
    client = mockai.openai(max_retries=0)
    assert ask(client, "what is the weather?").choices[0].message.content == "Sunny."
    with pytest.raises(openai.NotFoundError):
        ask(client, "what is the wether in Boston?", model="gpt-4o")
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert ask(client, LONG).choices[0].message.content == "Rainy."

def test_seeded_then_fails(mockai):
    ask(mockai.openai(max_retries=0), "hello there")
    assert False, "the application misbehaved"

def test_passes(mockai):
    ask(mockai.openai(max_retries=0), "hello")

def test_fails_without_requests(mockai):
    assert 1 == 2
"""


def test_the_report_section_lists_requests_sources_and_misses(project: pytest.Pytester) -> None:
    project.makepyfile(test_app=FAILING)
    result = project.runpytest("-p", "no:randomly")
    assert result.parseoutcomes().get("failed") == 3, result.stdout.str()
    text = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*_ test_agent _*",
            "*- mockai -*",
            "mockai received 4 requests:",
            '  #1 POST /v1/chat/completions gpt-4o-mini "what is the weather?" -> 200 scenario:weather',
            '  #2 POST /v1/chat/completions gpt-4o "what is the wether in Boston?" -> 404 no-match',
            "  #3 POST /v1/chat/completions gpt-4o-mini -> 400 rejected: *messages*",
            '  #4 POST /v1/chat/completions gpt-4o-mini "Please summarise the following text about the history of th…"'
            " -> 404 no-match",
            "2 request(s) matched no rule:",
            "  - No scenario rule matched this request*",
            '*rule "weather" (*test_app.py:*): user_contains: expected "weather", got "what is the wether in Boston?"',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_seeded_then_fails _*",
            "*the application misbehaved*",
            "*- mockai -*",
            "mockai received 1 request:",
            '  #1 POST /v1/chat/completions gpt-4o-mini "hello there" -> 200 seeded',
        ]
    )
    # A failing test that sent nothing and scripted nothing gets no section; a passing one never does.
    failure = text.split("_ test_fails_without_requests _")[1]
    assert "- mockai -" not in failure.split("short test summary")[0]
    assert text.count("- mockai -") == 2
    assert "test_passes" not in text.split("short test summary")[0]


def test_a_long_test_shows_its_last_requests(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_many="""
        def test_many(mockai):
            client = mockai.openai(max_retries=0)
            for n in range(55):
                client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{n}"}])
            assert False
        """
    )
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        ["mockai received 55 requests:", "  … 5 earlier request(s) not shown", '  #6 POST * "q5" -> 200 seeded']
    )
    assert '"q4"' not in result.stdout.str()
