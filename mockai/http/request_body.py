"""Reading a request's JSON body as the real API does: size, content type, strict JSON."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError

__all__ = ["loads", "read_json_body"]


async def read_json_body(request: web.Request, max_body_bytes: int) -> tuple[bytes, Any]:
    """The raw body and its JSON value; the real API's 413 and 400s otherwise."""
    size = request.content_length
    if size is not None and size > max_body_bytes:
        raise APIError.body_too_large(size, max_body_bytes)
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise APIError.unsupported_content_type(content_type)
    raw = await request.read()
    try:
        return raw, loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise APIError.invalid_json() from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # NaN, Infinity: Python accepts them, JSON does not


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(raw: bytes) -> Any:
    """``json.loads(raw)`` without NaN or Infinity, with one decoder built at import."""
    # A body opening with "{" then a non-NUL byte is UTF-8 by json.detect_encoding's own rules.
    encoding = "utf-8" if raw[:1] == b"{" and raw[1:2] != b"\x00" else json.detect_encoding(raw)
    return _DECODER.decode(raw.decode(encoding, "surrogatepass"))
