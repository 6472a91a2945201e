"""``POST /v1/embeddings`` and ``POST /v1/moderations``: the chat pipeline's way through, for
requests that are answered per input.

request → key, size, JSON (:mod:`mockai.http`) → the surface's own reading
(:func:`~mockai.embeddings.request.read_embedding_request`,
:func:`~mockai.moderations.request.read_moderation_request`) → the scenario rules, which may
answer for some inputs (a vector, the vector of another text, flagged categories) or for the
whole request (an error, a delay, a fault) → the seeded answer for the rest → delivered → journaled.
A refused request is journaled as ``rejected`` with its error, as chat's are.  Cassettes answer
these paths in the front door (:mod:`mockai.server.app`), before the handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.json_text import dumps_indented
from mockai.core.plan import ErrorReply
from mockai.embeddings.render import layout_of, render_embeddings, rows_of
from mockai.embeddings.request import EmbeddingRequest, Input, read_embedding_request
from mockai.embeddings.vectors import Matrix, embed
from mockai.http.auth import check_auth
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error
from mockai.http.request_body import read_json_body
from mockai.http.responses import request_id_of
from mockai.moderations.request import ModerationRequest, read_moderation_request
from mockai.moderations.results import Verdict, moderation_body, moderation_id
from mockai.scenarios.inputs import InputsReply
from mockai.server.journal import NOT_READ
from mockai.server.state import STATE, InputsAnswer, ServerState

__all__ = ["create_embeddings", "create_moderations"]

T = TypeVar("T")
# A request body above this many bytes is answered off the event loop (2,048 long texts as floats
# take seconds); smaller ones are answered at once, cheaper than a thread hop.
_BIG_REQUEST = 256 << 10


async def create_embeddings(request: web.Request) -> web.StreamResponse:
    return await _answer(request, read_embedding_request, _embeddings)


async def create_moderations(request: web.Request) -> web.StreamResponse:
    return await _answer(request, read_moderation_request, _moderations)


async def _answer(
    request: web.Request,
    reading: Callable[[Any], T],
    answering: Callable[[ServerState, RequestContext, T, InputsReply | None], InputsAnswer | ErrorReply],
) -> web.StreamResponse:
    """Read, ask the rules, answer (from the memo when nothing was scripted), deliver, journal."""
    state = request.app[STATE].current
    ctx, known = await _read(request, state, reading)
    script = await _scripted(state, ctx)
    if isinstance(script, ErrorReply):
        return await _refuse(request, state, ctx, script)
    if isinstance(known, InputsAnswer) and script is None:
        return await _deliver(request, state, ctx, known, None)
    asked = reading(ctx.body) if isinstance(known, InputsAnswer) else known
    if len(ctx.raw) > _BIG_REQUEST:  # seconds of work: in a thread, so other requests go on meanwhile
        answer = await asyncio.get_running_loop().run_in_executor(None, answering, state, ctx, asked, script)
    else:
        answer = answering(state, ctx, asked, script)
    if isinstance(answer, ErrorReply):
        return await _refuse(request, state, ctx, answer)
    return await _deliver(request, state, ctx, answer, script)


def _embeddings(
    state: ServerState, ctx: RequestContext, asked: EmbeddingRequest, script: InputsReply | None
) -> InputsAnswer | ErrorReply:
    vectors = _embed(asked, asked.inputs)
    if script is not None and script.spec.embedding is not None and script.inputs:
        given = script.spec.embedding
        if len(given.values) > asked.dimensions:
            message = f"the embedding has {len(given.values)} values, the request asks for {asked.dimensions}"
            return state.scenarios.problem(ctx.seq, script.rule, message)
        replacement = (
            _embed(asked, [given.as_text]) if given.as_text is not None else rows_of([given.values], asked.dimensions)
        )
        vectors[list(script.inputs)] = replacement[0]
    layout = layout_of(asked.model.id)
    body = render_embeddings(vectors, asked.reported_model, asked.prompt_tokens, asked.encoding_format, layout)
    return InputsAnswer(body, asked.prompt_tokens, asked.reported_model, 18 + len(asked.inputs) % 40)


def _moderations(
    state: ServerState, ctx: RequestContext, asked: ModerationRequest, script: InputsReply | None
) -> InputsAnswer | ErrorReply:
    verdicts: dict[int, Verdict] = {}
    if script is not None and script.spec.moderation is not None:
        verdict = Verdict(script.spec.moderation.flagged, dict(script.spec.moderation.scores))
        verdicts = dict.fromkeys(script.inputs, verdict)
    payload = moderation_body(asked, moderation_id(ctx.raw), verdicts)
    return InputsAnswer((dumps_indented(payload) + "\n").encode(), 0, "", 25 + len(asked.inputs) % 40)


async def _read(
    request: web.Request, state: ServerState, reading: Callable[[Any], T]
) -> tuple[RequestContext, T | InputsAnswer]:
    """The request read and numbered, with what it asks for, or its seeded answer when these very
    bytes were answered before (reading is a pure function of them); a refusal is journaled as
    ``rejected`` and raised."""
    raw: bytes | None = None
    parsed: Any = NOT_READ
    try:
        check_auth(request, state.config.api_key)
        raw, parsed = await read_json_body(request, state.config.max_body_bytes)
        known = state.input_answers.get(_key(request.path, raw))
        asked = known if known is not None else reading(parsed)
    except APIError as refusal:
        if raw is None and refusal.status != 413:
            try:
                raw = await request.read()
            except Exception:  # over the size limit, cut off: journaled as not read
                raw = None
        error = ErrorReply(refusal, source="rejected")
        state.journal.record(
            request.method,
            request.path,
            request.query_string,
            request.headers,
            parsed,
            refusal.status,
            "rejected",
            error,
            raw=raw,
        )
        raise
    state.seq += 1
    headers = {k.lower(): v for k, v in request.headers.items()}
    ctx = RequestContext(request.method, request.path, request.query_string, headers, parsed, raw, state.seq)
    return ctx, asked


def _key(path: str, raw: bytes) -> bytes:
    return path.encode() + b"\0" + raw


async def _scripted(state: ServerState, ctx: RequestContext) -> InputsReply | ErrorReply | None:
    """The scenario rules' answer for ``ctx`` (None: the seeded answer).  Only ``on_no_match:
    error`` refuses what no rule answers: seeded vectors and results are meaningful, so ``auto``
    (the pytest plugin's) lets a test script one query and embed its documents unscripted."""
    strict = state.config.on_no_match == "error"
    answer = await state.scenarios.choose_for_inputs(ctx, keep_miss=strict)
    if answer is None and strict:
        return ErrorReply(await state.scenarios.no_match(ctx), source="no-match")
    return answer


def _embed(asked: EmbeddingRequest, inputs: Sequence[Input]) -> Matrix:
    return embed(asked.model.id, asked.model.dimensions or asked.dimensions, inputs, asked.dimensions)


async def _refuse(
    request: web.Request, state: ServerState, ctx: RequestContext, reply: ErrorReply
) -> web.StreamResponse:
    if reply.delivery.first_byte_delay > 0 or reply.delivery.fault is not None:
        await before_first_byte(request, reply.delivery)
    _journal(state, ctx, request, reply.error.status, reply.source, reply)
    return write_error(reply, request_id_of(request, ctx.raw))


async def _deliver(
    request: web.Request, state: ServerState, ctx: RequestContext, answer: InputsAnswer, script: InputsReply | None
) -> web.StreamResponse:
    """``answer`` with the real API's headers, as the rule's delivery says (None: at once, and kept
    for the next request with these very bytes)."""
    headers = success_headers(request_id_of(request, ctx.raw), answer.processing_ms, answer.tokens)
    headers["access-control-allow-origin"] = "*"
    if answer.model:
        headers["openai-model"] = answer.model
    if script is None:
        state.input_answers.put(_key(ctx.path, ctx.raw), answer)
        _journal(state, ctx, request, 200, "seeded", None)
        return web.Response(status=200, body=answer.body, headers=headers)
    delivery = script.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:
        await before_first_byte(request, delivery)
    headers.update(delivery.headers)
    _journal(state, ctx, request, 200, script.source, None)
    return web.Response(status=200, body=faulted_body(answer.body, delivery.fault), headers=headers)


def _journal(
    state: ServerState, ctx: RequestContext, request: web.Request, status: int, source: str, reply: ErrorReply | None
) -> None:
    state.journal.record(ctx.method, ctx.path, ctx.query, request.headers, ctx.body, status, source, reply, raw=ctx.raw)
