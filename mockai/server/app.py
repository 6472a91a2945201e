"""The aiohttp application: routing, the error boundary, and the chat-completions pipeline.

request → size / auth / JSON checks → :func:`mockai.chat.validation.validate_chat_request` →
the first reply source that answers (scenarios, cassettes, …, then seeded generation) →
:func:`mockai.chat.delivery.deliver`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from mockai.chat.delivery import deliver, error_response
from mockai.chat.planner import Planner
from mockai.chat.render_json import dumps_indented
from mockai.chat.validation import validate_chat_request
from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.core.memo import Memo
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, Reply, ReplyPlan
from mockai.http.headers import request_id, success_headers
from mockai.server.journal import Journal

__all__ = ["STATE", "ReplySource", "RequestContext", "ServerState", "make_app"]

log = logging.getLogger("mockai")


@dataclass
class RequestContext:
    """One validated chat request, as reply sources see it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]
    raw: bytes
    seq: int
    request: web.Request | None = field(default=None, repr=False)


class ReplySource(Protocol):
    """Something that may answer a chat request: scenarios, a cassette, a latency profile, …"""

    name: str

    async def choose(self, ctx: RequestContext) -> Reply | None: ...


CompletionHook = Callable[[RequestContext, Reply], None]
ReplyHook = Callable[[RequestContext, Reply], Reply]


class ServerState:
    """Everything one server holds; reset between tests by the pytest plugin."""

    def __init__(self, config: ServerConfig) -> None:
        self._setup(config)

    def _setup(self, config: ServerConfig) -> None:
        self.config = config
        self.catalog = ModelCatalog.from_ids(config.models) if config.models else ModelCatalog()
        self.planner = Planner(self.catalog, config.seed)
        # What the last valid request bodies gave (see KnownBody), by their raw bytes.
        self.known_bodies: Memo[bytes, KnownBody] = Memo(256, 8 << 20, _known_cost)
        self.journal = Journal(config.journal_size)
        self.sources: list[ReplySource] = []
        # Called after every chat reply (stored completions use it).
        self.completion_hooks: list[CompletionHook] = []
        # Called with the chosen reply before it is delivered; each returns the reply to send
        # (stored completions keep it here, so it is retrievable before the first byte is sent).
        self.reply_hooks: list[ReplyHook] = []
        # Builds the delivery (timing) of a seeded reply; the latency profile replaces it.
        self.seeded_delivery: Callable[[RequestContext], Delivery] = lambda ctx: _AT_ONCE
        # What to answer when no source matched and on_no_match == "error" (None: seeded after all).
        self.no_match: Callable[[RequestContext], Awaitable[APIError | None]] | None = None
        # Hooks run by POST /_mockai/reset.
        self.reset_hooks: list[Callable[[], None]] = []
        self.seq = 0
        # Free-form per-feature state (e.g. "store"), dropped by renew().
        self.extensions: dict[str, Any] = {}
        from mockai.server import features as features

        features.attach_all(self)

    def seeded_plan(self, ctx: RequestContext) -> ReplyPlan:
        """The seeded answer to ``ctx``: a load test repeating a request gets it from a memo."""
        known = self.known_bodies.get(ctx.raw)
        if known is not None and known.plan is not None:
            return known.plan
        plan = self.planner.seeded(ctx.body)
        if known is not None:
            known.plan = plan
            self.known_bodies.put(ctx.raw, known)  # counts the plan's size
        return plan

    def renew(self, config: ServerConfig | None = None) -> None:
        """Start over in place: a fresh journal, sources and feature state (same routes)."""
        self._setup(config or self.config)

    def reset(self) -> None:
        """Clear the journal and what features keep (POST /_mockai/reset); rules stay loaded."""
        self.journal.clear()
        for hook in self.reset_hooks:
            hook()


@dataclass(slots=True)
class KnownBody:
    """A raw request body seen before: it was valid (validation is a pure function of the bytes),
    its request id, and its seeded plan once one was made (a pure function of the bytes too)."""

    req_id: str
    plan: ReplyPlan | None = None


def _known_cost(raw: bytes, known: KnownBody) -> int:
    cost = 2 * len(raw) + 256
    if known.plan is not None:
        for choice in known.plan.choices:
            cost += 512 + 64 * (choice.emitted_tokens() + len(choice.logprobs or ()) * 4)
    return cost


STATE: web.AppKey[ServerState] = web.AppKey("mockai_state", ServerState)
_AT_ONCE = Delivery()  # shared, as PlannedReply's default is: nobody mutates a Delivery


def _req_id(request: web.Request, material: bytes = b"") -> str:
    return request_id(request.method.encode() + request.path.encode() + material)


