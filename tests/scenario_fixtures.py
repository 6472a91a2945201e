"""Fixtures for the scenario tests: one server per test module, renewed (no rules) for each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from mockai.core.config import ServerConfig
from mockai.server.runner import ServerThread
from tests.conftest import API_KEY

_CLIENTS: dict[str, openai.OpenAI] = {}


def client_for(server: ServerThread, **kwargs: Any) -> openai.OpenAI:
    """An SDK client for ``server`` (no retries, strict validation); cached: building one is slow."""
    key = f"{server.base_url} {sorted(kwargs.items())}"
    if key not in _CLIENTS:
        kwargs.setdefault("max_retries", 0)
        _CLIENTS[key] = openai.OpenAI(
            base_url=server.base_url, api_key=API_KEY, _strict_response_validation=True, **kwargs
        )
    return _CLIENTS[key]


def ask(server: ServerThread, **kwargs: Any) -> str | None:
    """The answer's text (streamed text joined) for a chat request with defaults filled in."""
    kwargs.setdefault("model", "gpt-4o")
    kwargs.setdefault("messages", [{"role": "user", "content": "hello"}])
    response = client_for(server).chat.completions.create(**kwargs)
    if kwargs.get("stream"):
        return "".join(c.choices[0].delta.content or "" for c in response if c.choices)
    return response.choices[0].message.content


@pytest.fixture(scope="module")
def module_server() -> Iterator[ServerThread]:
    server = ServerThread(ServerConfig(port=0))
    server.start()
    yield server
    server.stop()
    for key in [k for k in _CLIENTS if k.startswith(server.base_url + " ")]:
        _CLIENTS.pop(key).close()


@pytest.fixture
def fresh(module_server: ServerThread) -> ServerThread:
    """The module's server with a fresh state: no rules, an empty journal, counters at zero."""
    module_server.renew()
    return module_server
