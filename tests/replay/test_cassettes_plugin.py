"""Cassettes from pytest: ``@pytest.mark.mockai(cassette=...)`` in a temporary project run by pytester."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockai.replay.cassette import load_cassette
from mockai.replay.source import cassette_path
from tests.support.servers import ServerFactory

pytest.importorskip("openai")

TEST_MODULE = """
import pytest

@pytest.mark.mockai(cassette="hello.yaml", record_mode="once", upstream="{upstream}")
def test_hello(mockai):
    client = mockai.openai()
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hello"}}])
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{{"role": "user", "content": "hello"}}], stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    print("ANSWER", repr(reply.choices[0].message.content), repr(streamed))
"""


def test_record_once_then_replay_without_the_upstream(project: pytest.Pytester, server_factory: ServerFactory) -> None:
    upstream = server_factory()
    project.makepyfile(test_chat=TEST_MODULE.format(upstream=upstream.base_url))

    first = project.runpytest("-s")
    first.assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_chat" / "hello.yaml"
    assert len(load_cassette(cassette).interactions) == 2

    upstream.stop()  # the second run must not need it
    second = project.runpytest("-s")
    second.assert_outcomes(passed=1)
    said = [re.findall(r"ANSWER (.+)", r.stdout.str()) for r in (first, second)]
    assert said[0] == said[1] and said[0]
    assert len(load_cassette(cassette).interactions) == 2


def test_cassette_path_follows_pytest_recording() -> None:
    test_file = Path("/project/tests/test_agent.py")
    assert cassette_path(test_file, "weather.yaml") == Path("/project/tests/cassettes/test_agent/weather.yaml")


CLI_MODULE = """
import pytest

@pytest.mark.mockai(cassette="cassettes/test_cli/hello.yaml", upstream="{upstream}")
def test_hello(mockai):
    reply = mockai.openai().chat.completions.create(
        model="gpt-4o-mini", messages=[{{"role": "user", "content": "hello"}}]
    )
    assert reply.choices[0].message.content
"""


def test_the_record_mode_comes_from_the_command_line(project: pytest.Pytester, server_factory: ServerFactory) -> None:
    upstream = server_factory()
    project.makepyfile(test_cli=CLI_MODULE.format(upstream=upstream.base_url))
    cassette = project.path / "cassettes" / "test_cli" / "hello.yaml"

    missing = project.runpytest()  # default mode none: the cassette must exist, and it does not
    missing.assert_outcomes(errors=1)
    missing.stdout.fnmatch_lines(["*no such cassette*"])
    assert not cassette.exists()

    project.runpytest("--mockai-record-mode=once").assert_outcomes(passed=1)
    assert len(load_cassette(cassette).interactions) == 1
    upstream.stop()
    project.runpytest().assert_outcomes(passed=1)
