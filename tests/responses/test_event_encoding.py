"""A stream's events are written as ``json`` writes them (compact, non-ASCII as is), though
orjson writes most of them, and their obfuscation is what ``random.choice`` draws."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mockai.responses.render_sse import _ALPHABET, _PADDED, _Events, encode_event

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
