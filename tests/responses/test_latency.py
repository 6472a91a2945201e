"""A latency profile paces a Responses stream on that stream's own events: every delta after its
tokens' inter-token latency, the terminal event one token more, the structural events at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core.config import ServerConfig
from mockai.responses.planner import response_plan
from mockai.responses.render_sse import event_dicts, event_tokens
from mockai.responses.surface import request_view
from mockai.server.runner import ServerThread
from mockai.server.state import ServerState
from tests.responses.test_properties import requests
from tests.support import clients
from tests.support.servers import ServerFactory

openai = pytest.importorskip("openai")

TTFT, ITL = 0.2, 0.02
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "input": "Time me, please."}


@pytest.fixture
def paced(server_factory: ServerFactory) -> ServerThread:
    return server_factory(latency_profile=f"ttft={TTFT};itl={ITL}")


def _paced_as_profiled(arrivals: list[tuple[str, float]], deltas: list[float]) -> bool:
    """The first delta comes right after the events that open the message; each later one an
    inter-token latency after the one before; the terminal event one more after the last."""
    return (
        deltas[0] - arrivals[0][1] < ITL * 0.9 + 0.1
        and deltas[-1] - deltas[0] >= ITL * (len(deltas) - 1) * 0.9
        and arrivals[-1][1] - deltas[-1] >= ITL * 0.9
    )


def test_each_event_of_a_responses_stream_gets_its_own_delay(paced: ServerThread) -> None:
    with clients.sdk(paced.base_url) as client:
        # Timed from the second stream on (the SDK's first builds its models as it reads); a later
        # one only when the earlier met a busy machine, whose client thread reads some events late
        # and then several at once. Pacing lost (or lumped) fails all of them.
        for attempt in range(4):
            started = time.perf_counter()
            arrivals: list[tuple[str, float]] = []
            with client.responses.stream(**BODY) as stream:
                for event in stream:
                    arrivals.append((event.type, time.perf_counter() - started))
                final = stream.get_final_response()
            kinds = [kind for kind, _ in arrivals]
            deltas = [at for kind, at in arrivals if kind == "response.output_text.delta"]
            assert final.usage is not None and len(deltas) == final.usage.output_tokens  # one token a delta
            # Lower bounds, which a busy machine cannot break: delays only come later.
            assert kinds[-1] == "response.completed" and arrivals[0][1] >= TTFT
            assert arrivals[-1][1] >= TTFT + ITL * len(deltas) * 0.9
            if attempt > 0 and _paced_as_profiled(arrivals, deltas):
                break
        else:
            raise AssertionError(f"three streams not paced as profiled: {arrivals}")


WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"background": True},
        {"model": "gpt-4.1", "input": "What is the weather in Paris?", "tools": [WEATHER], "tool_choice": "required"},
        {"model": "o4-mini", "reasoning": {"summary": "auto"}},
    ],
)
def test_the_delays_follow_the_responses_events(server_factory: ServerFactory, extra: dict[str, Any]) -> None:
    # The timing the server draws: one delay per event of the stream it sends, non-zero exactly
    # on the deltas after the first and on the terminal event.
    paced = server_factory(latency_profile="ttft=0.001;itl=0.001")  # (the same shape, a fast stream)
    body = {**BODY, **extra, "stream": True}
    streamed = clients.HTTP.post(f"{paced.base_url}/responses", json=body, headers=clients.AUTH)
    kinds = [line[7:] for line in streamed.text.splitlines() if line.startswith("event: ")]
    journal = paced.run(lambda: list(paced.state.journal))
    delivery = journal[-1].reply.delivery
    assert len(delivery.chunk_delays) == len(kinds)
    paced_at = [i for i, delay in enumerate(delivery.chunk_delays) if delay > 0]
    deltas = [i for i, kind in enumerate(kinds) if kind.endswith(".delta")]
    assert deltas and paced_at == [*deltas[1:], len(kinds) - 1]
    assert all(delay == pytest.approx(0.001) for delay in delivery.chunk_delays if delay > 0)


_STATE = ServerState(ServerConfig())


@settings(max_examples=40, deadline=None)
@given(body=requests(), size=st.sampled_from([1, 3]), background=st.booleans())
def test_event_tokens_match_the_stream_event_for_event(body: dict[str, Any], size: int, background: bool) -> None:
    # What the pacing counts (without rendering) is the stream the writer renders: one count an
    # event, tokens exactly on the deltas (their tokens), one on the terminal event.
    body = {**body, "background": background}
    plan = response_plan(
        _STATE.planner.seeded(request_view(body, _STATE.responses, _STATE.conversations, check_rules=False)), body
    )
    kinds = [event["type"] for event in event_dicts(plan, tokens_per_chunk=size)]
    tokens = event_tokens(plan, tokens_per_chunk=size)
    assert len(tokens) == len(kinds) and tokens[-1] == 1
    assert [i for i, count in enumerate(tokens[:-1]) if count] == [
        i for i, k in enumerate(kinds) if k.endswith(".delta")
    ]
    assert all(0 < count <= size for count in tokens[:-1] if count)
