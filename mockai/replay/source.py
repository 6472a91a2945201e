"""Replaying a cassette (``mockai serve --cassette FILE``), and the record modes that reach upstream.

Chat completions go through the usual pipeline: scenario rules answer first, then the cassette
(:class:`CassetteSource`), then seeded generation.  Every other ``/v1/...`` path recorded in the
cassette (``/v1/models``, embeddings, …) is answered by :func:`_middleware` before the core routes.

Record modes, as in VCR.py:

* ``none`` (default): replay only; a request with no recorded answer gets a 404 ``cassette_miss``
  naming the nearest recorded request and the first field that differs (``cassette_fallback``
  lets the next source answer instead);
* ``once``: like ``none`` if the cassette exists, else record everything (like ``new_episodes``);
* ``new_episodes``: replay what matches, forward the rest upstream and append it;
* ``all``: forward everything upstream and append it, replay nothing.

Identical requests replay their recorded answers in order; in ``none`` the last one repeats.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from mockai.chat.delivery import deliver
from mockai.core.config import RecordMode, ServerConfig
from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, RawReply, Reply
from mockai.replay.cassette import CassetteError, Interaction, Redaction, load_cassette
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import CassetteIndex, parse_body
from mockai.server.app import STATE, RequestContext, ServerState, check_auth
from mockai.server.recorder import Recorder, new_session

__all__ = ["REPLAY", "CassetteReplay", "CassetteSource", "attach", "cassette_path", "configure", "routes"]

REPLAY = "replay"  # key of the CassetteReplay in ServerState.extensions
_SESSION: web.AppKey[list[aiohttp.ClientSession]] = web.AppKey("mockai_upstream_session", list)
_CHAT = ("POST", "/v1/chat/completions")


class ForwardUpstream(Exception):
    """The cassette has no answer and the record mode says to ask upstream (see :func:`_middleware`)."""


@dataclass
class CassetteReplay:
    """One server's cassette: the index it replays from and, in recording modes, its recorder."""

    path: Path
    mode: RecordMode
    index: CassetteIndex
    replaying: bool
    recorder: Recorder | None
    timed: bool = False
    fallback: bool = False

    @classmethod
    def open(cls, config: ServerConfig) -> CassetteReplay:
        path = config.cassette
        if path is None:
            raise ValueError("no cassette configured")
        exists = path.exists()
        mode = config.record_mode
        if mode == "none" and not exists:
            raise CassetteError(
                f"{path}: no such cassette (record mode 'none' only replays): record it first with "
                "`mockai record`, or use --record-mode once --upstream URL"
            )
        recording = mode in ("new_episodes", "all") or (mode == "once" and not exists)
        cassette = load_cassette(path) if exists else None
        interactions = cassette.interactions if cassette is not None else []
        redaction = Redaction(config.redact_headers, config.redact_fields)
        index = CassetteIndex(interactions, config.match_ignore, config.redact_fields)
        recorder = None
        if recording:
            if not config.upstream:
                raise ValueError(f"record mode '{mode}' forwards to an upstream API: give --upstream URL")
            if config.workers > 1:
                raise ValueError(f"record mode '{mode}' writes one cassette: use --workers 1 to record")
            on_record = (lambda item: index.add(item, played=True)) if mode != "all" else None
            recorder = Recorder(config.upstream, CassetteFile(path, cassette), redaction, on_record)
        replay = cls(path, mode, index, mode != "all", recorder, config.replay_timing == "recorded",
                     config.cassette_fallback)
        return replay

    def lookup(self, method: str, path: str, query: str, raw: bytes) -> Interaction | None:
        if not self.replaying:
            return None
        return self.index.take(method, path, query, raw, repeat_last=self.recorder is None)

    def reply(self, item: Interaction) -> RawReply:
        res = item.response
        delivery = Delivery(first_byte_delay=res.latency) if self.timed else Delivery()
        return RawReply(res.status, res.headers, res.body, res.events, "cassette", delivery, self.timed)

    def miss(self, method: str, path: str, query: str, raw: bytes) -> APIError:
        why = self.index.explain_miss(method, path, query, raw)
        return APIError.cassette_miss(
            f"mockai: no recorded exchange in cassette {self.path} matches {method} {path} "
            f"(record mode '{self.mode}'); {why}. Record it with --record-mode new_episodes, "
            "or leave a field out of matching with --match-ignore."
        )


