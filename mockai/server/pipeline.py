"""The chat-completions pipeline, one way through:

request → key, size, JSON (:mod:`mockai.http`) → :func:`~mockai.chat.validation.validate_chat_request`
→ the first reply source that answers (scenario rules, then the cassette), else seeded generation
→ one reply (a plan, an error, recorded bytes, or "ask upstream") → kept if ``store: true`` →
delivered as JSON or SSE (:func:`~mockai.chat.reply_writer.write_reply`) → journaled.
A refused request (401, 400, 413, …) is journaled too, as ``rejected``, with its error envelope.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockai.chat.render_json import completion_dict
from mockai.chat.reply_writer import write_reply
from mockai.chat.store.routes import keep_stored
from mockai.chat.validation import validate_chat_request
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import ErrorReply, ForwardReply, PlannedReply, RawReply, Reply
from mockai.http.auth import check_auth
from mockai.http.request_body import read_json_body
from mockai.http.responses import request_id_of
from mockai.server.journal import NOT_READ
from mockai.server.state import STATE, KnownBody, ServerState
from mockai.server.upstream import forward_upstream

__all__ = ["chat_completions", "choose_reply"]


async def chat_completions(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE].current
    received = _Received()
    try:
        ctx, req_id = await _read(request, state, received)
    except APIError as refusal:
        return await _after_refusal(request, state, refusal, received)
    try:
        reply = await choose_reply(state, ctx)
    except Exception as exc:  # the boundary answers it; the journal still shows the request
        error = exc if isinstance(exc, APIError) else APIError.server_error()
        _journal_error(request, state, received, error, "error")
        raise
    if isinstance(reply, ForwardReply):
        assert state.cassette is not None
        return await forward_upstream(request, state.cassette, state.journal, ctx.raw)
    keep_stored(state.store, ctx, reply)
    status = reply.error.status if isinstance(reply, ErrorReply) else getattr(reply, "status", 200)
    try:
        return await write_reply(request, reply, ctx.body, req_id, state.config.tokens_per_chunk, state.rendered)
    finally:
        state.journal.record(
            ctx.method,
            ctx.path,
            ctx.query,
            request.headers,
            ctx.body,
            status,
            reply.source,
            reply,
            completion_dict,
            raw=ctx.raw,
        )


class _Received:
    """What was read of a request before it was refused: its bytes, and their JSON value."""

    __slots__ = ("body", "raw")

    def __init__(self) -> None:
        self.raw: bytes | None = None
        self.body: Any = NOT_READ


async def _read(request: web.Request, state: ServerState, received: _Received) -> tuple[RequestContext, str]:
    """The validated request, numbered, and its request id; the real API's refusals otherwise."""
    config = state.config
    check_auth(request, config.api_key)
    raw, parsed = await read_json_body(request, config.max_body_bytes)
    received.raw, received.body = raw, parsed
    known = state.known_bodies.get(raw)
    if known is None:
        body = validate_chat_request(parsed)
        known = KnownBody(request_id_of(request, raw))
        state.known_bodies.put(raw, known)
    else:
        body = parsed  # these very bytes were validated before
    if config.strict_models and body["model"] not in state.catalog:
        raise APIError.model_not_found(body["model"])
    state.seq += 1
    headers = {k.lower(): v for k, v in request.headers.items()}
    ctx = RequestContext(request.method, request.path, request.query_string, headers, body, raw, state.seq)
    if body.get("store") is True:
        ctx.assign_id = state.store.id_for  # a repeated stored request gets an id of its own
    return ctx, known.req_id


async def choose_reply(state: ServerState, ctx: RequestContext) -> Reply:
    for source in state.sources:
        reply = await source.choose(ctx)
        if reply is not None:
            return reply
    if state.error_when_no_rule_matches():
        return ErrorReply(await state.scenarios.no_match(ctx), source="no-match")
    return PlannedReply(state.seeded_plan(ctx), state.seeded_delivery(ctx), "seeded")


async def _after_refusal(
    request: web.Request, state: ServerState, refusal: APIError, received: _Received
) -> web.StreamResponse:
    """A refused request may still have a recorded (or, recording, an upstream) answer; else
    it is journaled as ``rejected`` and the front door answers the refusal."""
    cassette = state.cassette
    if cassette is not None:
        raw = await request.read()
        reply = cassette.after_refusal(request.method, request.path, request.query_string, raw, refusal.status)
        if isinstance(reply, ForwardReply):
            return await forward_upstream(request, cassette, state.journal, raw)
        if isinstance(reply, RawReply):
            return await replay_recorded(request, state, reply, raw)
    await _read_rest(request, refusal, received)
    _journal_error(request, state, received, refusal, "rejected")
    raise refusal


async def _read_rest(request: web.Request, refusal: APIError, received: _Received) -> None:
    """The body of a request refused before it was read (a bad key, a content type), for the
    journal; not a body refused for its size, nor one that cannot be read."""
    if received.raw is not None or refusal.status == 413:
        return
    try:
        received.raw = await request.read()
    except Exception:  # over the size limit, cut off, badly framed: journaled as not read
        return


def _journal_error(request: web.Request, state: ServerState, received: _Received, error: APIError, source: str) -> None:
    state.journal.record(
        request.method,
        request.path,
        request.query_string,
        request.headers,
        received.body,
        error.status,
        source,
        ErrorReply(error, source=source),
        raw=received.raw,
    )


async def replay_recorded(request: web.Request, state: ServerState, reply: RawReply, raw: bytes) -> web.StreamResponse:
    """Recorded bytes for a request the pipeline did not plan; journaled as the cassette's."""
    response = await write_reply(request, reply, {}, "", 1)
    state.journal.record(
        request.method,
        request.path,
        request.query_string,
        request.headers,
        NOT_READ,
        reply.status,
        "cassette",
        reply,
        raw=raw,
    )
    return response
