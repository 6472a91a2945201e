"""The aiohttp application: every route and every part of the server, named in one place.

:func:`make_app` is the composition root: the chat pipeline (:mod:`mockai.server.pipeline`),
the models catalogue, stored completions, the admin API, and the front door — the application's
one middleware — which turns every failure into the real API's JSON error and lets a cassette
answer the ``/v1/...`` paths it recorded before mockai's own routes do.
"""

from __future__ import annotations

from aiohttp import web

from mockai.chat.store.routes import StoredCompletionRoutes
from mockai.completions.routes import CompletionRoutes
from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.core.model_catalog import is_fine_tune
from mockai.core.plan import ErrorReply, ForwardReply, RawReply
from mockai.http.auth import check_auth
from mockai.http.responses import Handler, error_boundary, error_response, json_response, request_id_of
from mockai.responses.conversation_routes import ConversationRoutes
from mockai.responses.store.routes import StoredResponseRoutes
from mockai.server import admin
from mockai.server.access_log import ACCESS_LOG, access_log_for
from mockai.server.embeddings_routes import create_embeddings, create_moderations
from mockai.server.fast_front import FastSetup
from mockai.server.pipeline import chat_completions, create_response, replay_recorded
from mockai.server.response_side_routes import compact_response, count_input_tokens
from mockai.server.responses_websocket import ResponsesWebSocket, is_upgrade
from mockai.server.state import STATE, ServerState, StateHolder
from mockai.server.upstream import UPSTREAM, UpstreamSession, forward_upstream

__all__ = ["fast_setup", "make_app"]

# Answered by the pipeline, where the cassette is one of the reply sources (after scenario rules);
# the Responses WebSocket's each response.create too (as the POST it stands for).
_PIPELINE = frozenset({("POST", "/v1/chat/completions"), ("POST", "/v1/responses"), ("GET", "/v1/responses")})


def make_app(config: ServerConfig, state: ServerState | None = None) -> web.Application:
    """The application for ``config`` (``state``: the state to start with, else a new one)."""
    app = web.Application(middlewares=[front_door], client_max_size=config.max_body_bytes)
    app[STATE] = StateHolder(state or ServerState(config))
    app[UPSTREAM] = UpstreamSession()
    app[ACCESS_LOG] = access_log_for(config.access_log)
    app.on_cleanup.append(_close)
    app.on_response_prepare.append(allow_origin)
    router = app.router
    router.add_post("/v1/chat/completions", chat_completions)
    router.add_post("/v1/embeddings", create_embeddings)
    router.add_post("/v1/moderations", create_moderations)
    router.add_post("/v1/responses", create_response)
    router.add_post("/v1/responses/input_tokens", count_input_tokens)
    router.add_post("/v1/responses/compact", compact_response)
    router.add_get("/v1/models", list_models)
    router.add_get("/v1/models/{model}", get_model)
    router.add_delete("/v1/models/{model}", delete_model)
    StoredCompletionRoutes(lambda request: request.app[STATE].current).add_to(router)
    CompletionRoutes(lambda request: request.app[STATE].current).add_to(router)  # POST /v1/completions
    StoredResponseRoutes(lambda request: request.app[STATE].current).add_to(router)
    ConversationRoutes(lambda request: request.app[STATE].current).add_to(router)
    admin.add_routes(router)
    return app


def fast_setup(app: web.Application) -> FastSetup:
    """The requests the fast front answers (:mod:`mockai.server.fast_front`): the generating
    routes, through the front door, while no cassette is loaded (a cassette's answers may stream)."""
    holder = app[STATE]
    routes = {
        "/v1/chat/completions": chat_completions,
        "/v1/responses": create_response,
        "/v1/embeddings": create_embeddings,
        "/v1/moderations": create_moderations,
    }
    return FastSetup(  # (--cors: aiohttp's path, whose on_response_prepare adds the CORS header)
        routes,
        lambda: holder.current.cassette is None and not holder.current.config.cors,
        holder.current.config.max_body_bytes,
    )


