"""Reading a request's JSON body as the real API does: size, content type, strict JSON.

Strict means valid Unicode text too (:mod:`mockai.core.strict_json`).  Invalid UTF-8 (among it
``\\xed\\xa0\\x80``, a surrogate encoded as if it were a character) and a lone surrogate escape
(``"\\ud800"`` with no low half after it), wherever in the body, are the real API's "We could not
parse the JSON body" 400.  Nothing recorded shows the API's answer to either; strict JSON parsers
refuse both (RFC 8259 §8.2), and clients report the API refusing unpaired surrogate escapes as
invalid JSON (opencode#14630), so that is the answer here.  A body read here holds only text that
encodes as UTF-8: digests, the journal, cassettes and templates downstream never meet a surrogate.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.strict_json import loads

__all__ = ["READ_IN_A_THREAD", "read_json_body"]

# A body larger than this is worked on (validated, its prompt's tokens counted, kept, answered) in
# a worker thread, by every surface (mockai.server.intake.Received.large, the conversation routes):
# counting the tokens of megabytes of text takes up to a second, which the event loop would
# otherwise spend on it alone.  The counting hands the interpreter back to the loop between pieces
# of text (mockai.generate.tokenizer), so other requests go on meanwhile.  (256 KiB, not 1 MiB: an
# audit measured a Responses input of 20,000 items just under 1 MiB holding the loop 264 ms; the hop
# to a thread costs tens of microseconds.)  The JSON is still parsed on the loop, in one C call.
READ_IN_A_THREAD = 256 << 10


async def read_json_body(request: web.Request, max_body_bytes: int) -> tuple[bytes, Any]:
    """The raw body and its JSON value; the real API's 413 and 400s otherwise."""
    size = request.content_length
    if size is not None and size > max_body_bytes:
        raise APIError.body_too_large(size, max_body_bytes)
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise APIError.unsupported_content_type(content_type)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:  # chunked, or compressed: over the limit as it was read
        raise APIError.body_too_large(None, max_body_bytes) from None
    try:
        return raw, loads(raw)
    except ValueError:  # UnicodeDecodeError is one
        raise APIError.invalid_json() from None
