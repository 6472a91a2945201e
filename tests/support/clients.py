"""Talking to a server under test: the tests' API key, raw HTTP, the openai SDK, and asking."""

from __future__ import annotations

from typing import Any

import httpx

from mockai.server.runner import ServerThread

API_KEY = "sk-test-mockai-0000000000000000"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
# One pooled client for raw HTTP in tests: httpx.post() builds an SSL context per call (~0.1 s).
HTTP = httpx.Client(timeout=30)


def post_chat(
    base_url: str, body: Any = None, *, content: bytes | None = None, headers: dict[str, str] = AUTH
) -> httpx.Response:
    """POST ``body`` as JSON (or ``content`` as it is) to ``base_url``'s chat completions."""
    url = f"{base_url}/chat/completions"
    if content is not None:
        return HTTP.post(url, content=content, headers=headers)
    return HTTP.post(url, json=body, headers=headers)


def sdk(base_url: str, *, api_key: str = API_KEY, strict: bool = True, **kwargs: Any) -> Any:
    """An ``openai.OpenAI`` for ``base_url``: no retries unless given, and with ``strict`` the SDK's
    own check of every answer against its types (``_strict_response_validation``)."""
    import openai

    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=base_url, api_key=api_key, _strict_response_validation=strict, **kwargs)


def async_sdk(base_url: str, *, api_key: str = API_KEY, strict: bool = True, **kwargs: Any) -> Any:
    """``sdk``, as an ``openai.AsyncOpenAI``."""
    import openai

    kwargs.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, _strict_response_validation=strict, **kwargs)


_CLIENTS: dict[str, Any] = {}


def client_for(server: ServerThread, **kwargs: Any) -> Any:
    """``sdk(server.base_url, **kwargs)``, cached (building one is slow); ``close_clients`` ends them."""
    key = f"{server.base_url} {sorted(kwargs.items())}"
    if key not in _CLIENTS:
        _CLIENTS[key] = sdk(server.base_url, **kwargs)
    return _CLIENTS[key]


def close_clients(base_url: str) -> None:
    """Close the cached clients of the server at ``base_url`` (when it stops)."""
    for key in [k for k in _CLIENTS if k.startswith(base_url + " ")]:
        _CLIENTS.pop(key).close()


def ask(server: ServerThread, **kwargs: Any) -> str | None:
    """The answer's text (streamed text joined) for a chat request with defaults filled in."""
    kwargs.setdefault("model", "gpt-4o")
    kwargs.setdefault("messages", [{"role": "user", "content": "hello"}])
    response = client_for(server).chat.completions.create(**kwargs)
    if kwargs.get("stream"):
        return "".join(c.choices[0].delta.content or "" for c in response if c.choices)
    return response.choices[0].message.content