class CassetteSource:
    """Answers chat completions from the cassette (after scenario rules)."""

    name = "cassette"

    def __init__(self, replay: CassetteReplay) -> None:
        self.replay = replay

    async def choose(self, ctx: RequestContext) -> Reply | None:
        replay = self.replay
        hit = replay.lookup(ctx.method, ctx.path, ctx.query, ctx.raw)
        if hit is not None:
            return replay.reply(hit)
        if replay.recorder is not None:
            raise ForwardUpstream
        if replay.fallback:
            return None
        return ErrorReply(replay.miss(ctx.method, ctx.path, ctx.query, ctx.raw), source="cassette-miss")


def attach(state: ServerState) -> None:
    if state.config.cassette is None:
        return
    replay = CassetteReplay.open(state.config)
    state.extensions[REPLAY] = replay
    state.sources.append(CassetteSource(replay))
    state.reset_hooks.append(replay.index.rewind)


def configure(state: ServerState, cassette: Path | None, record_mode: RecordMode = "none",
              upstream: str | None = None) -> None:
    """Point a server at ``cassette`` (``None``: no cassette) for the next requests.

    Renews the state (a fresh journal, scenarios reloaded): the pytest plugin calls it between
    tests, on the server's loop (``ServerThread.call``).
    """
    config = dataclasses.replace(state.config, cassette=cassette, record_mode=record_mode, upstream=upstream)
    state.renew(config)


def cassette_path(test_file: Path, name: str) -> Path:
    """Where a test's cassette lives, like pytest-recording: ``<dir>/cassettes/<module>/<name>``."""
    return test_file.parent / "cassettes" / test_file.stem / name


# --- every /v1 path: recorded answers, forwarding, and refusals the cassette knows better ---------


def routes(app: web.Application) -> None:
    app[_SESSION] = []
    app.middlewares.append(_middleware)
    app.on_cleanup.append(_cleanup)


async def _cleanup(app: web.Application) -> None:
    for session in app[_SESSION]:
        await session.close()
    replay = app[STATE].extensions.get(REPLAY)
    if isinstance(replay, CassetteReplay) and replay.recorder is not None:
        replay.recorder.file.flush()


def _session(app: web.Application) -> aiohttp.ClientSession:
    sessions = app[_SESSION]
    if not sessions:
        sessions.append(new_session())
    return sessions[0]


async def _forward(request: web.Request, replay: CassetteReplay, raw: bytes) -> web.StreamResponse:
    assert replay.recorder is not None

    def journal(item: Interaction) -> None:
        _journal(request, raw, item.response.status, "upstream", None)

    return await replay.recorder.forward(request, raw, _session(request.app), journal)


def _journal(request: web.Request, raw: bytes, status: int, source: str, reply: Reply | None) -> None:
    body, _ = parse_body(raw)
    request.app[STATE].journal.record(
        request.method, request.path, request.query_string, request.headers, body, status, source, reply
    )


async def _replay(
    request: web.Request, replay: CassetteReplay, item: Interaction, raw: bytes
) -> web.StreamResponse:
    reply = replay.reply(item)
    response = await deliver(request, reply, {}, "", 1)
    _journal(request, raw, reply.status, "cassette", reply)
    return response


@web.middleware
async def _middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    replay = request.app[STATE].extensions.get(REPLAY)
    if not isinstance(replay, CassetteReplay) or not request.path.startswith("/v1/"):
        return await handler(request)
    if (request.method, request.path) == _CHAT:
        try:
            return await handler(request)
        except ForwardUpstream:
            return await _forward(request, replay, await request.read())
        except APIError as error:
            # Refused before any source was asked.  A missing or wrong key (401) stands when
            # replaying, as the API would refuse it; a recording mode lets the upstream judge the
            # key.  Other refusals (JSON, validation): a recorded answer to this very request is
            # what the real API said, so it wins over mockai's own.
            if error.status >= 500 or (error.status == 401 and replay.recorder is None):
                raise
            raw = await request.read()
            hit = None if error.status == 401 else replay.lookup(
                request.method, request.path, request.query_string, raw
            )
            if hit is not None:
                return await _replay(request, replay, hit, raw)
            if replay.recorder is not None:
                return await _forward(request, replay, raw)
            raise
    raw = await request.read()
    if replay.recorder is None and replay.index.knows(request.method, request.path):
        check_auth(request, request.app[STATE].config)  # no key, no answer: as the API
    hit = replay.lookup(request.method, request.path, request.query_string, raw)
    if hit is not None:
        return await _replay(request, replay, hit, raw)
    if replay.recorder is not None:
        return await _forward(request, replay, raw)
    if replay.index.knows(request.method, request.path) and not replay.fallback:
        raise replay.miss(request.method, request.path, request.query_string, raw)
    return await handler(request)
