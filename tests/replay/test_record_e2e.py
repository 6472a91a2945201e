"""End to end, no network: a seeded mockai upstream, ``mockai record`` in front of it, then
``mockai serve --cassette`` replaying with the upstream gone; every answer identical byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockai.replay.cassette import load_cassette
from tests.support.bodies import function_tool
from tests.support.clients import sdk
from tests.support.servers import ServerFactory, mockai_process

openai = pytest.importorskip("openai")

SECRET_KEY = "sk-proj-SECRET-e2e-0123456789abcdefghijklmnop"
SECRET_ORG = "org-SECRETORGANIZATION42"
SECRET_PROJECT = "proj_SECRETPROJECT0000000042"
SECRET_HEADER = "team-token-SECRET-77"
SECRET_USER = "alice.SECRET@example.com"

TOOLS = [
    function_tool("get_weather", {"city": {"type": "string"}}, required=["city"], description="Weather for a city")
]
MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]


@dataclass
class Seen:
    status: int
    headers: dict[str, str]
    body: bytes


def _client(url: str) -> Any:
    return sdk(
        url,
        api_key=SECRET_KEY,
        organization=SECRET_ORG,
        project=SECRET_PROJECT,
        default_headers={"x-team-token": SECRET_HEADER},
    )


def files_containing(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``secret``."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _raw(call: Callable[[], Any]) -> Seen:
    """Status, headers and exact body bytes of one SDK call, error or not."""
    try:
        raw = call()
    except openai.APIStatusError as error:
        response = error.response
        return Seen(response.status_code, dict(response.headers), response.content)
    response = raw.http_response
    return Seen(response.status_code, dict(response.headers), response.read())


def _exchanges(client: Any) -> dict[str, Seen]:
    chat = client.chat.completions.with_raw_response
    return {
        "plain": _raw(lambda: chat.create(model="gpt-4o-mini", messages=MESSAGES, user=SECRET_USER)),
        "stream": _raw(
            lambda: chat.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        ),
        "tools": _raw(lambda: chat.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, tool_choice="required")),
        "tools-stream": _raw(
            lambda: chat.create(
                model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, tool_choice="required", stream=True
            )
        ),
        "error-400": _raw(lambda: chat.create(model="gpt-4o-mini", messages=MESSAGES, temperature=5)),
        "error-404": _raw(lambda: chat.create(model="gpt-nonexistent", messages=MESSAGES)),
        "models": _raw(lambda: client.models.with_raw_response.list()),
    }


def test_record_then_replay_byte_for_byte(server_factory: ServerFactory, tmp_path: Path) -> None:
    upstream = server_factory(strict_models=True)
    cassette = tmp_path / "fixtures" / "e2e.yaml"

    with _client(upstream.base_url) as direct:
        sent_by_upstream = _exchanges(direct)
    assert sent_by_upstream["plain"].status == 200
    assert sent_by_upstream["error-400"].status == 400
    assert sent_by_upstream["error-404"].status == 404
    assert sent_by_upstream["stream"].body.endswith(b"data: [DONE]\n\n")

    with (
        mockai_process(
            "record",
            "--upstream",
            upstream.base_url,
            "--cassette",
            str(cassette),
            "--port",
            "0",
            "--redact-header",
            "x-team-token",
            "--redact-field",
            "user",
            cwd=tmp_path,
        ) as recorder,
        _client(recorder.url) as client,
    ):
        through_recorder = _exchanges(client)
        assert recorder.stop() == 0
    for name, seen in through_recorder.items():
        assert seen.status == sent_by_upstream[name].status, name
        assert seen.body == sent_by_upstream[name].body, name

    upstream.stop()  # from here on nothing can reach it
    recorded = load_cassette(cassette)
    assert len(recorded.interactions) == len(sent_by_upstream)
    streams = [i for i in recorded.interactions if i.response.events is not None]
    assert len(streams) == 2 and all(len(i.response.events or ()) > 3 for i in streams)

    with (
        mockai_process("serve", "--cassette", str(cassette), "--port", "0", cwd=tmp_path) as replayer,
        _client(replayer.url) as client,
    ):
        replayed = _exchanges(client)
        replayer.stop()
    for name, seen in replayed.items():
        original = sent_by_upstream[name]
        assert seen.status == original.status, name
        assert seen.body == original.body, name
        for header in ("content-type", "x-request-id", "openai-processing-ms"):
            assert seen.headers.get(header) == original.headers.get(header), (name, header)

    # Secrets: in no file written (cassette, temp files) and in nothing either process printed.
    for secret in (SECRET_KEY, SECRET_ORG, SECRET_PROJECT, SECRET_HEADER, SECRET_USER):
        assert files_containing(tmp_path, secret) == [], secret
        for printed in (recorder.output, recorder.errors, replayer.output, replayer.errors):
            assert secret not in printed
    # The header comments name the headers never written; the exchanges hold none of them.
    text = "".join(line for line in cassette.read_text().splitlines(True) if not line.startswith("#"))
    assert "authorization" not in text.lower() and "openai-organization" not in text.lower()


def test_replayed_answers_parse_with_the_sdk(server_factory: ServerFactory, tmp_path: Path) -> None:
    """What users see: the SDK's own objects from a replayed plain, streamed and tool-call answer."""
    upstream = server_factory()
    cassette = tmp_path / "sdk.yaml"
    with (
        mockai_process(
            "record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0"
        ) as recorder,
        _client(recorder.url) as client,
    ):
        live = client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, tool_choice="required"
        )
        live_text = "".join(
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
            if c.choices
        )
        recorder.stop()
    upstream.stop()
    replayer = server_factory(cassette=cassette)
    with _client(replayer.base_url) as client:
        again = client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, tool_choice="required"
        )
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert again.model_dump() == live.model_dump()
    assert again.choices[0].finish_reason == "tool_calls"
    assert text == live_text and text
