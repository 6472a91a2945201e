"""What is wrong with a request that is not well-formed HTTP (request line, headers, body framing):
aiohttp's description made one short line, for :meth:`~mockai.core.errors.APIError.malformed_http`."""

from __future__ import annotations

import re

__all__ = ["reason_of"]

_MAX_REASON = 200
# Where aiohttp's message turns to quoting the offending bytes: "...: b'GET /x\xff HTTP/1.1'".
_QUOTE = re.compile(r":?\s*(?:bytearray\()?b['\"].*")
# The first line of ``str()`` of aiohttp's HTTP errors: "400, message:".
_STATUS = re.compile(r"\d{3}, message")


def reason_of(message: str) -> str:
    """aiohttp's description of a malformed request as one short line, without the bytes it quotes
    (``"Bad status line:\\n  Invalid HTTP version:\\n\\n  b'GET / HTTP/9.9'\\n  ^"`` is
    ``"Bad status line: Invalid HTTP version"``)."""
    parts = []
    for line in message.splitlines():
        text = _QUOTE.sub("", line.strip()).rstrip(" :.")
        if text and not text.startswith("^") and not _STATUS.fullmatch(text):
            parts.append(text)
    reason = ": ".join(parts) or "malformed request"
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 1] + "…"
    return reason.encode("utf-8", "replace").decode()  # text that always encodes
