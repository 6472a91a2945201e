"""What an exchange loses before it is written to a cassette, and how a stream is cut into events.

The recorder and the VCR.py importer both pass what they capture through here: secret and
hop-by-hop headers are dropped, key-carrying query parameters and the fields a
:class:`~mockai.replay.cassette.Redaction` names are redacted, and a streamed body is split into
its SSE events (without changing a byte).
Nothing here imports aiohttp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from mockai.core.redaction import (
    body_secrets,
    is_secret_header,
    is_secret_query_param,
    redact_body_secrets,
    redact_fields,
    redact_query,
    scrub_secrets,
    scrubbable,
)
from mockai.replay.cassette import NO_REDACTION, Redaction

__all__ = [
    "clean_body",
    "clean_query",
    "clean_request_headers",
    "clean_response_headers",
    "scrub_secrets",
    "secrets_sent",
    "split_events",
]

# Never written: hop-by-hop and length headers (bodies are stored decoded) and volatile request ones.
_NOT_RECORDED = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "te",
        "trailer",
        "upgrade",
        "host",
        "accept-encoding",
        "proxy-authenticate",
    }
)
# Query parameters that carry keys (Azure-style clients): their values are never written.
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def clean_request_headers(headers: Iterable[tuple[str, str]], redaction: Redaction = NO_REDACTION) -> dict[str, str]:
    """The request headers worth keeping: no secrets, no hop-by-hop, lower-case names."""
    drop = _NOT_RECORDED | {h.lower() for h in redaction.headers}
    out: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if low not in drop and not is_secret_header(low):
            out[low] = value
    return out


def clean_response_headers(
    headers: Iterable[tuple[str, str]], redaction: Redaction = NO_REDACTION
) -> tuple[tuple[str, str], ...]:
    drop = _NOT_RECORDED | {h.lower() for h in redaction.headers}
    return tuple(
        (name.lower(), value) for name, value in headers if name.lower() not in drop and not is_secret_header(name)
    )


def secrets_sent(
    headers: Iterable[tuple[str, str]], query: str, redaction: Redaction = NO_REDACTION, body: Any = None
) -> tuple[bytes, ...]:
    """The secrets a request carried (its secret headers' values, a bearer or basic credential
    alone too, secret query parameters' values, the credentials in its JSON ``body``): an upstream
    may echo them in its answer, as a gateway's 401 does ("Incorrect API key provided: sk-..."),
    or a Response its tools, and they must not be written there either.  Values under 8
    characters are left out (they would match ordinary text)."""
    named = {h.lower() for h in redaction.headers}
    found: set[str] = set(body_secrets(body))
    for name, value in headers:
        if is_secret_header(name) or name.lower() in named:
            found.add(value)
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "basic"):
                found.add(credential.strip())
    for part in query.split("&") if query else ():
        name, sep, value = part.partition("=")
        if sep and is_secret_query_param(unquote(name)):
            found.update((value, unquote(value)))
    return scrubbable(v.encode() for v in found)


def clean_query(query: str) -> str:
    """The query as written to a cassette: key-carrying parameters' values redacted."""
    return redact_query(query)


def clean_body(body: Any, redaction: Redaction) -> Any:
    """A JSON body as written: an MCP tool's credentials (:func:`~mockai.core.redaction.body_secrets`)
    and the fields ``redaction`` names are ``<redacted>``."""
    return redact_fields(redact_body_secrets(body), redaction.fields)


def split_events(data: bytes) -> tuple[list[bytes], bytes]:
    """The complete SSE events in ``data`` (each up to its blank line) and the incomplete rest.

    ``b"".join(events) + rest == data``: splitting never changes a byte.
    """
    events: list[bytes] = []
    start = 0
    for match in _EVENT_END.finditer(data):
        events.append(data[start : match.end()])
        start = match.end()
    return events, data[start:]
