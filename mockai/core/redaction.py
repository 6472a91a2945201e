"""Secrets never leave the process: headers and fields removed before anything is logged or written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_HEADERS", "SECRET_QUERY_PARAMS", "redact_fields", "redact_headers", "redact_query"]

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "x-api-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-mockai-admin-token",  # (mockai's own: a client may send it with every request)
    }
)
# Query parameters that carry keys (Azure-style clients): their values are never shown or written.
SECRET_QUERY_PARAMS = frozenset({"api-key", "api_key", "key", "access_token"})


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    extra: Iterable[str] = (),
    *,
    drop: bool = False,
) -> dict[str, str]:
    """A copy of ``headers`` with secret ones replaced by ``<redacted>`` (or dropped)."""
    secret = SECRET_HEADERS | {h.lower() for h in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if name.lower() in secret:
            if not drop:
                out[name] = REDACTED
        else:
            out[name] = value
    return out


def redact_fields(value: Any, fields: Iterable[str]) -> Any:
    """A copy of a JSON value with the named object keys (at any depth) replaced by ``<redacted>``."""
    names = set(fields)
    if not names:
        return value
    if isinstance(value, dict):
        return {k: (REDACTED if k in names else redact_fields(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_fields(v, names) for v in value]
    return value


def redact_query(query: str) -> str:
    """A query string with the values of :data:`SECRET_QUERY_PARAMS` replaced by ``<redacted>``."""
    if not query:
        return ""
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and name.lower() in SECRET_QUERY_PARAMS else part)
    return "&".join(parts)
