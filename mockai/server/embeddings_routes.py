"""``POST /v1/embeddings`` and ``POST /v1/moderations``: the chat pipeline's way through, for
requests that are answered per input.

request → key, size, JSON (:mod:`mockai.server.intake`, every surface's way in) → the surface's
own reading (:class:`InputsSurface`) → the scenario rules, which may answer for some inputs (a
vector, the vector of another text, flagged categories) or for the whole request (an error, a
delay, a fault) → the seeded answer for the rest → delivered → journaled.  A refused request is
journaled as ``rejected`` with its error, as chat's are.  Cassettes answer these paths in the
front door (:mod:`mockai.server.app`), before the handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web

from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import ErrorReply
from mockai.embeddings.render import layout_of, render_embeddings, rows_of
from mockai.embeddings.request import EmbeddingRequest, Input, read_embedding_request
from mockai.embeddings.vectors import Matrix, embed
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error
from mockai.http.responses import request_id_of
from mockai.moderations.request import ModerationRequest, read_moderation_request
from mockai.moderations.results import Verdict, moderation_body, moderation_bytes, moderation_id
from mockai.scenarios.inputs import InputsReply
from mockai.server.intake import Received
from mockai.server.state import STATE, InputsAnswer, ServerState

__all__ = ["create_embeddings", "create_moderations"]

T = TypeVar("T")
# A request whose answer takes longer than this (InputsSurface.work, an estimate in ns) is answered
# off the event loop, so that other requests go on meanwhile (2,048 texts at 3,072 dimensions take
# about a second); shorter ones are answered at once, cheaper than a thread hop.  Work, not bytes:
# 60,000 empty strings to moderate are a 240 KB body and seconds of work.
_MUCH_WORK_NS = 10_000_000
# Measured on the 2-core machine the benchmarks run on: an embedding value costs about 60 ns to
# compute and write as text, one moderation result (every category and score) about 75 us.
_EMBEDDING_VALUE_NS = 60
_MODERATION_RESULT_NS = 75_000


@dataclass(frozen=True, slots=True)
class InputsSurface(Generic[T]):
    """What differs between the endpoints answered per input."""

    # What the body asks for, if it is a valid request (else the API's error); pure, so its seeded
    # answer is memoised by the raw bytes.
    read: Callable[[Any], T]
    # The answer, seeded but for the inputs a scenario rule scripts; or the rule's problem (a 400).
    answer: Callable[[ServerState, RequestContext, T, InputsReply | None], InputsAnswer | ErrorReply]
    # About how long answering takes, in ns (an estimate from the inputs' count and size).
    work: Callable[[T], int]
    # The model asked for: under --strict-models, one outside the server's catalogue is a 404.
    model_id: Callable[[T], str]


async def create_embeddings(request: web.Request) -> web.StreamResponse:
    return await _answer(request, EMBEDDINGS)


async def create_moderations(request: web.Request) -> web.StreamResponse:
    return await _answer(request, MODERATIONS)


async def _answer(request: web.Request, surface: InputsSurface[T]) -> web.StreamResponse:
    """Read, ask the rules, answer (from the memo when nothing was scripted), deliver, journal."""
    state = request.app[STATE].current
    received = Received()
    try:
        read = await _read(request, state, received, surface)  # (no target type: mypy then solves T)
        ctx, known = read
    except APIError as refusal:
        await received.journal_refusal(request, state, refusal)
        raise
    script = await _scripted(state, ctx)
    if isinstance(script, ErrorReply):
        return await _refuse(request, state, received, ctx, script)
    if isinstance(known, InputsAnswer) and script is None:
        return await _deliver(request, state, received, ctx, known, None)
    asked = surface.read(ctx.body) if isinstance(known, InputsAnswer) else known
    if surface.work(asked) > _MUCH_WORK_NS:  # up to seconds of work: in a thread, not on the loop
        run = asyncio.get_running_loop().run_in_executor
        answer = await run(None, surface.answer, state, ctx, asked, script)
    else:
        answer = surface.answer(state, ctx, asked, script)
    if isinstance(answer, ErrorReply):
        return await _refuse(request, state, received, ctx, answer)
    return await _deliver(request, state, received, ctx, answer, script)


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
    return InputsAnswer(moderation_bytes(payload), 0, "", 25 + len(asked.inputs) % 40)


def _embeddings_work(asked: EmbeddingRequest) -> int:
    return len(asked.inputs) * asked.dimensions * _EMBEDDING_VALUE_NS


def _moderations_work(asked: ModerationRequest) -> int:
    return len(asked.inputs) * _MODERATION_RESULT_NS


EMBEDDINGS = InputsSurface(read_embedding_request, _embeddings, _embeddings_work, lambda asked: asked.model.id)
MODERATIONS = InputsSurface(read_moderation_request, _moderations, _moderations_work, lambda asked: asked.model.id)


async def _read(
    request: web.Request, state: ServerState, received: Received, surface: InputsSurface[T]
) -> tuple[RequestContext, T | InputsAnswer]:
    """The request read and numbered, with what it asks for, or its seeded answer when these very
    bytes were answered before (reading is a pure function of them); the API's refusals otherwise."""
    raw, parsed = await received.read(request, state)
    known = state.input_answers.get(_key(request.path, raw))
    if known is not None:
        return received.numbered(request, state, parsed), known
    asked = await asyncio.to_thread(surface.read, parsed) if received.large else surface.read(parsed)
    model = surface.model_id(asked)
    if state.config.strict_models and model not in state.catalog:  # --model may leave it out
        raise APIError.model_not_found(model)
    return received.numbered(request, state, parsed), asked


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
    request: web.Request, state: ServerState, received: Received, ctx: RequestContext, reply: ErrorReply
) -> web.StreamResponse:
    if reply.delivery.first_byte_delay > 0 or reply.delivery.fault is not None:
        await before_first_byte(request, reply.delivery)
    received.journal(request, state, reply.error.status, reply.source, reply)
    return write_error(reply, request_id_of(request, ctx.raw))