@web.middleware
async def error_boundary(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every failure leaves as the real API's JSON error: never a traceback, never HTML."""
    try:
        return await handler(request)
    except APIError as error:
        return error_response(error, _req_id(request))
    except web.HTTPMethodNotAllowed as exc:
        return error_response(APIError.method_not_allowed(sorted(exc.allowed_methods)), _req_id(request))
    except web.HTTPNotFound:
        return error_response(APIError.invalid_url(request.method, request.path), _req_id(request))
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[STATE].config.max_body_bytes
        return error_response(APIError.body_too_large(request.content_length or 0, limit), _req_id(request))
    except web.HTTPException as exc:
        return error_response(APIError(exc.status, exc.reason or "Request failed"), _req_id(request))
    except Exception:
        log.exception("internal error while answering %s %s", request.method, request.path)
        return error_response(APIError.server_error(), _req_id(request))


def check_auth(request: web.Request, config: ServerConfig) -> None:
    header = request.headers.get("Authorization")
    if header is None:
        if request.headers.get("api-key"):  # Azure-style clients
            return
        raise APIError.missing_api_key()
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise APIError.missing_api_key()
    if config.api_key is not None and key != config.api_key:
        raise APIError.invalid_api_key(key)


async def read_json_body(request: web.Request, config: ServerConfig) -> tuple[bytes, Any]:
    size = request.content_length
    if size is not None and size > config.max_body_bytes:
        raise APIError.body_too_large(size, config.max_body_bytes)
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise APIError.unsupported_content_type(content_type)
    raw = await request.read()
    try:
        return raw, _loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise APIError.invalid_json() from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # NaN, Infinity: Python accepts them, JSON does not


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(raw: bytes) -> Any:
    """``json.loads(raw, parse_constant=_reject_constant)`` with one decoder built at import."""
    # A body opening with "{" then a non-NUL byte is UTF-8 by json.detect_encoding's own rules.
    encoding = "utf-8" if raw[:1] == b"{" and raw[1:2] != b"\x00" else json.detect_encoding(raw)
    return _DECODER.decode(raw.decode(encoding, "surrogatepass"))


async def chat_completions(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    config = state.config
    check_auth(request, config)
    raw, parsed = await read_json_body(request, config)
    known = state.known_bodies.get(raw)
    if known is None:
        body = validate_chat_request(parsed)
        known = KnownBody(_req_id(request, raw))
        state.known_bodies.put(raw, known)
    else:
        body = parsed  # these very bytes were validated before
    if config.strict_models and body["model"] not in state.catalog:
        raise APIError.model_not_found(body["model"])
    state.seq += 1
    ctx = RequestContext(
        request.method,
        request.path,
        request.query_string,
        {k.lower(): v for k, v in request.headers.items()},
        body,
        raw,
        state.seq,
        request,
    )
    reply = await choose_reply(state, ctx)
    for reply_hook in state.reply_hooks:
        reply = reply_hook(ctx, reply)
    req_id = known.req_id
    try:
        response = await deliver(request, reply, body, req_id, config.tokens_per_chunk)
    finally:
        status = reply.error.status if isinstance(reply, ErrorReply) else getattr(reply, "status", 200)
        state.journal.record(ctx.method, ctx.path, ctx.query, request.headers, body, status, reply.source, reply)
    for hook in state.completion_hooks:
        hook(ctx, reply)
    return response


async def choose_reply(state: ServerState, ctx: RequestContext) -> Reply:
    for source in state.sources:
        reply = await source.choose(ctx)
        if reply is not None:
            return reply
    if state.config.on_no_match == "error" and state.no_match is not None:
        error = await state.no_match(ctx)
        if error is not None:
            return ErrorReply(error, source="no-match")
    return PlannedReply(state.seeded_plan(ctx), state.seeded_delivery(ctx), "seeded")


async def list_models(request: web.Request) -> web.Response:
    check_auth(request, request.app[STATE].config)
    data = [m.to_dict() for m in request.app[STATE].catalog.list()]
    return json_response({"object": "list", "data": data}, request)


async def get_model(request: web.Request) -> web.Response:
    state = request.app[STATE]
    check_auth(request, state.config)
    model_id = request.match_info["model"]
    info = state.catalog.get(model_id)
    if info is None:
        raise APIError.model_not_found(model_id)
    return json_response(info.to_dict(), request)


def json_response(payload: Any, request: web.Request, status: int = 200) -> web.Response:
    """A JSON body laid out as the real API's 200s (2-space indent, trailing newline)."""
    headers = success_headers(_req_id(request), 5, 0)
    text = dumps_indented(payload) + "\n"
    return web.Response(status=status, body=text.encode(), headers=headers)



def make_app(config: ServerConfig, state: ServerState | None = None) -> web.Application:
    """The aiohttp application for ``config``; features register their routes and sources."""
    app = web.Application(middlewares=[error_boundary], client_max_size=config.max_body_bytes)
    state = state or ServerState(config)
    app[STATE] = state
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/v1/models/{model}", get_model)
    from mockai.server import features as features

    features.install_routes(app)
    return app
