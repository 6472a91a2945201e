"""Everything one server holds for its requests, each part a typed field.

A :class:`ServerState` is built from a :class:`~mockai.core.config.ServerConfig` in one place,
:meth:`ServerState.__init__`, which names every part: the model catalogue and the planner, the
memos of the hot path, the journal, the scenario rules, the cassette, the stored completions and
the latency profile.  The pytest plugin renews a server between tests by building a fresh state the
same way and swapping it in (:class:`StateHolder`); nothing is rewired from outside.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from mockai.chat.planner import Planner
from mockai.chat.rendered import RenderMemos
from mockai.chat.store.backends import open_store
from mockai.core.config import ServerConfig
from mockai.core.context import ReplySource, RequestContext
from mockai.core.memo import Memo
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import Delivery, ReplyPlan, plan_cost
from mockai.core.records import record
from mockai.replay.source import CassetteReplay, CassetteSource
from mockai.responses.conversations import ConversationStore
from mockai.responses.reply_writer import ResponseMemos
from mockai.responses.store.backends import open_conversation_store, open_response_store
from mockai.responses.store.records import ResponseStore
from mockai.scenarios.source import ScenarioSource
from mockai.server.journal import Journal
from mockai.server.latency import LatencyTiming
from mockai.server.prompt_cache import PromptCache, PromptPrefixes

__all__ = ["STATE", "InputsAnswer", "KnownBody", "ServerState", "StateHolder"]

_AT_ONCE = Delivery()  # shared, as PlannedReply's default is: nobody mutates a Delivery


class ServerState:
    """One server's state: built whole from a config, renewed by building another."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.catalog = ModelCatalog.from_ids(config.models) if config.models else ModelCatalog()
        self.planner = Planner(self.catalog, config.seed)
        # Rendered bodies and streams of recent plans, and what the last valid request bodies gave
        # (see KnownBody), by their raw bytes: a load test repeating a request pays once.
        self.rendered = RenderMemos()
        self.rendered_responses = ResponseMemos()  # the same, for /v1/responses
        self.known_bodies: Memo[bytes, KnownBody] = Memo(256, 8 << 20, _known_cost, second_sight=True)
        self.journal = Journal(
            config.journal_size,
            config.journal_bytes,
            redact_headers=config.redact_headers,
            redact_fields=config.redact_fields,
        )
        # Seeded embeddings and moderations answers by path and raw body (see server.embeddings_routes).
        self.input_answers: Memo[bytes, InputsAnswer] = Memo(256, 16 << 20, _answer_cost)
        # The first reply source; its files load now, so a broken one stops the server at start.
        self.scenarios = ScenarioSource(
            self.planner, seeded_delivery=self.seeded_delivery, cached_tokens=self.cached_prompt_tokens
        )
        for path in config.scenarios:
            self.scenarios.load(path)
        self.cassette = CassetteReplay.open(config) if config.cassette is not None else None
        self.store = open_store(config)
        # Stored responses (/v1/responses with store not false), in the same kind of store.
        self.responses: ResponseStore = open_response_store(config)
        # Conversations (/v1/conversations), in the same kind of store, bounded as the stored responses are.
        self.conversations: ConversationStore = open_conversation_store(config)
        # Timing of seeded answers under --latency-profile (None: at once).
        self.timing = LatencyTiming.for_config(config, self.seeded_plan)
        # Asked in order; the first answer wins, seeded generation answers the rest.
        self.sources: list[ReplySource] = [self.scenarios]
        if self.cassette is not None:
            self.sources.append(CassetteSource(self.cassette))
        self.seq = 0
        # Requests answering with this state right now, and whether a fresh state replaced it
        # (StateHolder.renew): a replaced state is closed when its last request is done.
        self.users = 0
        self.replaced = False
        # Long prompt prefixes this server has seen (see mockai.server.prompt_cache), and the
        # verdict for the request being answered (its seq, its cached tokens, its prompt's tokens if
        # counted): asked twice, one look.
        self.prompt_cache = PromptCache()
        self._cache_verdict: tuple[int, int, int | None] = (-1, 0, None)

    def seeded_plan(self, ctx: RequestContext) -> ReplyPlan:
        """The seeded answer to ``ctx``: a load test repeating a request gets it from a memo."""
        known = self.known_bodies.get(ctx.raw)
        cached, tokens = self._prompt_seen(ctx, known)
        memoised = _memoised(ctx, known, cached)
        if memoised is not None:
            return memoised
        plan = self.planner.seeded(ctx.body, assign_id=ctx.assign_id, cached_tokens=cached, prompt_tokens=tokens)
        return self._kept(ctx, known, plan)

    async def seeded_plan_off_loop(self, ctx: RequestContext) -> ReplyPlan:
        """:meth:`seeded_plan`, the drawing done in a worker thread: for a request whose plan may be
        large (logprobs with their alternatives: 0.2-0.4 s of drawing for a long answer)."""
        known = self.known_bodies.get(ctx.raw)
        cached, tokens = self._prompt_seen(ctx, known)  # (on the loop: it updates the prompt cache)
        memoised = _memoised(ctx, known, cached)
        if memoised is not None:
            return memoised
        plan = await asyncio.to_thread(
            self.planner.seeded, ctx.body, assign_id=ctx.assign_id, cached_tokens=cached, prompt_tokens=tokens
        )
        return self._kept(ctx, known, plan)

    def _kept(self, ctx: RequestContext, known: KnownBody | None, plan: ReplyPlan) -> ReplyPlan:
        """``plan``, memoised for the request's bytes unless it has an id of its own."""
        if ctx.assign_id is None and known is not None:
            known.plan = plan
            self.known_bodies.put(ctx.raw, known)  # counts the plan's size
        return plan

    def cached_prompt_tokens(self, ctx: RequestContext) -> int:
        """What the prompt cache holds of ``ctx``'s prompt, for a scenario's answer: scripted and
        seeded answers see and feed the one cache of this server."""
        return self._prompt_seen(ctx, self.known_bodies.get(ctx.raw))[0]

    def _prompt_seen(self, ctx: RequestContext, known: KnownBody | None) -> tuple[int, int | None]:
        """What the prompt cache holds of ``ctx``'s prompt, and the prompt's tokens if they were
        counted for it (a long prompt is tokenized once a request); remembered once per request."""
        seq, cached, tokens = self._cache_verdict
        if seq == ctx.seq:
            return cached, tokens
        prefixes = known.prefixes if known is not None else None
        if prefixes is None:
            prefixes = ctx.counted if ctx.counted is not None else PromptPrefixes.of(ctx.body)
            if known is not None:
                known.prefixes = prefixes
        cached = self.prompt_cache.see(prefixes) if prefixes.keys else 0
        self._cache_verdict = (ctx.seq, cached, prefixes.tokens)
        return cached, prefixes.tokens

    def seeded_delivery(self, ctx: RequestContext) -> Delivery:
        """The timing of a seeded answer: the latency profile's, or at once."""
        return _AT_ONCE if self.timing is None else self.timing.delivery(ctx)

    def error_when_no_rule_matches(self) -> bool:
        """``on_no_match``: ``error`` always; ``auto`` once rules are loaded; ``seeded`` never."""
        mode = self.config.on_no_match
        return mode == "error" or (mode == "auto" and bool(self.scenarios.rules))

    def reset(self) -> None:
        """``POST /_mockai/reset``: forget requests, stored completions and responses; sequences start over;
        a cassette replays from its first exchange again.  Rules stay loaded."""
        self.journal.clear()
        self.scenarios.reset()
        if self.cassette is not None:
            self.cassette.index.rewind()
        self.store.clear()
        self.responses.clear()
        self.conversations.clear()
        self.prompt_cache.clear()

    def close(self) -> None:
        """Write what the recorder still holds and close the stores (the server is stopping, or
        this state was replaced and its last request is done)."""
        if self.cassette is not None and self.cassette.recorder is not None:
            self.cassette.recorder.file.flush()
        self.store.close()
        self.responses.close()
        self.conversations.close()

    def enter(self) -> None:
        """A request begins with this state."""
        self.users += 1

    def leave(self) -> None:
        """A request that began with this state is done; a replaced state closes with its last."""
        self.users -= 1
        if self.replaced and self.users == 0:
            self.close()


