"""Secrets never leave the process: headers and fields removed before anything is logged or written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_HEADERS", "redact_headers"]

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
    }
)


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
