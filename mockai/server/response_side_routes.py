"""``POST /v1/responses/input_tokens`` (:mod:`mockai.responses.input_tokens`) and ``POST
/v1/responses/compact`` (:mod:`mockai.responses.compaction`): each read, validated and counted as
``POST /v1/responses`` reads, validates and counts the same request (in a worker thread when it is
large, or continues a heavy stored conversation), refused with its errors, journaled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.plan import RawReply
from mockai.http.headers import success_headers
from mockai.http.responses import request_id_of
from mockai.responses import surface as responses
from mockai.responses.compaction import compacted_body, validate_compact_request
from mockai.responses.input_tokens import count_body, input_tokens, validate_count_request
from mockai.responses.store.history import conversation_items
from mockai.server.intake import Received
from mockai.server.pipeline import responses_heavy
from mockai.server.state import STATE, ServerState

__all__ = ["compact_response", "count_input_tokens"]

# What a side route makes of a request's JSON value: its answer's bytes and its input tokens.
Work = Callable[[ServerState, Any], tuple[bytes, int]]


async def count_input_tokens(request: web.Request) -> web.StreamResponse:
    return await _answer(request, _count, 12)


async def compact_response(request: web.Request) -> web.StreamResponse:
    return await _answer(request, _compacted, 40)


async def _answer(request: web.Request, work: Work, processing_ms: int) -> web.StreamResponse:
    state = request.app[STATE].current
    received = Received()
    try:
        raw, parsed = await received.read(request, state)
        heavy = isinstance(parsed, dict) and responses_heavy(state, parsed)
        if received.large or heavy:  # (megabytes of input, or of a stored conversation continued:
            # in a worker thread, as /v1/responses does)
            payload, tokens = await asyncio.to_thread(work, state, parsed)
        else:
            payload, tokens = work(state, parsed)
    except APIError as refusal:
        error = responses.reword(refusal, None)
        await received.journal_refusal(request, state, error)
        raise error from None
    received.journal(request, state, 200, "seeded", RawReply(200, (), payload, source="seeded"))
    headers = success_headers(request_id_of(request, raw), processing_ms + tokens % 40, tokens, responses=True)
    return web.Response(status=200, body=payload, headers=headers)


def _count(state: ServerState, parsed: Any) -> tuple[bytes, int]:
    body = validate_count_request(parsed)
    asked = parsed.get("model") if isinstance(parsed, dict) else None
    _check_model(state, body, asked)
    tokens = input_tokens(_view(state, body))
    return count_body(tokens), tokens


def _compacted(state: ServerState, parsed: Any) -> tuple[bytes, int]:
    body = validate_compact_request(parsed)
    _check_model(state, body, body["model"])
    view = _view(state, body)
    previous = body.get("previous_response_id")
    history = conversation_items(state.responses, previous) if isinstance(previous, str) else []
    tokens = input_tokens(view)
    return compacted_body(body, history, tokens, state.config.seed), tokens


def _check_model(state: ServerState, body: dict[str, Any], asked: Any) -> None:
    """Under ``--strict-models``, a model the request names outside the server's catalogue is refused."""
    if state.config.strict_models and asked is not None and asked not in state.catalog:
        raise responses.model_not_found(body["model"])


def _view(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """The request's chat view (its stored conversation read), refused in the Responses' words."""
    try:
        view: dict[str, Any] = responses.request_view(body, state.responses, state.conversations, check_rules=True)
    except APIError as error:
        raise responses.reword(error, body) from None
    return view
