"""The pipeline every generating endpoint shares, one way through:

request → key, size, JSON (:mod:`mockai.server.intake`, every surface's way in) → the surface's
validation → the first reply source that answers (scenario rules, then the cassette), else seeded
generation → one reply (a plan, an error, recorded bytes, or "ask upstream") → kept when stored →
delivered as JSON or SSE → journaled.  A refused request (401, 400, 413, …) is journaled too, as
``rejected``, with its error envelope.

Two surfaces go through it (:class:`Surface`): chat completions, and Responses.  Reply sources
see every request as a chat request (a Responses request through its chat view,
:func:`mockai.responses.chat_view.chat_view`), so scenario rules, cassettes and the seeded story
are the same for both; the journal keeps the body the client sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from mockai.chat.render_json import completion_dict
from mockai.chat.reply_writer import write_reply
from mockai.chat.store.routes import keep_stored
from mockai.chat.validation import validate_chat_request
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import ErrorReply, ForwardReply, PlannedReply, RawReply, Reply, ReplyPlan, slow_to_render
from mockai.core.request_reading import user_text_and_images
from mockai.http.responses import request_id_of
from mockai.moderations.results import moderated
from mockai.responses import surface as responses
from mockai.responses.conversations import conversation_id_of
from mockai.server.intake import Received
from mockai.server.journal import NOT_READ, Describe
from mockai.server.prompt_cache import PromptPrefixes
from mockai.server.state import STATE, KnownBody, ServerState
from mockai.server.upstream import forward_upstream

__all__ = ["Surface", "chat_completions", "choose_reply", "create_response", "responses_heavy"]

Delivered = PlannedReply | ErrorReply | RawReply
Writer = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Surface:
    """What differs between the endpoints that share the pipeline."""

    # The body if it is a valid request (else the API's error); pure, so memoised by raw bytes.
    validate: Callable[[object], dict[str, Any]]
    unknown_model: Callable[[str], APIError]
    # The request as reply sources see it (a chat request), and the rules that need it (run once
    # per distinct body); may raise the API's error.
    view: Callable[[ServerState, dict[str, Any], bool], dict[str, Any]]
    # Keeps what is stored and gives the writer of the reply and how the journal shows a plan.
    deliver: Callable[[web.Request, ServerState, RequestContext, dict[str, Any], Delivered], tuple[Writer, Describe]]
    # How an error reads on this surface; ``body``: the request whose chat view raised it, if so.
    reword: Callable[[APIError, dict[str, Any] | None], APIError]
    # Whether the view reads so much of what is stored that it is made in a worker thread, as
    # the view of a large body is (a short continuation of a conversation of megabytes).
    heavy: Callable[[ServerState, dict[str, Any]], bool]


def _chat_view(state: ServerState, body: dict[str, Any], new: bool) -> dict[str, Any]:
    return body


def _chat_deliver(
    request: web.Request, state: ServerState, ctx: RequestContext, body: dict[str, Any], reply: Delivered
) -> tuple[Writer, Describe]:
    asked = body.get("moderation")
    if isinstance(reply, PlannedReply) and isinstance(asked, dict) and isinstance(asked.get("model"), str):
        reply = replace(reply, plan=replace(reply.plan, moderation=_moderation(body, reply.plan, asked["model"])))
    keep_stored(state.store, ctx, reply)

    def write(request: web.Request, req_id: str) -> Awaitable[web.StreamResponse]:
        return write_reply(request, reply, ctx.body, req_id, state.config.tokens_per_chunk, state.rendered)

    return write, completion_dict


def _moderation(body: dict[str, Any], plan: ReplyPlan, model: str) -> dict[str, Any]:
    """Moderated completions: the results for the user messages (their text and images) and for
    the first choice's text."""
    text, images = user_text_and_images(body.get("messages"))
    said = plan.choices[0] if plan.choices else None
    answer = "".join(said.content_tokens or ()) if said is not None else ""
    return moderated(text, images, answer, model)


def _as_is(error: APIError, body: dict[str, Any] | None) -> APIError:
    return error


