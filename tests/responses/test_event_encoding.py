"""A stream's events are written as ``json`` writes them (compact, non-ASCII as is), though
orjson writes most of them, and their obfuscation is what ``random.choice`` draws; the stream's
bytes (text deltas from a template) are its events' payloads encoded one by one."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core.config import ServerConfig
from mockai.responses.planner import MessageItem, response_plan
from mockai.responses.render_sse import _ALPHABET, _PADDED, _Events, encode_event, event_dicts, rendered_events
from mockai.responses.surface import request_view
from mockai.server.state import ServerState
from tests.responses.test_properties import requests

# JSON values as strict JSON reads them (no NaN or Infinity), floats orjson writes unlike Python
# among them, integers beyond 64 bits (orjson refuses them), and text with controls and "e-".
_FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e-05, -2.5e-07, 1e16, 0.0001])
_TEXT = st.text() | st.sampled_from(["e-mail", "0.00001", "tab\there", "\x00\x1f\x7f", "über 😀"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | _FLOATS | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)


@given(kind=_TEXT.filter(lambda t: t.isprintable()), fields=st.dictionaries(_TEXT, _VALUES, max_size=5))
def test_an_event_is_written_as_json_writes_it(kind: str, fields: dict[str, Any]) -> None:
    payload = {"type": kind, **fields}
    try:
        expected = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # (a lone surrogate: not text a request body can hold)
        return
    assert encode_event(payload) == b"event: " + kind.encode() + b"\ndata: " + expected + b"\n\n"


class _Plan:
    def __init__(self, seed: int) -> None:
        self.obfuscation_seed = seed


@given(seed=st.integers(0, 2**64), deltas=st.lists(st.text(max_size=20), min_size=1, max_size=8))
def test_the_obfuscation_is_what_random_choice_draws(seed: int, deltas: list[str]) -> None:
    events = _Events(_Plan(seed), obfuscate=True)  # type: ignore[arg-type]
    rng = random.Random(seed)
    for delta in deltas:
        drawn = "".join(rng.choice(_ALPHABET) for _ in range(max(_PADDED - len(delta), 1)))
        assert events.padding(delta) == {"obfuscation": drawn}


_STATE = ServerState(ServerConfig())


@settings(max_examples=80, deadline=None)
@given(
    body=requests(),
    texts=st.none() | st.lists(_TEXT, min_size=1, max_size=6),  # scripted text: quotes, controls, "e-"
    size=st.sampled_from([1, 2, 5]),
    obfuscate=st.booleans(),
)
def test_the_stream_is_its_events_encoded_one_by_one(
    body: dict[str, Any], texts: list[str] | None, size: int, obfuscate: bool
) -> None:
    plan = response_plan(
        _STATE.planner.seeded(request_view(body, _STATE.responses, _STATE.conversations, check_rules=False)), body
    )
    if texts is not None:
        tokens = tuple(
            text for text in texts if text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == text
        )
        output = tuple(replace(i, tokens=tokens or ("x",)) if isinstance(i, MessageItem) else i for i in plan.output)
        plan = replace(plan, output=output)
    expected = tuple(encode_event(e) for e in event_dicts(plan, tokens_per_chunk=size, obfuscate=obfuscate))
    assert rendered_events(plan, tokens_per_chunk=size, obfuscate=obfuscate) == expected
