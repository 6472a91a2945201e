"""The API key check, with the real API's 401s."""

from __future__ import annotations

from aiohttp import web

from mockai.core.errors import APIError

__all__ = ["check_auth"]


def check_auth(request: web.Request, api_key: str | None) -> None:
    """A bearer key must be present; with ``api_key`` set it must be that key."""
    header = request.headers.get("Authorization")
    if header is None:
        if request.headers.get("api-key"):  # Azure-style clients
            return
        raise APIError.missing_api_key()
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise APIError.missing_api_key()
    if api_key is not None and key != api_key:
        raise APIError.invalid_api_key(key)
