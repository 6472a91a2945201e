"""``--latency-profile``: realistic, reproducible timing for seeded answers.

A streamed answer sends its headers and first chunk after the time to first token, then each
event after its tokens' inter-token latency (at most ``tps`` tokens a second); the finish-reason
event costs one more token (the end of text), a usage chunk nothing.  A non-streamed answer
arrives once the whole completion would have been generated: time to first token plus the
inter-token latency of every completion token.  Reasoning tokens (reasoning models) are thought
before the first visible token, so they add to the time to first token.

Every draw comes from a generator seeded with the request's key (:func:`mockai.chat.planner.request_key`,
which leaves ``stream`` out): the same request gets the same timing, streamed or not, run after
run.  Scenario rules with ``seeded: true`` get the same timing as the seeded answer.  The profile
syntax and presets are in :mod:`mockai.server.latency_profile`.
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from mockai.chat.planner import request_key
from mockai.chat.render_sse import StreamOptions, rendered_events
from mockai.core.memo import Memo
from mockai.core.plan import Delivery
from mockai.server.latency_profile import LatencyProfile, parse_profile

if TYPE_CHECKING:
    from mockai.server.app import RequestContext, ServerState

__all__ = ["LatencyDelivery", "attach"]


def attach(state: ServerState) -> None:
    spec = state.config.latency_profile
    if not spec:
        return
    profile = parse_profile(spec)  # a ValueError here stops the server at start-up
    if profile.instant:
        return
    timing = LatencyDelivery(state, profile)
    state.extensions["latency"] = timing
    state.seeded_delivery = timing


class LatencyDelivery:
    """``state.seeded_delivery`` under a latency profile: the Delivery (timing) of a seeded answer."""

    def __init__(self, state: ServerState, profile: LatencyProfile) -> None:
        self.state = state
        self.profile = profile
        # A request repeated in a load test gets its timing again without redrawing it.
        self._memo: Memo[bytes, Delivery] = Memo(512, 4 << 20, _delivery_cost)

    def __call__(self, ctx: RequestContext) -> Delivery:
        delivery = self._memo.get(ctx.raw)
        if delivery is None:
            delivery = self.delivery_for(ctx)
            self._memo.put(ctx.raw, delivery)
        return delivery

    def delivery_for(self, ctx: RequestContext) -> Delivery:
        state = self.state
        profile = self.profile
        plan = state.seeded_plan(ctx)
        seed = hashlib.blake2b(b"latency", key=request_key(ctx.body, state.config.seed), digest_size=16).digest()
        rng = random.Random(seed)
        thinking = plan.usage.reasoning_tokens
        first = profile.ttft.sample(rng) + (profile.event_delay(rng, thinking) if thinking else 0.0)
        size = max(1, state.config.tokens_per_chunk)
        if not ctx.body.get("stream"):
            visible = plan.usage.completion_tokens - thinking
            return Delivery(first_byte_delay=first + profile.event_delay(rng, visible))
        opts = StreamOptions.from_request(ctx.body, size)
        count = len(rendered_events(plan, opts))  # memoised: delivery streams these very events
        # Event 0 (the role chunk) goes out with the headers, the first tokens right after it;
        # a usage chunk follows the finish-reason event at once.
        finish = count - (2 if opts.include_usage else 1)
        delays = [0.0, 0.0]
        for index in range(2, count):
            tokens = size if index < finish else 1 if index == finish else 0
            delays.append(profile.event_delay(rng, tokens) if tokens else 0.0)
        return Delivery(first_byte_delay=first, chunk_delays=tuple(delays[:count]))


def _delivery_cost(raw: bytes, delivery: Delivery) -> int:
    return 2 * len(raw) + 256 + 32 * len(delivery.chunk_delays)
