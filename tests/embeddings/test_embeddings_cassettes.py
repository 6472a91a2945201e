"""Cassettes record and replay embeddings and moderations: a seeded mockai upstream, ``mockai
record`` in front of it, then a server replaying the cassette with the upstream gone."""

from __future__ import annotations

from pathlib import Path

from mockai.replay.cassette import load_cassette
from tests.support.clients import AUTH, HTTP
from tests.support.servers import ServerFactory, mockai_process

CALLS = [
    ("embeddings", {"model": "text-embedding-3-small", "input": ["a cat", "a dog"]}),
    ("embeddings", {"model": "text-embedding-3-small", "input": "a cat", "encoding_format": "base64"}),
    ("embeddings", {"model": "text-embedding-ada-002", "input": [[9906, 1917]], "encoding_format": "float"}),
    ("embeddings", {"model": "no-such-model", "input": "x"}),
    ("moderations", {"input": "hello"}),
]


def _answers(base_url: str) -> list[tuple[int, bytes]]:
    answers = []
    for path, body in CALLS:
        response = HTTP.post(f"{base_url}/{path}", json=body, headers=AUTH)
        answers.append((response.status_code, response.content))
    return answers


def test_record_then_replay_byte_for_byte(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory()
    cassette = tmp_path / "embeddings.yaml"
    direct = _answers(upstream.base_url)
    assert [status for status, _ in direct] == [200, 200, 200, 404, 200]
    with mockai_process(
        "record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0", cwd=tmp_path
    ) as recorder:
        assert _answers(recorder.url) == direct
        assert recorder.stop() == 0
    upstream.stop()
    assert len(load_cassette(cassette).interactions) == len(CALLS)
    replayer = server_factory(cassette=cassette)
    assert _answers(replayer.base_url) == direct
