"""``--latency-profile``: seeded, reproducible time to first token, inter-token latency and tps caps."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

import pytest

from mockai.core.context import RequestContext
from mockai.server.latency import LatencyTiming
from mockai.server.latency_profile import PRESETS, parse_profile
from tests.support.bodies import chat
from tests.support.clients import sdk
from tests.support.servers import ServerFactory, run_cli

BODY = chat("Time me, please.")


def context(body: dict[str, Any]) -> RequestContext:
    import json

    return RequestContext("POST", "/v1/chat/completions", "", {}, body, json.dumps(body).encode(), 1)


def timing(server_factory: ServerFactory, spec: str, body: dict[str, Any], seed: int = 0) -> Any:
    state = server_factory(latency_profile=spec, seed=seed).state
    timing = state.timing
    assert isinstance(timing, LatencyTiming)
    return timing.delivery(context(body))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_parses(name: str) -> None:
    assert parse_profile(name).spec == name


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("warp-speed", "no preset 'warp-speed'"),
        ("ttft=lognormal:median=0.3", "lognormal needs p99"),
        ("ttft=lognormal:median=1,p99=0.5", "0 < median ≤ p99"),
        ("ttft=gauss:1", "unknown distribution 'gauss'"),
        ("itl=-1", "finite number ≥ 0"),
        ("tps=0", "tps must be a positive number"),
        ("latency=1", "is not a setting"),
        ("ttft=uniform:min=0.5,max=0.1", "below min"),
        ("ttft=lognormal:median=0.3,p99=1,p50=2", "does not take p50"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_profile(spec)


def test_the_cli_refuses_a_bad_profile_at_start() -> None:
    done = run_cli("serve", "--port", "0", "--latency-profile", "ttft=gauss:1")
    assert done.returncode == 2
    assert "unknown distribution 'gauss'" in done.stderr and done.stdout == ""


def test_lognormal_draws_have_the_median_and_p99_asked_for() -> None:
    dist = parse_profile("ttft=lognormal:median=0.3,p99=1.2").ttft
    rng = random.Random(7)
    draws = sorted(dist.sample(rng) for _ in range(40_000))
    assert statistics.median(draws) == pytest.approx(0.3, rel=0.03)
    assert draws[int(0.99 * len(draws))] == pytest.approx(1.2, rel=0.06)
    capped = parse_profile("ttft=lognormal:median=0.3,p99=1.2,max=0.5").ttft
    assert max(capped.sample(rng) for _ in range(5_000)) == 0.5


def test_a_tps_cap_sets_a_floor_per_token() -> None:
    profile = parse_profile("itl=0.001;tps=50")
    assert profile.event_delay(random.Random(1), 5) == pytest.approx(0.1)


def test_the_same_request_gets_the_same_timing_streamed_or_not(server_factory: ServerFactory) -> None:
    spec = "ttft=lognormal:median=0.3,p99=1.2;itl=lognormal:median=0.02,p99=0.08"
    first = timing(server_factory, spec, {**BODY, "stream": True})
    again = timing(server_factory, spec, {**BODY, "stream": True})
    assert first == again and first.chunk_delays[2:] and len(set(first.chunk_delays[2:-1])) > 1
    plain = timing(server_factory, spec, BODY)
    assert plain.first_byte_delay == pytest.approx(first.first_byte_delay + sum(first.chunk_delays))
    other = timing(server_factory, spec, {**BODY, "messages": [{"role": "user", "content": "Another."}]})
    reseeded = timing(server_factory, spec, BODY, seed=1)
    assert len({plain.first_byte_delay, other.first_byte_delay, reseeded.first_byte_delay}) == 3


def _token_arrivals(client: Any) -> list[float]:
    """When each content token of one streamed answer reached the SDK, in seconds from the request."""
    started = time.perf_counter()
    arrivals = []
    for chunk in client.chat.completions.create(**BODY, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.perf_counter() - started)
    return arrivals


def test_a_stream_keeps_the_profile_through_the_sdk(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    server = server_factory(latency_profile="ttft=0.25;itl=0.02")
    with sdk(server.base_url, strict=False) as client:
        spreads = []
        for _ in range(3):  # a later stream only when the earlier ones met a busy machine
            arrivals = _token_arrivals(client)
            tokens = len(arrivals)
            # Lower bounds, which a busy machine cannot break: delays only come later.
            assert tokens > 5 and arrivals[0] >= 0.25
            assert arrivals[-1] >= 0.25 + 0.02 * (tokens - 1) * 0.9
            # The tokens come spread out, not all at once after one long wait. A client thread
            # that a loaded machine runs late reads the first tokens late, and then several at
            # once: this holds in one stream of three, and never if the pacing were lost.
            spreads.append(arrivals[-1] - arrivals[0])
            if spreads[-1] >= 0.02 * (tokens - 1) * 0.9:
                break
        else:
            raise AssertionError(f"no stream of {tokens} tokens spread over 0.9 x 20 ms a token: {spreads}")
        started = time.perf_counter()
        completion = client.chat.completions.create(**BODY)
        elapsed = time.perf_counter() - started
        assert completion.usage is not None
        assert elapsed >= 0.25 + 0.02 * completion.usage.completion_tokens * 0.9


def test_without_a_profile_or_with_instant_answers_come_at_once(server_factory: ServerFactory) -> None:
    for spec in (None, "instant"):
        state = server_factory(latency_profile=spec).state
        assert state.timing is None
        assert state.seeded_delivery(context(BODY)).first_byte_delay == 0
