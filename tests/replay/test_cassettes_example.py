"""The example cassette in fixtures/ and the Python snippet of docs/record_replay.md, run as tests."""

from __future__ import annotations

import re

import pytest

from mockai.replay.cassette import load_cassette
from tests.support import ROOT
from tests.support.clients import sdk
from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

EXAMPLE = ROOT / "fixtures" / "example_cassette.yaml"
DOC = DOCS / "record_replay.md"


def test_the_example_cassette_replays_through_the_sdk(server_factory: ServerFactory) -> None:
    cassette = load_cassette(EXAMPLE)
    assert [i.response.status for i in cassette.interactions] == [200, 200, 200, 404]
    assert b"sk-" not in EXAMPLE.read_bytes()
    server = server_factory(cassette=EXAMPLE)
    client = sdk(server.base_url)
    for item in cassette.interactions:
        body = item.request.body
        if item.response.status == 404:
            with pytest.raises(openai.NotFoundError, match="does not exist"):
                client.chat.completions.create(**body)
        elif body.get("stream"):
            chunks = list(client.chat.completions.create(**body))
            assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
        else:
            reply = client.chat.completions.create(**body)
            assert reply.choices[0].message.content or reply.choices[0].message.tool_calls


def test_the_python_snippet_in_the_docs_runs() -> None:
    snippet = next(b for b in code_blocks(DOC, "python") if "ServerThread" in b)
    lines = run_python(snippet, str(DOC)).splitlines()
    assert lines[0]  # the recorded answer
    assert re.fullmatch(r"\[\d+\]", lines[1])  # the usage chunk of the recorded stream
    assert "differs at `messages[0].content`" in lines[2] and 'sent "Hi!"' in lines[2]
