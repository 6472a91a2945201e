"""The text of every value a ``float`` answer prints: float16 values in the compact layout, float32
values in the others, in their shortest digits, checked against numpy's own shortest-digits
formatter (Dragon4), which shares no code with mockai's (a table of float16 texts, orjson, and
Python's ``repr`` for the values orjson does not print as Python does)."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.embeddings.render import _ORJSON_EXACT, Layout, _float32_rows, _float32_texts, render_embeddings

LAYOUTS: tuple[Layout, ...] = ("compact16", "pretty")


def printed(values: np.ndarray, layout: Layout) -> list[str]:
    """The texts of ``values`` (one row) as a ``float`` answer prints them."""
    body = render_embeddings(values.reshape(1, -1), "m", 1, "float", layout).decode()
    json.loads(body)  # valid JSON
    start = body.index("[", body.index('"embedding"')) + 1
    return [text.strip() for text in body[start : body.index("]", start)].split(",")]


def shortest(value: float, bits: type[np.floating]) -> str:
    """``value``'s shortest digits that give it back at ``bits``, as Python prints a float."""
    text = np.format_float_positional(bits(value), unique=True, trim="0")  # "1.0", "0.0001"
    return repr(float(text))


def expected(value: np.float32, layout: Layout) -> str:
    if layout == "compact16":  # the float16 value, with the shortest digits that give it back as a float64
        text = shortest(float(np.float16(value)), np.float64)
    else:
        text = shortest(float(value), np.float32)
    return format(Decimal(text), "f") if "e" in text else text  # never with an exponent


LARGEST = float(np.float32(1e15))  # Python's repr has an exponent from 1e16 on
finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-LARGEST, max_value=LARGEST)
# Values as a unit vector's are: below 1, some below 1e-4 (where Python prints an exponent).
small32 = st.builds(
    lambda mantissa, exponent: float(np.float32(mantissa * 10.0**exponent)),
    st.floats(min_value=-9.99, max_value=9.99, allow_nan=False),
    st.integers(min_value=-13, max_value=-1),
)
# Round numbers (1e5, 25000.0, 1e-20), whose digits a wrong power of ten shows.
round32 = st.builds(
    lambda digits, exponent: float(np.float32(digits * 10.0**exponent)),
    st.integers(min_value=-99, max_value=99),
    st.integers(min_value=-40, max_value=13),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(finite32, small32, round32), min_size=1, max_size=40))
def test_every_value_is_printed_with_its_shortest_digits(values: list[float]) -> None:
    row = np.array(values, dtype=np.float32)
    for layout in LAYOUTS:
        if layout == "compact16" and not np.all(np.abs(row) < 65504):  # float16's largest
            continue
        assert printed(row, layout) == [expected(v, layout) for v in row], layout


def test_every_float16_value_in_the_compact_layout() -> None:
    every = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    every = every[np.isfinite(every)].astype(np.float32)
    texts = printed(every, "compact16")
    assert texts == [expected(v, "compact16") for v in every]
    assert all(float(text) == float(v) for text, v in zip(texts, every, strict=True))


def test_orjson_prints_float32_as_python_does_where_it_is_used() -> None:
    """orjson writes the float32 values in ``_ORJSON_EXACT``: its text is Python's for 2**18 of
    them evenly spread over every binade there, of each sign (all 223 million were checked once),
    and for the values either side of the bounds."""
    low, high = (np.float32(bound).view(np.uint32) for bound in _ORJSON_EXACT)
    bits = np.linspace(int(low), int(high) - 1, 1 << 18, dtype=np.uint32)
    bits = np.concatenate([bits, np.arange(low - 64, low + 64, dtype=np.uint32)])
    bits = np.concatenate([bits, np.arange(high - 64, high + 64, dtype=np.uint32)])
    for sign in (0, 1 << 31):
        values = (bits | np.uint32(sign)).view(np.float32)
        rows = values.reshape(-1, 128)
        assert b",".join(_float32_rows(rows)) == b",".join(_float32_texts(values))


