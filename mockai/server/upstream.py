"""Forwarding a request to the upstream API through the cassette's recorder (record modes)."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.replay.cassette import Interaction
from mockai.replay.index import parse_body
from mockai.replay.recorder import new_session
from mockai.replay.source import CassetteReplay
from mockai.server.admin_guard import check_not_from_a_page
from mockai.server.journal import Journal

__all__ = ["UPSTREAM", "UpstreamSession", "forward_upstream"]


class UpstreamSession:
    """One client session to the upstream API per application, opened on first use."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = new_session()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


UPSTREAM: web.AppKey[UpstreamSession] = web.AppKey("mockai_upstream_session", UpstreamSession)


async def forward_upstream(
    request: web.Request, replay: CassetteReplay, journal: Journal, raw: bytes, config: ServerConfig
) -> web.StreamResponse:
    """Pass the request upstream and record the exchange; journaled as answered by ``upstream``.
    Never one a web page of another site sent (``config``: the server's): it would spend the
    user's quota, read the answers (DNS rebinding) or put its own exchanges in the cassette."""
    assert replay.recorder is not None, "only a recording cassette forwards"
    check_not_from_a_page(request, config, "Recording (forwarding upstream)", "record")

    def journal_it(item: Interaction) -> None:
        body, _ = parse_body(raw)
        journal.record(
            request.method,
            request.path,
            request.query_string,
            request.headers,
            body,
            item.response.status,
            "upstream",
            None,
        )

    return await replay.recorder.forward(request, raw, request.app[UPSTREAM].get(), journal_it)