def _responses_view(state: ServerState, body: dict[str, Any], new: bool) -> dict[str, Any]:
    return responses.request_view(body, state.responses, state.conversations, check_rules=new)


def _responses_deliver(
    request: web.Request, state: ServerState, ctx: RequestContext, body: dict[str, Any], reply: Delivered
) -> tuple[Writer, Describe]:
    tokens_per_chunk = state.config.tokens_per_chunk
    answer = responses.prepare(
        reply, body, state.responses, state.rendered_responses, ctx.seq, tokens_per_chunk, state.conversations
    )
    return answer.write, answer.description()


def _light(state: ServerState, body: dict[str, Any]) -> bool:
    return False


def responses_heavy(state: ServerState, body: dict[str, Any]) -> bool:
    """Whether a Responses request continues a stored conversation (a ``previous_response_id``
    chain, or a ``conversation``'s items) that holds more than :data:`_HEAVY_CHAIN`."""
    previous = body.get("previous_response_id")
    if isinstance(previous, str):
        return responses.chain_weight(state.responses, previous) > _HEAVY_CHAIN
    named = conversation_id_of(body.get("conversation"))
    return named is not None and state.conversations.weight(named) > _HEAVY_CHAIN


# A conversation continued that holds more than this (measured: 4.9 MB of stored input took 2.4
# to 3 s to continue, all of it on the event loop) is read in a worker thread.
_HEAVY_CHAIN = 1 << 20


CHAT = Surface(validate_chat_request, APIError.model_not_found, _chat_view, _chat_deliver, _as_is, _light)
RESPONSES = Surface(
    responses.validate_responses_request, responses.model_not_found, _responses_view, _responses_deliver,
    responses.reword, responses_heavy,
)  # fmt: skip


async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await _answer(request, CHAT)


async def create_response(request: web.Request) -> web.StreamResponse:
    """``POST /v1/responses``."""
    return await _answer(request, RESPONSES)


async def _answer(request: web.Request, surface: Surface) -> web.StreamResponse:
    state = request.app[STATE].current
    received = Received()
    try:
        ctx, body, req_id = await _read(request, state, received, surface)
    except APIError as refusal:
        return await _after_refusal(request, state, surface.reword(refusal, None), received)
    try:
        reply = await choose_reply(state, ctx)
    except Exception as exc:  # the boundary answers it; the journal still shows the request
        error = surface.reword(exc, body) if isinstance(exc, APIError) else APIError.server_error()
        error.headers.setdefault("x-request-id", req_id)
        received.journal_error(request, state, error, "error")
        raise error from None
    if isinstance(reply, ForwardReply):
        assert state.cassette is not None
        return await forward_upstream(request, state.cassette, state.journal, ctx.raw, state.config)
    if isinstance(reply, ErrorReply):
        reply = ErrorReply(surface.reword(reply.error, None), reply.delivery, reply.source)
    if isinstance(reply, PlannedReply) and slow_to_render(reply.plan):  # (a Response is rendered here;
        # its id is claimed in ResponseMemos until it is stored: never two with one id)
        write, describe = await asyncio.to_thread(surface.deliver, request, state, ctx, body, reply)
    else:
        write, describe = surface.deliver(request, state, ctx, body, reply)
    status = reply.error.status if isinstance(reply, ErrorReply) else getattr(reply, "status", 200)
    try:
        return await write(request, req_id)
    finally:
        received.journal(request, state, status, reply.source, reply, describe)