def test_float16_rounding_is_numpys() -> None:
    """The rounding to float16 in integer arithmetic gives numpy's bits: for 2**20 float32 values
    spread over every binade of either sign (all 2.2 billion below 65520 were checked once), the
    values either side of float16's smallest normal, its subnormal ties and its largest value, and
    values numpy converts itself (NaN, infinities, from 65520 on, float64 input)."""
    from mockai.embeddings.render import _float16_bits

    spread = np.linspace(0, 0x477FEFFF, 1 << 20, dtype=np.uint32)
    near = [0x38800000, 0x33000000, 0x33800000, 0x477FE000, 0x477FF000, 0x7F800000, 0x7FC00000]
    around = np.concatenate([np.arange(b - 4096, b + 4096, dtype=np.uint32) for b in near])
    for bits in (spread, around):
        for sign in (0, 1 << 31):
            values = (bits | np.uint32(sign)).view(np.float32).reshape(-1, 128)
            with np.errstate(over="ignore"):
                expected = values.astype(np.float16).view(np.uint16)
                assert np.array_equal(_float16_bits(values), expected)
    wide = np.array([[0.1, 1e-6, 3.0000001, -2.9802322387695312e-08]])
    assert np.array_equal(_float16_bits(wide), wide.astype(np.float16).view(np.uint16))


def test_compact_rows_are_the_joined_texts_in_blocks() -> None:
    """Batches of rows written by numpy (several blocks of rows, a row in a block of its own) and by
    Python's join when numpy's writing is refused: the texts of the table, joined by commas."""
    from mockai.embeddings import render
    from mockai.embeddings.render import _compact16_rows, _float16_texts

    rng = np.random.default_rng(5)
    table = _float16_texts()
    for rows, width in ((300, 1536), (3, 1), (2, 100_000), (7, 13)):
        vectors = (rng.standard_normal((rows, width)) * 10.0 ** rng.integers(-9, 2, (rows, width))).astype(np.float32)
        expected = [",".join(texts).encode() for texts in table[vectors.astype(np.float16).view(np.uint16)].tolist()]
        assert [bytes(row) for row in _compact16_rows(vectors, "float")] == expected
        refuse = render._texts_of
        try:
            render._texts_of = lambda bits: None  # type: ignore[assignment]
            assert [bytes(row) for row in _compact16_rows(vectors, "float")] == expected
        finally:
            render._texts_of = refuse


def test_compact_base64_from_tables_is_base64_of_the_values() -> None:
    """Each base64 character of three float16 values comes from one of them: every float16 value
    in each of the three positions, among random neighbours, gives base64's own text."""
    import base64

    from mockai.embeddings.render import _compact16_base64, _float16_values

    rng = np.random.default_rng(11)
    every = np.arange(1 << 16, dtype=np.uint16)
    for position in range(3):
        bits = rng.integers(0, 1 << 16, (1 << 16, 3)).astype(np.uint16)
        bits[:, position] = every
        rows = bits.reshape(-1, 768)
        expected = base64.b64encode(_float16_values()[rows].astype("<f4").tobytes())
        assert _compact16_base64(rows) == expected


def test_compact_base64_rows_either_side_of_the_small_path() -> None:
    """A few values (one vector, say) are rounded by numpy and encoded by one base64 call; many by
    the integer rounding and the tables: either way each row is the base64 of its float16 values
    as little-endian float32."""
    import base64

    from mockai.embeddings.render import _compact16_rows, _float16_values

    rng = np.random.default_rng(17)
    for rows, width in ((1, 1536), (1, 3072), (2, 1536), (3, 1536), (5, 1536), (8, 768), (100, 1536), (1, 255)):
        vectors = (rng.standard_normal((rows, width)) * 0.03).astype(np.float32)
        vectors[0, :3] = (1e-9, -6.1e-5, 0.0)  # float16 subnormals and zero
        halves = vectors.astype(np.float16).view(np.uint16)
        expected = [base64.b64encode(_float16_values()[row].astype("<f4").tobytes()) for row in halves]
        assert [bytes(row) for row in _compact16_rows(vectors, "base64")] == expected
