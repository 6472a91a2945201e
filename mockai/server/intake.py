"""A request's way in, the same for every surface, and its line in the journal.

request → key, size, JSON (:mod:`mockai.http`) → the surface's own check (its handler's) →
numbered as a :class:`~mockai.core.context.RequestContext`.  What was read is kept
(:class:`Received`) so that whatever becomes of the request (refused, failed, answered) is
journaled with the bytes and body the client sent; a refused request is journaled as
``rejected`` with its error envelope.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web

from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import ErrorReply, Reply
from mockai.http.auth import check_auth
from mockai.http.request_body import READ_IN_A_THREAD, read_json_body
from mockai.http.responses import request_id_of
from mockai.server.journal import NOT_READ, Describe
from mockai.server.state import ServerState

__all__ = ["Received"]


class Received:
    """What was read of one request: its bytes and their JSON value, once read."""

    __slots__ = ("body", "raw")

    def __init__(self) -> None:
        self.raw: bytes | None = None
        self.body: Any = NOT_READ

    async def read(self, request: web.Request, state: ServerState) -> tuple[bytes, Any]:
        """The request's bytes and their JSON value (kept), after its key is checked; the real
        API's refusals (401, 413, 400) otherwise."""
        config = state.config
        check_auth(request, config.api_key)
        raw, parsed = await read_json_body(request, config.max_body_bytes)
        self.raw, self.body = raw, parsed
        return raw, parsed

    @property
    def large(self) -> bool:
        """Whether the body read is large enough that work on it (a pure function of it: validation,
        token counting) is done in a worker thread (``asyncio.to_thread``), not on the loop.  A
        property, not a helper that awaits: the usual request pays no coroutine for it."""
        assert self.raw is not None
        return len(self.raw) > READ_IN_A_THREAD

    def numbered(self, request: web.Request, state: ServerState, view: dict[str, Any]) -> RequestContext:
        """The request read, as reply sources see it (``view``: its body, or what stands for it),
        with the next number."""
        assert self.raw is not None
        state.seq += 1
        return RequestContext(
            request.method, request.path, request.query_string, request.headers, view, self.raw, state.seq
        )

    async def journal_refusal(self, request: web.Request, state: ServerState, refusal: APIError) -> None:
        """Journal ``refusal`` as ``rejected``, with the body of a request refused before it was
        read (a bad key, a content type); not a body refused for its size, nor one that cannot be
        read.  A refusal of a body read gets an ``x-request-id`` of its own (from its bytes), as each
        of the real API's answers has."""
        if self.raw is None and refusal.status != 413:
            # Over the size limit, cut off, badly framed: journaled as not read.
            with contextlib.suppress(Exception):
                self.raw = await request.read()
        self.journal_error(request, state, refusal, "rejected")
        if self.raw is not None:
            refusal.headers.setdefault("x-request-id", request_id_of(request, self.raw))

    def journal_error(self, request: web.Request, state: ServerState, error: APIError, source: str) -> None:
        self.journal(request, state, error.status, source, ErrorReply(error, source=source))

    def journal(
        self,
        request: web.Request,
        state: ServerState,
        status: int,
        source: str,
        reply: Reply | None,
        describe: Describe | None = None,
    ) -> None:
        """Journal the request as received, answered with ``status`` by ``source``."""
        state.journal.record(
            request.method,
            request.path,
            request.query_string,
            request.headers,
            self.body,
            status,
            source,
            reply,
            describe,
            raw=self.raw,
        )
