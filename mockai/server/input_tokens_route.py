"""``POST /v1/responses/input_tokens`` (:mod:`mockai.responses.input_tokens`): read, validated and
counted as ``POST /v1/responses`` reads, validates and counts the same request, refused with its
errors, journaled."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.plan import RawReply
from mockai.http.headers import success_headers
from mockai.http.responses import request_id_of
from mockai.responses import surface as responses
from mockai.responses.input_tokens import count_body, input_tokens, validate_count_request
from mockai.server.intake import Received
from mockai.server.pipeline import responses_heavy
from mockai.server.state import STATE, ServerState

__all__ = ["count_input_tokens"]


async def count_input_tokens(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE].current
    received = Received()
    try:
        raw, parsed = await received.read(request, state)
        heavy = isinstance(parsed, dict) and responses_heavy(state, parsed)
        if received.large or heavy:  # (megabytes of input, or of a stored conversation continued:
            # counted in a worker thread, as /v1/responses does)
            tokens = await asyncio.to_thread(_count, state, parsed)
        else:
            tokens = _count(state, parsed)
    except APIError as refusal:
        error = responses.reword(refusal, None)
        await received.journal_refusal(request, state, error)
        raise error from None
    payload = count_body(tokens)
    received.journal(request, state, 200, "seeded", RawReply(200, (), payload, source="seeded"))
    headers = success_headers(request_id_of(request, raw), 12 + tokens % 40, tokens)
    return web.Response(status=200, body=payload, headers=headers)


def _count(state: ServerState, parsed: Any) -> int:
    body = validate_count_request(parsed)
    asked = parsed.get("model") if isinstance(parsed, dict) else None
    if state.config.strict_models and asked is not None and asked not in state.catalog:
        raise responses.model_not_found(body["model"])
    try:
        view = responses.request_view(body, state.responses, state.conversations, check_rules=True)
    except APIError as error:
        raise responses.reword(error, body) from None
    return input_tokens(view)
