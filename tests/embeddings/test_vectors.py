"""The vectors' geometry (properties that hold for every text), their determinism, and the bytes
of the answers against the recorded ones."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.embeddings.render import render_embeddings
from mockai.embeddings.vectors import embed

RECORDINGS = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "responses"
MODEL = "text-embedding-3-small"
texts = st.text(min_size=1, max_size=200)
words = st.lists(
    st.sampled_from(["river", "bank", "money", "loan", "water", "fish", "boat", "tree", "stone", "light"]),
    min_size=3,
    max_size=12,
)


def vec(*items: str, dimensions: int = 1536) -> np.ndarray:
    return embed(MODEL, 1536, list(items), dimensions).astype(np.float64)


@settings(max_examples=60, deadline=None)
@given(texts, st.integers(min_value=1, max_value=1536))
def test_unit_length_at_any_dimension(text: str, dimensions: int) -> None:
    assert abs(np.linalg.norm(vec(text, dimensions=dimensions)[0]) - 1) < 1e-5


@settings(max_examples=40, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_deterministic_and_independent_of_the_batch(items: list[str]) -> None:
    together = vec(*items)
    assert together.tolist() == vec(*items).tolist()
    assert together.tolist() == [vec(item)[0].tolist() for item in items]


@settings(max_examples=60, deadline=None)
@given(words, st.sampled_from(["red", "green", "blue"]), st.text(alphabet="xyzq", min_size=12, max_size=40))
def test_a_paraphrase_sharing_most_words_is_nearer_than_an_unrelated_text(
    sentence: list[str], extra: str, unrelated: str
) -> None:
    original = " ".join(sentence)
    paraphrase = " ".join([*sentence[:-1], extra])  # one word changed
    a, b, c = vec(original, paraphrase, unrelated)
    assert a @ b > a @ c


@settings(max_examples=40, deadline=None)
@given(words)
def test_case_and_punctuation_move_a_vector_only_a_little(sentence: list[str]) -> None:
    text = " ".join(sentence)
    shouted = text.upper() + "!!"
    a, b = vec(text, shouted)
    assert a @ b > 0.75


CORPUS = [
    "The river bank was flooded after the storm",
    "She opened a savings account at the bank",
    "Fishing boats returned to the harbour at dawn",
    "The recipe needs two cups of flour and an egg",
    "Our team won the football match on Sunday",
    "Interest rates on loans went up this year",
    "The old oak tree fell across the road",
    "Solar panels turn sunlight into electricity",
    "He forgot his password and could not log in",
    "The museum opens a new exhibition of paintings",
]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(CORPUS), st.sampled_from([64, 128, 256, 512, 1024]))
def test_dimensions_keep_the_nearest_neighbour(query_source: str, dimensions: int) -> None:
    words_of = query_source.lower().split()
    query = " ".join(words_of[: max(3, len(words_of) // 2)])  # the first half of a document
    full = vec(query, *CORPUS)
    short = vec(query, *CORPUS, dimensions=dimensions)
    assert int(np.argmax(full[1:] @ full[0])) == CORPUS.index(query_source)
    assert int(np.argmax(short[1:] @ short[0])) == CORPUS.index(query_source)


def test_the_same_bytes_on_every_machine() -> None:
    # Pinned: a change of these digests changes every vector users may have stored.
    inputs: list[str | list[int]] = ["Hello, world!", [9906, 11, 1917, 0]]
    body = render_embeddings(embed(MODEL, 1536, inputs, 1536), MODEL, 4, "base64", "compact16")
    assert hashlib.sha256(body).hexdigest()[:16] == "f512b5df6da4193e"
    large = "text-embedding-3-large"
    body = render_embeddings(embed(large, 3072, inputs, 3072), large, 4, "float", "pretty")
    assert hashlib.sha256(body).hexdigest()[:16] == "02c3e449c1f1309e"


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("36_embeddings_float_2025.json", "pretty"),
        ("37_embeddings_float_2026_compact.json", "compact16"),
        ("38_embeddings_base64.json", "pretty"),
        ("40_embeddings_batch_input.json", "pretty"),
        ("42_embeddings_token_array_2023.json", "pretty"),
    ],
)
def test_recorded_bodies_come_out_byte_for_byte(name: str, layout: str) -> None:
    """The recorded values, rendered by mockai, give the body that was on the wire: the recorded
    one where it is verbatim; where the recorder re-serialised it (numbers below 1e-4 with an
    exponent, the final newline dropped), the recorded one with those numbers written out, as long
    as the recorded ``content-length`` says the wire's was."""
    path = RECORDINGS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not next to the checkout)")
    response = json.loads(path.read_text())["response"]
    recorded = response["body_text"]
    answer = json.loads(recorded)
    encoding = "base64" if isinstance(answer["data"][0]["embedding"], str) else "float"
    rows = [
        np.frombuffer(base64.b64decode(item["embedding"]), "<f4") if encoding == "base64" else item["embedding"]
        for item in answer["data"]
    ]
    vectors = np.array(rows, dtype=np.float32)
    body = render_embeddings(vectors, answer["model"], answer["usage"]["prompt_tokens"], encoding, layout)  # type: ignore[arg-type]
    wire = re.sub(r"-?\d(?:\.\d+)?e-\d+", lambda m: format(Decimal(m[0]), "f"), recorded)
    assert body.decode().rstrip("\n") == wire.rstrip("\n")
    length = {k.lower(): v for k, v in response["headers"].items()}.get("content-length")
    if length is not None:
        assert len(body) == int(length)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(" \t\n\x00.,!İß"), max_size=60))