async def _read(
    request: web.Request, state: ServerState, received: Received, surface: Surface
) -> tuple[RequestContext, dict[str, Any], str]:
    """The validated request (as sent, and as reply sources see it, numbered) and its request id;
    the real API's refusals otherwise."""
    raw, parsed = await received.read(request, state)
    known = state.known_bodies.get(raw)
    new = known is None
    if known is None:
        body = await asyncio.to_thread(surface.validate, parsed) if received.large else surface.validate(parsed)
        known = KnownBody(request_id_of(request, raw))
    else:
        body = parsed  # these very bytes were validated before
    if state.config.strict_models and body["model"] not in state.catalog:
        raise surface.unknown_model(body["model"])
    view = known.view
    counted: PromptPrefixes | None = None
    if view is None:
        pure = _view_is_pure(body)  # (a pure view reads nothing of the server's: memoised)
        if received.large or surface.heavy(state, body):  # (the stores are safe to read from threads)
            made, counted = await asyncio.to_thread(_view_and_prefixes, surface, state, body, new)
            view = made
        else:
            view = surface.view(state, body, new)
        if view is not body and pure:
            known.view = view
    if new:
        state.known_bodies.put(raw, known)  # valid, its rules passed
    ctx = received.numbered(request, state, view)
    ctx.counted = counted
    if view.get("store") is True:
        ctx.assign_id = state.store.id_for  # a repeated stored request gets an id of its own
    elif view is not body and (body.get("previous_response_id") is not None or body.get("conversation") is not None):
        ctx.assign_id = _same  # the answer depends on the stored conversation: never the memoised plan
    return ctx, body, known.req_id


def _view_and_prefixes(
    surface: Surface, state: ServerState, body: dict[str, Any], new: bool
) -> tuple[dict[str, Any], PromptPrefixes]:
    """The view of a large or heavy request, made in a worker thread, with its prompt's prefixes
    and tokens (what the planner would otherwise count on the loop, a message at a time)."""
    view = surface.view(state, body, new)
    return view, PromptPrefixes.of(view)


def _view_is_pure(body: dict[str, Any]) -> bool:
    """Whether a Responses request's chat view depends on its bytes alone: a string input and no
    stored conversation (items may name stored ones)."""
    return (
        isinstance(body.get("input"), str)
        and body.get("previous_response_id") is None
        and body.get("conversation") is None
    )


def _same(plan_id: str) -> str:
    return plan_id


async def choose_reply(state: ServerState, ctx: RequestContext) -> Reply:
    for source in state.sources:
        reply = await source.choose(ctx)
        if reply is not None:
            if isinstance(reply, ErrorReply) and reply.source == "cassette-miss":
                state.scenarios.unanswered(ctx, reply.error.message)
            elif source is not state.scenarios:  # (a cassette answered what no rule matched)
                state.scenarios.answered_elsewhere(ctx.seq)
            return reply
    if state.error_when_no_rule_matches():
        return ErrorReply(await state.scenarios.no_match(ctx), source="no-match")
    # A plan that may take long to draw is drawn in a worker thread; not one whose id must be free
    # in the store (``assign_id``), which is checked and taken on the loop until it is stored.
    if ctx.body.get("logprobs") and ctx.body.get("top_logprobs") and ctx.assign_id is None:
        return PlannedReply(await state.seeded_plan_off_loop(ctx), state.seeded_delivery(ctx), "seeded")
    return PlannedReply(state.seeded_plan(ctx), state.seeded_delivery(ctx), "seeded")


async def _after_refusal(
    request: web.Request, state: ServerState, refusal: APIError, received: Received
) -> web.StreamResponse:
    """A refused request may still have a recorded (or, recording, an upstream) answer; else
    it is journaled as ``rejected`` and the front door answers the refusal."""
    cassette = state.cassette
    if cassette is not None:
        raw = await request.read()
        reply = cassette.after_refusal(request.method, request.path, request.query_string, raw, refusal.status)
        if isinstance(reply, ForwardReply):
            return await forward_upstream(request, cassette, state.journal, raw, state.config)
        if isinstance(reply, RawReply):
            return await replay_recorded(request, state, reply, raw)
    await received.journal_refusal(request, state, refusal)
    raise refusal


async def replay_recorded(request: web.Request, state: ServerState, reply: RawReply, raw: bytes) -> web.StreamResponse:
    """Recorded bytes for a request the pipeline did not plan; journaled as the cassette's."""
    response = await write_reply(request, reply, {}, "", 1)  # recorded bytes: no surface of its own
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