async def _deliver(
    request: web.Request,
    state: ServerState,
    received: Received,
    ctx: RequestContext,
    answer: InputsAnswer,
    script: InputsReply | None,
) -> web.StreamResponse:
    """``answer`` with the real API's headers, as the rule's delivery says (None: at once, and kept
    for the next request with these very bytes)."""
    headers = success_headers(request_id_of(request, ctx.raw), answer.processing_ms, answer.tokens)
    # 2025's headers with 2025's layout [R:38]; the 2026 one has neither of these [R:37]
    if not answer.model or layout_of(answer.model) != "compact16":
        headers["access-control-allow-origin"] = "*"
        if answer.model:
            headers["openai-model"] = answer.model
    if script is None:
        state.input_answers.put(_key(ctx.path, ctx.raw), answer)
        received.journal(request, state, 200, "seeded", None)
        response = _LargeResponse if len(answer.body) >= _LARGE_BODY else web.Response
        return response(status=200, body=answer.body, headers=headers)
    delivery = script.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:
        await before_first_byte(request, delivery)
    headers.update(delivery.headers)
    received.journal(request, state, 200, script.source, None)
    return web.Response(status=200, body=faulted_body(answer.body, delivery.fault), headers=headers)


# A body from this size on is sent after its headers, not joined to them: aiohttp (3.14 here, under
# Python before 3.12.9) writes a ``web.Response``'s headers and body as one piece, a copy of the body
# (2.8 MB for a batch of 100 float vectors) that costs more than a second, small write of the headers
# alone.  An aiohttp without the setting sends them as before.
_LARGE_BODY = 1 << 16


class _LargeResponse(web.Response):
    """A ``web.Response`` that sends its headers as soon as they are made (StreamResponse's way)."""

    _send_headers_immediately = True
