"""indented_bytes (orjson) writes exactly what json.dumps(indent=2, ensure_ascii=False) writes;
canonical_bytes exactly what json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
writes (the text request digests hash)."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core.json_text import ascii_compact_text, canonical_bytes, indented_bytes


def reference(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


finite_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond 64 bits: the pure-Python fallback
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-3, max_value=1e-3),  # where orjson and repr differ most
    st.text(),
    st.sampled_from(['a": 0.00001', "1e-7", "0.00001", '\\"', "\n  0.00001,", "é😀\u2028\x7f\x00\x1f"]),
)
finite_values = st.recursive(
    finite_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(['k": 0.00001', "1e-5"]), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(value=finite_values)
def test_indented_bytes_is_json_dumps_indent_2(value: Any) -> None:
    assert indented_bytes(value) == reference(value)


def test_every_float_exponent_and_logprob_like_values() -> None:
    rng = random.Random(17)
    values: list[float] = []
    for exponent in range(-324, 309):
        for mantissa in (1.0, 1.5, 9.999999, 2.2250738585072014):
            with_exponent = (
                mantissa * 10.0**exponent if exponent > -308 else mantissa * 1e-308 * 10.0 ** (exponent + 308)
            )
            values += [with_exponent, -with_exponent]
    for _ in range(3000):
        bits = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        values += [
            bits,
            -round(rng.random() ** 3 * 2.5, 6),
            round(-rng.uniform(0.5, 3.0) * 10 ** -rng.randint(0, 9), 6),
        ]
    finite = [v for v in values if math.isfinite(v)]
    for start in range(0, len(finite), 50):
        chunk = finite[start : start + 50]
        value = {"content": [{"logprob": v, "top": [v, {"x": v}]} for v in chunk], "last": chunk[-1]}
        assert indented_bytes(value) == reference(value)


def test_every_basic_plane_character_and_what_orjson_refuses() -> None:
    text = "".join(chr(c) for c in range(0xD800)) + "".join(chr(c) for c in range(0xE000, 0x10000)) + "😀"
    assert indented_bytes({text[:300]: text}) == reference({text[:300]: text})
    deep: Any = [1]
    for _ in range(300):  # deeper than orjson writes
        deep = {"d": [deep]}
    for unusual in ({"big": 2**64}, {"lone": "\ud800"}, {1: "non-string key"}, [[[[]]]] * 3, deep):
        expected = (json.dumps(unusual, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        try:
            assert indented_bytes(unusual) == expected
        except UnicodeEncodeError:  # a lone surrogate: no UTF-8 text, as before
            assert "lone" in unusual


def canonical_reference(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@settings(max_examples=400, deadline=None)
@given(value=finite_values)
def test_canonical_bytes_is_json_dumps_sorted_compact(value: Any) -> None:
    assert canonical_bytes(value) == canonical_reference(value)


def test_canonical_bytes_sorts_keys_by_code_point_across_planes() -> None:
    # (UTF-8 byte order is code point order; UTF-16's would put U+FFFF after U+1F600)
    keys = ["\uffff", "😀", "\ue000", "z", "é", "", "a\x00", "a", "\u2028", "\U0010ffff", "\x7f"]
    value = {key: {k: i for i, k in enumerate(reversed(keys))} for key in keys}
    assert canonical_bytes(value) == canonical_reference(value)
    deep: Any = [1]
    for _ in range(300):  # deeper than orjson writes: json's text (the recursion it raises, for its caller)
        deep = {"d": [deep]}
    assert canonical_bytes({"big": 2**64, "x": 1e-07}) == canonical_reference({"big": 2**64, "x": 1e-07})
    assert canonical_bytes(deep) == canonical_reference(deep)


@settings(max_examples=400, deadline=None)
@given(value=finite_values)
def test_ascii_compact_text_is_json_dumps_compact(value: Any) -> None:
    assert ascii_compact_text(value) == json.dumps(value, separators=(",", ":"))


def test_ascii_compact_text_escapes_as_json_does_every_character_and_what_orjson_refuses() -> None:
    # ASCII controls, DEL (json escapes it, orjson does not), non-ASCII and astral characters, one
    # at a time so that a single one sends the text to json
    for code in [*range(0x80), 0xA0, 0x2028, 0xFFFF, 0x1F600]:
        value = {"description": f"a{chr(code)}b", "n": 1}
        assert ascii_compact_text(value) == json.dumps(value, separators=(",", ":")), hex(code)
    deep: Any = [1]
    for _ in range(300):  # deeper than orjson writes
        deep = {"d": [deep]}
    for unusual in ({"big": 2**64}, {"lone": "\ud800"}, {"x": 1e-07, "y": 0.00001}, deep):
        assert ascii_compact_text(unusual) == json.dumps(unusual, separators=(",", ":"))