@web.middleware
async def front_door(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as the real API's JSON error; a cassette answers what it recorded."""
    state = request.app[STATE].current
    cassette = state.cassette
    if cassette is not None and request.path.startswith("/v1/") and (request.method, request.path) not in _PIPELINE:
        handler = _from_cassette(state, handler)
    if request.method == "OPTIONS" and state.config.cors and _cors_applies(request):
        return _preflight(request)
    if request.method == "GET" and request.path == "/v1/responses" and is_upgrade(request):
        # The Responses API's WebSocket mode.  Not a route of its own: a GET route would change the
        # 405s of the path's other methods ("Only POST requests are accepted."), and a GET that is
        # no handshake keeps that 405.  Each response.create is answered as a POST, through here.
        handler = _RESPONSES_WEBSOCKET.handle
    access_log = request.app[ACCESS_LOG]
    state.enter()  # a state replaced meanwhile (a test's reset) is closed after this request
    try:
        if access_log is not None:  # one line per request (mockai serve)
            return await access_log.observe(request, handler, state.config.max_body_bytes)
        return await error_boundary(request, handler, state.config.max_body_bytes)
    finally:
        state.leave()


async def _post_response(request: web.Request) -> web.StreamResponse:
    """A POST /v1/responses as the front door answers it (journal, access log, errors)."""
    return await front_door(request, create_response)


_RESPONSES_WEBSOCKET = ResponsesWebSocket(_post_response)


def _cors_applies(request: web.BaseRequest) -> bool:
    """Whether ``request`` is a browser's to a /v1 route (never the admin API's)."""
    return "Origin" in request.headers and request.path.startswith("/v1/")


def _preflight(request: web.Request) -> web.Response:
    """A browser's CORS preflight, allowed: any origin, the methods the routes take, the headers
    it asks for (an SDK's ``authorization`` and ``x-stainless-*`` among them)."""
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
        "Access-Control-Max-Age": "86400",
    }
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        headers["Access-Control-Allow-Headers"] = asked
    return web.Response(status=200, headers=headers)


async def allow_origin(request: web.Request, response: web.StreamResponse) -> None:
    """With ``--cors``, a browser may read the answer of any /v1 route."""
    if request.app[STATE].current.config.cors and _cors_applies(request):
        response.headers["Access-Control-Allow-Origin"] = "*"


def _from_cassette(state: ServerState, handler: Handler) -> Handler:
    """``handler``, unless the cassette answers the request first (record modes: upstream does)."""
    cassette = state.cassette
    assert cassette is not None

    async def answer(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if cassette.guards(request.method, request.path):
            check_auth(request, state.config.api_key)  # no key, no answer: as the API
        reply = cassette.answer(request.method, request.path, request.query_string, raw)
        if isinstance(reply, RawReply):
            return await replay_recorded(request, state, reply, raw)
        if isinstance(reply, ForwardReply):
            return await forward_upstream(request, cassette, state.journal, raw, state.config)
        if isinstance(reply, ErrorReply):
            return error_response(reply.error, request_id_of(request))
        return await handler(request)

    return answer


async def _close(app: web.Application) -> None:
    await app[UPSTREAM].close()
    access_log = app[ACCESS_LOG]
    if access_log is not None:
        access_log.close()
    app[STATE].current.close()


async def list_models(request: web.Request) -> web.Response:
    state = request.app[STATE].current
    check_auth(request, state.config.api_key)
    data = [m.to_dict() for m in state.catalog.list()]
    return json_response({"object": "list", "data": data}, request)


async def get_model(request: web.Request) -> web.Response:
    state = request.app[STATE].current
    check_auth(request, state.config.api_key)
    model_id = request.match_info["model"]
    info = state.catalog.get(model_id)
    if info is None:
        raise APIError.model_not_found(model_id)
    return json_response(info.to_dict(), request)


async def delete_model(request: web.Request) -> web.Response:
    """``client.models.delete``: a fine-tuned model's id (``ft:…``, or 2023's ``base:ft-…``, which
    chat answers as any model) is deleted, with the recorded answer's layout (real_traffic 36); only
    fine-tunes can be deleted, so any other id is the not-found ``retrieve`` gives an unknown one
    (nothing is forgotten: a fine-tune is never listed)."""
    state = request.app[STATE].current
    check_auth(request, state.config.api_key)
    model_id = request.match_info["model"]
    if not is_fine_tune(model_id):
        raise APIError.model_not_found(model_id)
    return json_response({"object": "model", "id": model_id, "deleted": True}, request)
