"""The example cassette in fixtures/ and the Python snippet of docs/record_replay.md, run as tests."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from mockai.replay.cassette import load_cassette
from tests.conftest import API_KEY, ServerFactory

openai = pytest.importorskip("openai")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "fixtures" / "example_cassette.yaml"
DOC = ROOT / "docs" / "record_replay.md"


def test_the_example_cassette_replays_through_the_sdk(server_factory: ServerFactory) -> None:
    cassette = load_cassette(EXAMPLE)
    assert [i.response.status for i in cassette.interactions] == [200, 200, 200, 404]
    assert b"sk-" not in EXAMPLE.read_bytes()
    server = server_factory(cassette=EXAMPLE)
    client = openai.OpenAI(base_url=server.base_url, api_key=API_KEY, max_retries=0,
                           _strict_response_validation=True)
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


def test_the_python_snippet_in_the_docs_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    snippet = next(b for b in blocks if "ServerThread" in b)
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, str(DOC), "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0]  # the recorded answer
    assert re.fullmatch(r"\[\d+\]", lines[1])  # the usage chunk of the recorded stream
    assert "differs at `messages[0].content`" in lines[2] and 'sent "Hi!"' in lines[2]