def test_the_python_counts_of_a_short_text_are_the_batch_counts(text: str) -> None:
    """Short requests are counted in Python, batches with numpy: the same numbers."""
    from mockai.embeddings.vectors import _short_text_counts, counts

    dense = counts([text])[0]
    assert {int(b): int(dense[b]) for b in np.flatnonzero(dense)} == _short_text_counts(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(max_size=300) | st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40), min_size=5, max_size=9
    )
)
def test_a_batch_gives_the_bits_of_each_input_alone(items: list[str | list[int]]) -> None:
    """Batches are projected with packed lanes, one or a few texts one row at a time: the same
    float32 bits, the sign of every zero included (``==`` would not see -0.0)."""
    inputs = [item or " " for item in items]
    together = embed(MODEL, 1536, inputs, 1536)
    alone = np.concatenate([embed(MODEL, 1536, [item], 1536) for item in inputs])
    assert together.view(np.uint32).tolist() == alone.view(np.uint32).tolist()


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("dimensions", [1, 2, 3, 5, 255, 1536])
def test_the_packed_projection_is_the_plain_product(dimensions: int, dense: bool) -> None:
    """Counts up to the packing's limit (a sum of absolute counts of 4095) and beyond it (the plain
    rows), of either sign, as one dense product or as sums of each row's buckets: the exact
    integers of the float32 product, every zero +0.0."""
    from mockai.embeddings.vectors import _PACKED_LIMIT, BUCKETS, _project, projection

    rng = np.random.default_rng(dimensions)
    rows = np.zeros((40, BUCKETS))
    for i, row in enumerate(rows):
        used = rng.choice(BUCKETS, size=int(rng.integers(1, 120)), replace=False)
        row[used] = rng.integers(-6, 7, len(used))
        if i % 4 == 0:  # all its weight on one or two buckets, at the limit (or past it)
            row[:] = 0
            row[used[0]] = (_PACKED_LIMIT - 1) * (-1) ** i
            if i % 8 == 0:
                row[used[-1]] = rng.integers(1, 3)
        if i % 10 == 9:
            row[:] = 0
    matrix = projection(MODEL, 1536)[:, :dimensions]
    fitting = rows[np.abs(rows).sum(axis=1) < _PACKED_LIMIT]
    for counts in (rows, fitting):  # (a row past the limit: sums of rows, whatever ``dense`` says)
        plain = (counts.astype(np.float32) @ matrix).astype(np.float64) + 0.0
        packed = _project(MODEL, 1536, counts, dimensions, dense)
        assert packed.view(np.uint64).tolist() == plain.view(np.uint64).tolist()


