"""``POST /v1/completions`` over HTTP: read, check, plan once, render as JSON or SSE, journal.

request → the key (401) → size and JSON (413, 400) → :func:`read_completion_request` (400, the
chat-model 404) → ``--strict-models`` (404) → the scenario rules, which read it as the chat request
:func:`~mockai.completions.planner.chat_view` gives (a rule's text answer is the completion,
:func:`~mockai.completions.planner.scripted_completion`; its errors, faults and latency apply as on
chat; no rule matching, as chat: ``on_no_match``) → else :func:`plan_completion` → one rendering of
the plan → journaled.  A refused request is journaled as ``rejected`` with its error envelope, as every
surface's are (:mod:`mockai.server.intake`); the application's front door (key check of cassettes,
access log, error boundary) wraps this handler as any other route's.  A cassette answers this path
in the front door, before the handler, as it answers every /v1 path it recorded.

The journal keeps the JSON answer for a streamed request too (the same plan), so
``GET /_mockai/requests`` shows what the stream told.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from mockai.chat.render_sse import error_event
from mockai.completions.planner import CompletionPlan, chat_view, plan_completion, scripted_completion
from mockai.completions.render_json import completion_bytes
from mockai.completions.render_sse import completion_events
from mockai.completions.request import CompletionRequest, read_completion_request
from mockai.core.config import ServerConfig
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, RawReply, Reply
from mockai.http.auth import check_auth
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error, write_events, write_raw
from mockai.http.request_body import READ_IN_A_THREAD, read_json_body
from mockai.http.responses import request_id_of

__all__ = ["PATH", "CompletionAccess", "CompletionRoutes"]

PATH = "/v1/completions"
# A request whose answer is this many tokens or more is planned and rendered in a worker thread:
# n=128 over a batch of prompts with logprobs is seconds of work.
_MUCH_WORK_TOKENS = 20_000


class _Journal(Protocol):
    def record(
        self,
        method: str,
        path: str,
        query: str,
        headers: Any,
        body: Any,
        status: int,
        source: str,
        reply: Any = None,
        describe: Any = None,
        *,
        raw: bytes | None = None,
    ) -> None: ...


class _Scenarios(Protocol):
    async def choose(self, ctx: RequestContext) -> Reply | None: ...

    async def no_match(self, ctx: RequestContext) -> APIError: ...

    def problem_of(self, seq: int, source: str, message: str) -> ErrorReply: ...


class CompletionAccess(Protocol):
    """What the route needs of the server answering a request."""

    seq: int  # the number of the last request answered

    @property
    def config(self) -> ServerConfig: ...

    @property
    def catalog(self) -> ModelCatalog: ...

    @property
    def journal(self) -> _Journal: ...

    @property
    def scenarios(self) -> _Scenarios: ...

    def error_when_no_rule_matches(self) -> bool: ...


class CompletionRoutes:
    """The handler; ``access(request)`` gives the server state answering that request."""

    def __init__(self, access: Callable[[web.Request], CompletionAccess]) -> None:
        self.access = access

    def add_to(self, router: web.UrlDispatcher) -> None:
        router.add_post(PATH, self.create_completion)

    async def create_completion(self, request: web.Request) -> web.StreamResponse:
        state = self.access(request)
        config = state.config
        raw: bytes | None = None
        body: Any = None
        try:
            check_auth(request, config.api_key)
            raw, body = await read_json_body(request, config.max_body_bytes)
            if len(raw) > READ_IN_A_THREAD:
                valid, asked = await asyncio.to_thread(read_completion_request, body)
            else:
                valid, asked = read_completion_request(body)
            if config.strict_models and asked.model not in state.catalog:
                raise APIError.model_not_found(asked.model)
        except APIError as refusal:
            if raw is None and refusal.status != 413:  # (a bad key: the body is still journaled)
                with contextlib.suppress(Exception):
                    raw = await request.read()
            if raw is not None:
                refusal.headers.setdefault("x-request-id", request_id_of(request, raw))
            _journal(request, state, raw, body, refusal.status, "rejected", None, refusal)
            raise
        req_id = request_id_of(request, raw)
        state.seq += 1
        ctx = RequestContext("POST", PATH, request.query_string, request.headers, chat_view(asked), raw, state.seq)
        reply = await state.scenarios.choose(ctx)  # (rules read it as the chat request chat_view gives)
        if reply is None and state.error_when_no_rule_matches():
            reply = ErrorReply(await state.scenarios.no_match(ctx), source="no-match")
        delivery, source = Delivery(), "seeded"
        if isinstance(reply, PlannedReply):
            scripted = scripted_completion(reply.plan, asked, state.catalog)
            if isinstance(scripted, str):
                reply = state.scenarios.problem_of(ctx.seq, reply.source, scripted)
            else:
                plan, json_body = scripted, completion_bytes(scripted)
                delivery, source = reply.delivery, reply.source
        if isinstance(reply, ErrorReply):
            if reply.delivery.first_byte_delay > 0 or reply.delivery.fault is not None:
                await before_first_byte(request, reply.delivery)
            _journal(request, state, raw, body, reply.error.status, reply.source, None, reply.error)
            return write_error(reply, req_id)
        if isinstance(reply, RawReply):  # (recorded bytes a rule gives: as they are)
            _journal(request, state, raw, body, reply.status, reply.source, reply, None)
            return await write_raw(request, reply)
        if reply is None:
            if _work(asked) > _MUCH_WORK_TOKENS:
                plan, json_body = await asyncio.to_thread(_planned, valid, asked, state.catalog, config.seed)
            else:
                plan, json_body = _planned(valid, asked, state.catalog, config.seed)
        tokens = plan.prompt_tokens + plan.completion_tokens
        headers = success_headers(req_id, 20 + len(plan.choices) % 40, tokens, stream=asked.stream)
        # Both recordings of 2024 and 2026 carry these two (traceloop/openllmetry cassettes).
        headers["access-control-allow-origin"] = "*"
        headers["openai-model"] = plan.model
        headers.update(delivery.headers)
        _journal(request, state, raw, body, 200, source, RawReply(200, (), json_body, source=source), None)
        if not asked.stream:
            if delivery.first_byte_delay > 0 or delivery.fault is not None:
                await before_first_byte(request, delivery)
            return web.Response(status=200, body=faulted_body(json_body, delivery.fault), headers=headers)
        events = completion_events(plan, config.tokens_per_chunk, asked.include_usage)
        if delivery.first_byte_delay > 0 or delivery.fault is not None:
            await before_first_byte(request, delivery)
        done = events[-1]  # (data: [DONE])
        return await write_events(
            request, headers, events[:-1], delivery, tail=done, failure=lambda error, _: error_event(error) + done
        )


def _planned(
    body: dict[str, Any], asked: CompletionRequest, catalog: ModelCatalog, seed: int
) -> tuple[CompletionPlan, bytes]:
    plan = plan_completion(body, asked, catalog, seed)
    return plan, completion_bytes(plan)


def _work(asked: CompletionRequest) -> int:
    """About how many tokens the answer holds (logprobs multiply them)."""
    return len(asked.prompts) * asked.n * min(asked.max_tokens, 200) * (1 + (asked.logprobs or 0))


def _journal(
    request: web.Request,
    state: CompletionAccess,
    raw: bytes | None,
    body: Any,
    status: int,
    source: str,
    reply: RawReply | None,
    error: APIError | None,
) -> None:
    """Journal the request; an error as its envelope (the journal keeps no traceback)."""
    answer: Any = ErrorReply(error, source=source) if error is not None else reply
    kept = body if raw is not None else None
    state.journal.record(
        request.method, request.path, request.query_string, request.headers, kept, status, source, answer, raw=raw
    )
