"""``POST /v1/responses/compact`` (:mod:`mockai.responses.compaction`): read, validated and counted
as ``POST /v1/responses`` reads, validates and counts the same request, refused with its errors,
journaled."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.plan import RawReply
from mockai.http.headers import success_headers
from mockai.http.responses import request_id_of
from mockai.responses import surface as responses
from mockai.responses.compaction import compacted_body, validate_compact_request
from mockai.responses.input_tokens import input_tokens
from mockai.responses.store.history import conversation_items
from mockai.server.intake import Received
from mockai.server.pipeline import responses_heavy
from mockai.server.state import STATE, ServerState

__all__ = ["compact_response"]


async def compact_response(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE].current
    received = Received()
    try:
        raw, parsed = await received.read(request, state)
        heavy = isinstance(parsed, dict) and responses_heavy(state, parsed)
        if received.large or heavy:  # (megabytes of input, or a long stored chain: in a thread)
            payload, tokens = await asyncio.to_thread(_compacted, state, parsed)
        else:
            payload, tokens = _compacted(state, parsed)
    except APIError as refusal:
        error = responses.reword(refusal, None)
        await received.journal_refusal(request, state, error)
        raise error from None
    received.journal(request, state, 200, "seeded", RawReply(200, (), payload, source="seeded"))
    headers = success_headers(request_id_of(request, raw), 40 + tokens % 200, tokens)
    return web.Response(status=200, body=payload, headers=headers)


def _compacted(state: ServerState, parsed: Any) -> tuple[bytes, int]:
    body = validate_compact_request(parsed)
    if state.config.strict_models and body["model"] not in state.catalog:
        raise responses.model_not_found(body["model"])
    try:
        view = responses.request_view(body, state.responses, state.conversations, check_rules=True)
        previous = body.get("previous_response_id")
        history = conversation_items(state.responses, previous) if isinstance(previous, str) else []
    except APIError as error:
        raise responses.reword(error, body) from None
    tokens = input_tokens(view)
    return compacted_body(body, history, tokens, state.config.seed), tokens