def test_a_batch_takes_the_most_lanes_its_largest_sum_allows() -> None:
    """Each packing up to the last sum of absolute counts it holds exactly, then the next."""
    from mockai.embeddings.vectors import _PACKED_LIMIT, _PACKINGS, _packing

    assert _packing(0.0) == _PACKINGS[0]
    for (lanes, bits), following in zip(_PACKINGS, [*_PACKINGS[1:], None], strict=True):
        assert lanes * bits <= 53
        last = (1 << (bits - 1)) - 1
        assert _packing(float(last)) == (lanes, bits)
        if following is not None:
            assert _packing(float(last + 1)) == following
    assert _packing(float(_PACKED_LIMIT - 1)) == _PACKINGS[-1]


@pytest.mark.parametrize("dimensions", [1, 5, 255, 1536])
@pytest.mark.parametrize("packing", range(5))
def test_every_packing_is_the_plain_product_at_its_limit(packing: int, dimensions: int) -> None:
    """Rows whose largest sum of absolute counts is the last one a packing holds (all on one bucket,
    or spread with mixed signs), with small rows and an empty one: one dense product in that
    packing gives the exact integers of the float32 product, every zero +0.0."""
    from mockai.embeddings.vectors import _PACKINGS, BUCKETS, _packing, _project, projection

    lanes, bits = _PACKINGS[packing]
    last = (1 << (bits - 1)) - 1
    rng = np.random.default_rng(packing * 10_000 + dimensions)
    rows = np.zeros((12, BUCKETS))
    for i, row in enumerate(rows[:-1]):
        if i == 0:
            row[rng.integers(BUCKETS)] = -last
        elif i == 1:
            row[rng.integers(BUCKETS)] = last
        elif i < 6:  # the whole sum spread over a few buckets, signs mixed
            used = rng.choice(BUCKETS, size=int(rng.integers(2, min(40, last))), replace=False)
            parts = np.diff(
                np.sort(rng.choice(np.arange(1, last), size=len(used) - 1, replace=False)), prepend=0, append=last
            )
            row[used] = parts * rng.choice([-1, 1], size=len(used))
        else:
            used = rng.choice(BUCKETS, size=int(rng.integers(1, 20)), replace=False)
            row[used] = rng.integers(-2, 3, len(used))
    assert _packing(float(np.abs(rows).sum(axis=1).max())) == (lanes, bits)
    matrix = projection(MODEL, 1536)[:, :dimensions]
    plain = (rows.astype(np.float32) @ matrix).astype(np.float64) + 0.0
    packed = _project(MODEL, 1536, rows.copy(), dimensions, True)
    assert packed.view(np.uint64).tolist() == plain.view(np.uint64).tolist()


def test_the_product_runs_on_one_blas_thread_where_it_can() -> None:
    """With numpy's OpenBLAS (Linux wheels), the dense product asks for one thread, and leaves the
    thread's setting as it found it."""
    from mockai.embeddings.vectors import _blas_threads_setter

    setter = _blas_threads_setter()
    if setter is None:
        pytest.skip("numpy's BLAS is no OpenBLAS with a per-thread setting")
    before = setter(3)
    try:
        embed(MODEL, 1536, [f"text {i}" for i in range(10)], 1536)
        assert setter(3) == 3
    finally:
        setter(before)


def test_a_word_repeating_one_trigram_does_not_outweigh_shared_words() -> None:
    """Hypothesis found this: ``qqqqqqqqqqqq`` counted its trigram ``qqq`` ten times, one bucket
    that collided with one of the sentence's and made it nearer than the paraphrase (0.618 against
    0.587).  A trigram repeated in a run now counts once."""
    a, b, c = vec("river fish light", "river fish red", "qqqqqqqqqqqq")
    assert a @ b > a @ c
    together = vec("banana", "qqqqqqqqqqqq", "mississippi", "x", "y")  # (five texts: counted with numpy)
    for i, alone in enumerate(("banana", "qqqqqqqqqqqq", "mississippi")):  # (one: counted in Python)
        assert together[i].tolist() == vec(alone)[0].tolist()
