"""Secrets never leave the process: headers and fields removed before anything is logged or written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "SECRET_NAME_PARTS",
    "SECRET_QUERY_PARAMS",
    "SHORTEST_SECRET",
    "body_secrets",
    "is_secret_header",
    "is_secret_query_param",
    "redact_body_secrets",
    "redact_fields",
    "redact_headers",
    "redact_query",
    "scrub_body_secrets",
    "scrub_secrets",
    "scrubbable",
]

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
# Parts of a name (between '-', '_' or '.') that say a header or query parameter carries a secret,
# whatever the service in front of the API: Azure API Management's Ocp-Apim-Subscription-Key,
# Google's X-Goog-Api-Key, Cloudflare AI Gateway's cf-aig-authorization, Helicone-Auth,
# X-Amz-Security-Token, a SAS URL's sig=.  (``tokens`` is not one: x-ratelimit-remaining-tokens.)
SECRET_NAME_PARTS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "key",
        "passwd",
        "password",
        "secret",
        "session",
        "sig",
        "signature",
        "token",
    }
)
_NAME_PARTS = re.compile(r"[-_.]")


@lru_cache(maxsize=1024)
def is_secret_header(name: str) -> bool:
    """Whether a header named ``name`` carries a secret: one of :data:`SECRET_HEADERS`, or a name
    with a part of :data:`SECRET_NAME_PARTS`."""
    return _secret_name(name, SECRET_HEADERS)


@lru_cache(maxsize=1024)
def is_secret_query_param(name: str) -> bool:
    """Whether a query parameter named ``name`` carries a secret (as :func:`is_secret_header`)."""
    return _secret_name(name, SECRET_QUERY_PARAMS)


def _secret_name(name: str, known: frozenset[str]) -> bool:
    low = name.lower()
    return low in known or not SECRET_NAME_PARTS.isdisjoint(_NAME_PARTS.split(low))


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    extra: Iterable[str] = (),
    *,
    drop: bool = False,
) -> dict[str, str]:
    """A copy of ``headers`` with secret ones replaced by ``<redacted>`` (or dropped)."""
    extra_names = {h.lower() for h in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if is_secret_header(name) or name.lower() in extra_names:
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
        parts.append(f"{name}={REDACTED}" if sep and is_secret_query_param(unquote(name)) else part)
    return "&".join(parts)


def body_secrets(body: Any) -> list[str]:
    """The credentials a request body carries for a service the API calls on its behalf: an MCP
    tool's ``authorization`` (an OAuth token) and the values of its secret-named ``headers``
    (``Authorization``, ``X-Api-Key``…), in ``tools``."""
    found: list[str] = []
    for tool in _mcp_tools(body):
        authorization = tool.get("authorization")
        if isinstance(authorization, str):
            found.append(authorization)
        headers = tool.get("headers")
        if isinstance(headers, Mapping):
            found.extend(v for k, v in headers.items() if isinstance(v, str) and is_secret_header(str(k)))
    return found


def redact_body_secrets(body: Any) -> Any:
    """``body`` (a request, or a Response that echoes its ``tools``) with :func:`body_secrets`
    written ``<redacted>``; the same object when it has none (the usual case costs a lookup)."""
    if not _mcp_tools(body):
        return body
    tools = [_mcp_redacted(tool) if _is_mcp(tool) else tool for tool in body["tools"]]
    return {**body, "tools": tools}


def _is_mcp(tool: Any) -> bool:
    return isinstance(tool, Mapping) and tool.get("type") == "mcp"


def _mcp_tools(body: Any) -> list[Mapping[str, Any]]:
    tools = body.get("tools") if isinstance(body, Mapping) else None
    return [tool for tool in tools if _is_mcp(tool)] if isinstance(tools, list) else []


def _mcp_redacted(tool: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(tool)
    if isinstance(out.get("authorization"), str):
        out["authorization"] = REDACTED
    headers = out.get("headers")
    if isinstance(headers, Mapping):
        out["headers"] = {k: REDACTED if is_secret_header(str(k)) else v for k, v in headers.items()}
    return out


# A secret shorter than this is left where it stands in a text: it would match ordinary text.
SHORTEST_SECRET = 8


def scrubbable(secrets: Iterable[bytes]) -> tuple[bytes, ...]:
    """``secrets`` as :func:`scrub_secrets` takes them: once each, none too short, longest first."""
    return tuple(sorted({s for s in secrets if len(s) >= SHORTEST_SECRET}, key=len, reverse=True))


def scrub_secrets(data: bytes, secrets: tuple[bytes, ...]) -> bytes:
    """``data`` with every occurrence of ``secrets`` (from :func:`scrubbable`) written ``<redacted>``."""
    for secret in secrets:
        if secret in data:
            data = data.replace(secret, _REDACTED_BYTES)
    return data


_REDACTED_BYTES = REDACTED.encode()


def scrub_body_secrets(data: bytes, body: Any) -> bytes:
    """``data`` (a JSON text that quotes ``body``'s :func:`body_secrets`, as a Response echoes its
    tools) with each of them, as JSON writes it, replaced by ``<redacted>``."""
    return scrub_secrets(data, scrubbable(json.dumps(secret)[1:-1].encode() for secret in body_secrets(body)))