class StateHolder:
    """The state a running application answers with; :meth:`renew` swaps in a fresh one.

    A request reads the state once, when it starts, so a request in flight during a renewal ends
    with the state it began with.
    """

    def __init__(self, state: ServerState) -> None:
        self.current = state

    def renew(self, config: ServerConfig) -> ServerState:
        """A fresh state answers from now on; the one it replaces is closed (its store files let
        go) now if no request is using it, else when the last one is done."""
        old, self.current = self.current, ServerState(config)
        old.replaced = True
        if old.users == 0:
            old.close()
        return self.current


STATE: web.AppKey[StateHolder] = web.AppKey("mockai_state", StateHolder)


@dataclass(slots=True)
class KnownBody:
    """A raw request body seen before: it was valid (validation is a pure function of the bytes),
    its request id, and its seeded plan once one was made (a pure function of the bytes too)."""

    req_id: str
    plan: ReplyPlan | None = None
    prefixes: PromptPrefixes | None = None
    # What reply sources read for it (a Responses request's chat view), when that is a pure
    # function of the bytes too (nothing read from the store); shared: nobody may change it.
    view: dict[str, Any] | None = None


def _memoised(ctx: RequestContext, known: KnownBody | None, cached: int) -> ReplyPlan | None:
    """The plan made before for these very bytes (with the same cached tokens), unless the
    request gives its answer an id of its own (see ``RequestContext.assign_id``)."""
    if ctx.assign_id is not None or known is None or known.plan is None:
        return None
    return known.plan if known.plan.usage.cached_tokens == cached else None


@record
class InputsAnswer:
    """A seeded embeddings or moderations answer: its body, the tokens it counts, the model it names."""

    body: bytes
    tokens: int
    model: str
    processing_ms: int


def _answer_cost(key: bytes, answer: InputsAnswer) -> int:
    return len(key) + len(answer.body) + 128


def _known_cost(raw: bytes, known: KnownBody) -> int:
    view = 2 * len(raw) if known.view is not None else 0  # its strings are the body's; dicts and lists
    return 2 * len(raw) + 256 + view + (plan_cost(known.plan) if known.plan is not None else 0)
