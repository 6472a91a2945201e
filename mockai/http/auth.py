"""The API key check, with the real API's 401s."""

from __future__ import annotations

import hmac

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.request_reading import sent_key

__all__ = ["check_auth"]


def check_auth(request: web.Request, api_key: str | None) -> None:
    """A key must be sent (``Authorization: Bearer KEY``, or an ``api-key`` header); with
    ``api_key`` set it must be that key, whichever way it was sent.

    No key, and a malformed ``Authorization`` header (another scheme, no key after ``Bearer``),
    are the real API's "You didn't provide an API key" 401; a key that is not ``api_key`` is its
    ``invalid_api_key`` 401, the key masked.  What the key is, is :func:`sent_key`'s reading, the
    one the scenarios use too.
    """
    key = sent_key(request.headers)
    if key is None:
        raise APIError.missing_api_key()
    if api_key is not None and not _same(key, api_key):
        raise APIError.invalid_api_key(key)


def _same(key: str, expected: str) -> bool:
    """``key == expected`` in time that does not tell how much of it matched."""
    return hmac.compare_digest(key.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
