"""``--latency-profile``: realistic, reproducible timing for seeded answers.

A streamed answer sends its headers and first chunk after the time to first token, then each
event after its tokens' inter-token latency (at most ``tps`` tokens a second); the finish-reason
event costs one more token (the end of text), a usage chunk nothing.  A non-streamed answer
arrives once the whole completion would have been generated: time to first token plus the
inter-token latency of every completion token.  Reasoning tokens (reasoning models) are thought
before the first visible token, so they add to the time to first token.

Every draw comes from a generator seeded with the request's key (:func:`mockai.chat.request_keys.request_key`,
which leaves ``stream`` out): the same request gets the same timing, streamed or not, run after
run.  Scenario rules with ``seeded: true`` get the same timing as the seeded answer.  The timing
is computed from the plan (its usage and the number of events it streams as), never by rendering
it; a Responses stream (``/v1/responses``) is paced on its own events (its deltas, then the terminal
event), not on the chat stream its plan would make.  The profile syntax and presets are in
:mod:`mockai.server.latency_profile`.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable

from mockai.chat.render_sse import StreamOptions, event_count
from mockai.chat.request_keys import request_key
from mockai.core.config import ServerConfig
from mockai.core.context import RequestContext
from mockai.core.memo import Memo
from mockai.core.plan import Delivery, ReplyPlan
from mockai.responses.planner import response_plan
from mockai.responses.render_sse import event_tokens
from mockai.server.latency_profile import LatencyProfile, parse_profile

__all__ = ["LatencyTiming"]

_RESPONSES_PATH = "/v1/responses"


class LatencyTiming:
    """The Delivery (timing) of each seeded answer under a latency profile."""

    def __init__(
        self,
        profile: LatencyProfile,
        plan_for: Callable[[RequestContext], ReplyPlan],
        *,
        seed: int = 0,
        tokens_per_chunk: int = 1,
    ) -> None:
        self.profile = profile
        self.plan_for = plan_for
        self.seed = seed
        self.tokens_per_chunk = max(1, tokens_per_chunk)
        # A request repeated in a load test gets its timing again without redrawing it.
        self._memo: Memo[bytes, Delivery] = Memo(512, 4 << 20, _delivery_cost)

    @classmethod
    def for_config(cls, config: ServerConfig, plan_for: Callable[[RequestContext], ReplyPlan]) -> LatencyTiming | None:
        """The timing ``config.latency_profile`` asks for; None when answers go out at once.
        A bad profile raises ValueError (the server does not start)."""
        if not config.latency_profile:
            return None
        profile = parse_profile(config.latency_profile)
        if profile.instant:
            return None
        return cls(profile, plan_for, seed=config.seed, tokens_per_chunk=config.tokens_per_chunk)

    def delivery(self, ctx: RequestContext) -> Delivery:
        delivery = self._memo.get(ctx.raw)
        if delivery is None:
            delivery = self.delivery_for(ctx)
            self._memo.put(ctx.raw, delivery)
        return delivery

    def delivery_for(self, ctx: RequestContext) -> Delivery:
        profile = self.profile
        plan = self.plan_for(ctx)
        seed = hashlib.blake2b(b"latency", key=request_key(ctx.body, self.seed), digest_size=16).digest()
        rng = random.Random(seed)
        thinking = plan.usage.reasoning_tokens
        first = profile.ttft.sample(rng) + (profile.event_delay(rng, thinking) if thinking else 0.0)
        size = self.tokens_per_chunk
        if not ctx.body.get("stream"):
            visible = plan.usage.completion_tokens - thinking
            return Delivery(first_byte_delay=first + profile.event_delay(rng, visible))
        if ctx.path == _RESPONSES_PATH:
            return Delivery(first_byte_delay=first, chunk_delays=_responses_delays(profile, rng, plan, ctx, size))
        opts = StreamOptions.from_request(ctx.body, size)
        count = event_count(plan, opts)
        # Event 0 (the role chunk) goes out with the headers, the first tokens right after it;
        # a usage chunk follows the finish-reason event at once.
        finish = count - (2 if opts.include_usage else 1)
        delays = [0.0, 0.0]
        for index in range(2, count):
            tokens = size if index < finish else 1 if index == finish else 0
            delays.append(profile.event_delay(rng, tokens) if tokens else 0.0)
        return Delivery(first_byte_delay=first, chunk_delays=tuple(delays[:count]))


def _responses_delays(
    profile: LatencyProfile, rng: random.Random, plan: ReplyPlan, ctx: RequestContext, size: int
) -> tuple[float, ...]:
    """The delay before each event of the Responses stream ``plan`` is sent as: each delta after
    its tokens' inter-token latency (the first tokens right after the time to first token), the
    terminal event one token more, the structural events (created, item added, part done, …) none."""
    try:
        body = json.loads(ctx.raw)  # the Responses request (ctx.body is its chat view)
    except ValueError:
        body = {}
    tokens = event_tokens(response_plan(plan, body if isinstance(body, dict) else {}), tokens_per_chunk=size)
    first = next((i for i, count in enumerate(tokens) if count), len(tokens))
    return tuple(profile.event_delay(rng, count) if count and i != first else 0.0 for i, count in enumerate(tokens))


def _delivery_cost(raw: bytes, delivery: Delivery) -> int:
    return 2 * len(raw) + 256 + 32 * len(delivery.chunk_delays)
