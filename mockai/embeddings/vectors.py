"""Embedding vectors whose geometry follows the text: deterministic, unit length, the same bytes on
any machine.

A text becomes signed counts in :data:`BUCKETS` buckets (feature hashing): its lower-cased words
(weight 4, a short list of stop words weight 1), the character trigrams of those words (weight 1; a
trigram repeated in a run, as in ``zzzz``, once), its raw whitespace-separated tokens with their
case and punctuation (weight 1) and the whole text (weight 1).  So texts sharing words share most
of their weight, while a change of case or punctuation moves only the small raw-token part.
Token-id inputs use the ids as words and their bigrams as trigrams.  The counts are projected to
the model's full dimension by a fixed random ±1 matrix (seeded by the model's id), then normalised.
``dimensions`` keeps the leading coordinates and normalises again: the leading columns of a random
projection are a random projection themselves, so shortened vectors keep the ranking.

Identical everywhere: the hashes are CRC-32 and fixed integer arithmetic (never Python's
``hash()``); every count and every sum of the projection is an integer below 2**24, exact in
float32 whatever order BLAS adds in; the norm is an exact float64 sum of squares, and square root
and division are correctly rounded.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import re
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt

__all__ = ["BUCKETS", "counts", "embed", "projection", "unit_rows"]

BUCKETS = 512  # a power of two: a bucket is the hash's low bits
_WORD, _STOP, _GRAM, _RAW, _WHOLE = 4, 1, 1, 1, 1
_WORDS = re.compile(r"\w+")
_STOP_WORDS = frozenset(
    _WORDS.findall(
        "a an and are as at be by do does for from has have how i in is it its me my "
        "of on or our so that the their this to was we what when where which who why will with you your"
    )
)
_U32 = np.uint32
_K1, _K2, _K3, _K4 = _U32(0x9E3779B1), _U32(0x85EBCA77), _U32(0xC2B2AE3D), _U32(0x27D4EB2F)

Matrix = npt.NDArray[np.float32]


def _mix(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """A fixed avalanche of 32-bit hashes (wrapping integer arithmetic: the same everywhere)."""
    h = h ^ (h >> _U32(16))
    h = h * _K3
    h = h ^ (h >> _U32(13))
    h = h * _K4
    mixed: npt.NDArray[np.uint32] = h ^ (h >> _U32(16))
    return mixed


def _codes(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(_U32)


@lru_cache(maxsize=4)
def _powers(length: int) -> npt.NDArray[np.uint32]:
    """``_K2 ** k`` for k < length, wrapping (the polynomial hash of a word's characters)."""
    powers = np.full(length, _K2, dtype=_U32)
    powers[0] = 1
    return np.cumprod(powers, dtype=_U32)


def _segments(codes: npt.NDArray[np.uint32], salt: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
    """Hashes of the runs of ``codes`` between spaces and NULs, and the input each run is in
    (inputs are separated by NUL)."""
    gap = (codes == 32) | (codes == 0)
    inside = ~gap
    if not inside.any():
        return np.zeros(0, _U32), np.zeros(0, np.intp)
    begins = inside & np.concatenate(([True], gap[:-1]))
    starts = np.flatnonzero(begins)
    run = np.cumsum(begins)[inside] - 1  # the run of each character inside one
    where = np.flatnonzero(inside)
    offset = where - starts[run]
    bound = 1 << max(int(offset.max()) + 1, 1).bit_length()
    terms = codes[where] * _powers(bound)[offset]
    firsts = np.flatnonzero(np.concatenate(([True], run[1:] != run[:-1])))
    sums = np.add.reduceat(terms, firsts, dtype=_U32)
    lengths = np.diff(np.append(firsts, len(where))).astype(_U32)
    owners = np.cumsum(codes == 0)[starts]
    return _mix(sums ^ (lengths * _K1) ^ _U32(salt)), owners


def _trigrams(codes: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
    """Hashes of the character trigrams centred on each letter (spaces and NULs as spaces), a
    trigram repeated in a run counted once: ``qqqqqqqqqqqq`` is not one bucket weighing ten (which
    outweighed everything a sentence shares with a paraphrase)."""
    spaced = np.where(codes == 0, _U32(32), codes)
    padded = np.concatenate(([_U32(32)], spaced, [_U32(32)]))
    centre = np.flatnonzero(spaced != 32)
    h = _mix(((padded[centre] * _K1 + padded[centre + 1]) * _K2 + padded[centre + 2]) * _K1)
    kept = np.ones(len(h), dtype=bool)
    kept[1:] = (h[1:] != h[:-1]) | (centre[1:] != centre[:-1] + 1)  # (a new value, or a new word)
    return h[kept], np.cumsum(codes == 0)[centre[kept]]


def _stop_hashes() -> npt.NDArray[np.uint32]:
    return np.sort(_segments(_codes(" ".join(sorted(_STOP_WORDS))), _SALT_WORD)[0])


_SALT_WORD, _SALT_RAW, _SALT_TOKEN = 0x5BD1E995, 0x1B873593, 0x165667B1
_STOP_HASHES = _stop_hashes()


_M = 0xFFFFFFFF
_STOP_INTS = frozenset(int(h) for h in _STOP_HASHES)


def _mix_int(h: int) -> int:
    """:func:`_mix` of one hash, in Python integers (the same bits)."""
    h ^= h >> 16
    h = (h * int(_K3)) & _M
    h ^= h >> 13
    h = (h * int(_K4)) & _M
    return h ^ (h >> 16)


def _segment_int(word: str, salt: int) -> int:
    """:func:`_segments`' hash of one word, in Python integers."""
    total, power, k2 = 0, 1, int(_K2)
    for char in word:
        total = (total + ord(char) * power) & _M
        power = (power * k2) & _M
    return _mix_int(total ^ ((len(word) * int(_K1)) & _M) ^ salt)


def _word_hashes(word: str) -> tuple[int, int, tuple[int, ...]]:
    """A lower-cased word's hash, its weight, and the hashes of the trigrams centred on its letters
    (they depend on the word alone: words are joined by single spaces)."""
    h = _segment_int(word, _SALT_WORD)
    k1, k2 = int(_K1), int(_K2)
    padded = " " + word + " "
    every = [
        _mix_int((((ord(padded[i]) * k1 + ord(padded[i + 1])) * k2 + ord(padded[i + 2])) * k1) & _M)
        for i in range(len(word))
    ]
    grams = tuple(g for i, g in enumerate(every) if i == 0 or g != every[i - 1])  # (a run counted once, as
    # _trigrams counts it)
    return h, _STOP if h in _STOP_INTS else _WORD, grams


def _word_deltas(word: str) -> tuple[tuple[int, int], ...]:
    """What a lower-cased word adds to a text's counts, as (bucket, signed weight): its own hash
    and its trigrams' (:func:`_word_hashes`), each signed by its top bit."""
    h, weight, grams = _word_hashes(word)
    return (_delta(h, weight), *(_delta(g, _GRAM) for g in grams))


def _raw_delta(token: str) -> tuple[int, int]:
    """What a raw whitespace-separated token adds to a text's counts."""
    return _delta(_segment_int(token, _SALT_RAW), _RAW)


def _delta(h: int, weight: int) -> tuple[int, int]:
    return h & (BUCKETS - 1), -weight if h >> 31 else weight


# The words seen most recently (most texts reuse most of their words), with what each adds; up to
# 32 characters, so the cache stays within a few MiB whatever the texts are.
_known_word_deltas = lru_cache(maxsize=1 << 13)(_word_deltas)
_known_raw_delta = lru_cache(maxsize=1 << 13)(_raw_delta)
_CACHED_WORD = 32


def _short_text_counts(text: str) -> dict[int, int]:
    """The nonzero bucket counts of one text, computed in Python: the same numbers as
    :func:`counts` (tests/embeddings/test_vectors.py holds them equal), without numpy's cost per
    call, which dominates for a short text.  Each word's and raw token's contribution is
    remembered whole (a distinct question reuses most of its words)."""
    out: dict[int, int] = {}
    get = out.get
    for word in _WORDS.findall(text.lower()):
        for bucket, delta in _known_word_deltas(word) if len(word) <= _CACHED_WORD else _word_deltas(word):
            out[bucket] = get(bucket, 0) + delta
    for token in text.replace("\0", " ").split():
        bucket, delta = _known_raw_delta(token) if len(token) <= _CACHED_WORD else _raw_delta(token)
        out[bucket] = get(bucket, 0) + delta
    bucket, delta = _delta(_mix_int(zlib.crc32(text.encode("utf-8", "surrogatepass"))), _WHOLE)
    out[bucket] = get(bucket, 0) + delta
    return {bucket: weight for bucket, weight in out.items() if weight}


def _token_features(tokens: Sequence[int]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]]:
    ids = np.asarray(tokens, dtype=np.uint64).astype(_U32)  # ids above 2**32 wrap, deterministically
    hashes = [_mix(ids * _K1 + _U32(_SALT_TOKEN))]
    weights = [np.full(len(ids), float(_WORD))]
    if len(ids) > 1:
        hashes.append(_mix((ids[:-1] * _K2 + ids[1:]) * _K3))
        weights.append(np.full(len(ids) - 1, float(_GRAM)))
    hashes.append(np.array([zlib.crc32(ids.astype("<u4").tobytes())], dtype=_U32))
    weights.append(np.array([float(_WHOLE)]))
    return np.concatenate(hashes), np.concatenate(weights)


def counts(inputs: Sequence[str | Sequence[int]]) -> Matrix:
    """The signed bucket counts of each input: one row each (integers, as float32)."""
    return _counts64(inputs).astype(np.float32)


def _counts64(inputs: Sequence[str | Sequence[int]]) -> npt.NDArray[np.float64]:
    """:func:`counts` as float64 (the integers exactly, as numpy's bincount gives them)."""
    n = len(inputs)
    texts = [(i, item) for i, item in enumerate(inputs) if isinstance(item, str)]
    hashes: list[npt.NDArray[np.uint32]] = []
    weights: list[npt.NDArray[np.float64]] = []
    owners: list[npt.NDArray[np.intp]] = []
    if texts:
        index = np.array([i for i, _ in texts], dtype=np.intp)
        lowered = _codes("\0".join(" ".join(_WORDS.findall(text.lower())) for _, text in texts))
        words, by = _segments(lowered, _SALT_WORD)
        hashes.append(words)
        stop = _STOP_HASHES[np.searchsorted(_STOP_HASHES[:-1], words)] == words  # (sorted: np.isin costs more)
        weights.append(np.where(stop, float(_STOP), float(_WORD)))
        owners.append(index[by])
        raw_texts = (" ".join(text.replace("\0", " ").split()) for _, text in texts)  # NUL separates inputs
        raw, by = _segments(_codes("\0".join(raw_texts)), _SALT_RAW)
        hashes.append(raw)
        weights.append(np.full(len(raw), float(_RAW)))
        owners.append(index[by])
        grams, by = _trigrams(lowered)
        hashes.append(grams)
        weights.append(np.full(len(grams), float(_GRAM)))
        owners.append(index[by])
        whole = [zlib.crc32(text.encode("utf-8", "surrogatepass")) for _, text in texts]
        hashes.append(_mix(np.array(whole, dtype=_U32)))
        weights.append(np.full(len(whole), float(_WHOLE)))
        owners.append(index)
    for i, item in enumerate(inputs):
        if not isinstance(item, str):
            h, w = _token_features(item)
            hashes.append(h)
            weights.append(w)
            owners.append(np.full(len(h), i, dtype=np.intp))
    h = np.concatenate(hashes)
    buckets = (h & _U32(BUCKETS - 1)).astype(np.intp) + np.concatenate(owners) * BUCKETS
    signed = np.where(h >> _U32(31), -1.0, 1.0) * np.concatenate(weights)
    return np.bincount(buckets, signed, minlength=n * BUCKETS).reshape(n, BUCKETS).astype(np.float64, copy=False)


@lru_cache(maxsize=8)
def projection(model_id: str, dimensions: int) -> Matrix:
    """The model's fixed ±1 projection (BUCKETS × dimensions), from SHAKE-256 of its id."""
    stream = hashlib.shake_256(b"mockai embeddings/" + model_id.encode()).digest(BUCKETS * dimensions // 8)
    bits = np.unpackbits(np.frombuffer(stream, dtype=np.uint8))
    matrix = (1.0 - 2.0 * bits.astype(np.float32)).reshape(BUCKETS, dimensions)
    matrix.flags.writeable = False
    return matrix


def unit_rows(rows: npt.NDArray[np.floating], dimensions: int) -> Matrix:
    """The leading ``dimensions`` coordinates of each row, scaled to unit length (float32)."""
    return _unit(rows[:, :dimensions].astype(np.float64), dimensions)


def _unit(cut: npt.NDArray[np.float64], dimensions: int) -> Matrix:
    """:func:`unit_rows` of rows already cut to ``dimensions`` and float64, which it may change.
    Each quotient is computed in float64 and rounded to float32 as it is stored."""
    norms = np.sqrt(np.einsum("ij,ij->i", cut, cut))
    zero = norms == 0  # counts that cancel out in the coordinates kept (a short text, few dimensions)
    if zero.any():
        cut[zero] = 1.0
        norms[zero] = np.sqrt(dimensions)
    unit: Matrix = np.empty(cut.shape, dtype=np.float32)
    np.divide(cut, norms[:, None], out=unit, casting="same_kind")
    return unit


# The projection of many inputs is done with the projection packed L columns to a float64, which
# divides the work by L.  Column j of the packed matrix is sum_q M[:, j + q*part] * 2**(b*q) (b bits
# a lane): a text's sum is then sum_q P[j + q*part] * 2**(b*q), each P an integer of magnitude at
# most the text's sum of absolute counts.  With that sum below 2**(b-1) every lane stays within
# (-2**(b-1), 2**(b-1)), so the lanes come apart exactly (as base-2**b digits, :func:`_unpack`),
# and with b*L <= 53 every term and partial sum is an integer below 2**53, exact in float64 in any
# order BLAS adds in: the same integers as the plain sum.  A batch takes the most lanes its largest
# sum allows (short texts: 6 to 8, a third to half less work than 4); texts with more counts than 4
# lanes allow (long ones) take the plain float32 rows.
#
# One dense BLAS product of all the counts costs about half what summing each text's few dozen
# rows does (numpy's gathering of the rows is most of that), but OpenBLAS runs a product that size
# on every core, and on a busy machine its threads cost up to ten times what they save.  So the
# dense product is used where this thread can ask OpenBLAS for one thread (its per-thread setting,
# OpenBLAS 0.3.27 on, found in the libraries this process has loaded), the sums of rows elsewhere:
# the same integers either way (tests/embeddings/test_vectors.py holds them equal).
# (lanes, bits a lane), most lanes first: lanes * bits <= 53.
_PACKINGS = ((8, 6), (7, 7), (6, 8), (5, 10), (4, 13))
_LANES, _LANE_BITS = _PACKINGS[-1]  # the widest lanes (the sums of rows use these)
_PACKED_LIMIT = 1 << (_LANE_BITS - 1)  # a text's sum of absolute counts must be below this


def _packing(largest: float) -> tuple[int, int]:
    """The packing of most lanes for texts whose sums of absolute counts are at most ``largest``
    (below :data:`_PACKED_LIMIT`)."""
    return next((lanes, bits) for lanes, bits in _PACKINGS if largest < 1 << (bits - 1))


@lru_cache(maxsize=16)
def _packed(
    model_id: str, full_dimensions: int, dimensions: int, lanes: int = _LANES, bits: int = _LANE_BITS
) -> npt.NDArray[np.float64]:
    """The leading ``dimensions`` columns of the projection, packed ``lanes`` to a float64."""
    part = -(-dimensions // lanes)
    padded = np.zeros((BUCKETS, part * lanes), dtype=np.float64)
    padded[:, :dimensions] = projection(model_id, full_dimensions)[:, :dimensions]
    scales = 2.0 ** (bits * np.arange(lanes, dtype=np.float64))
    packed: npt.NDArray[np.float64] = np.ascontiguousarray(
        np.einsum("bqj,q->bj", padded.reshape(BUCKETS, lanes, part), scales)
    )
    packed.flags.writeable = False
    return packed


def _unpack(
    total: npt.NDArray[np.float64], dimensions: int, lanes: int = _LANES, bits: int = _LANE_BITS
) -> npt.NDArray[np.float64]:
    """The lanes of a packed product, side by side: the plain product's columns (exact integers).

    In integers: ``total`` (below 2**53, so exact as an int64) plus 2**(b-1) in every lane has each
    lane's value plus 2**(b-1) as its b-bit digit (0 < digit < 2**b), which shifts and masks take
    off all lanes at once."""
    biased = total.astype(np.int64)
    biased += sum(1 << (bits * q + bits - 1) for q in range(lanes))
    digits = np.right_shift(biased[:, None, :], (bits * np.arange(lanes, dtype=np.int64))[:, None])
    digits &= (1 << bits) - 1
    out: npt.NDArray[np.float64] = np.subtract(digits, 1 << (bits - 1), dtype=np.float64)
    return out.reshape(len(total), -1)[:, :dimensions]


def _project(
    model_id: str, full_dimensions: int, rows: npt.NDArray[np.float64], dimensions: int, dense: bool | None = None
) -> npt.NDArray[np.float64]:
    """``rows`` (counts) times the projection's leading ``dimensions`` columns: exact integers.
    ``dense``: one BLAS product or sums of rows (None: the product when it can run on one thread)."""
    sums = np.abs(rows).sum(axis=1)
    fits = sums < _PACKED_LIMIT
    one_thread = _blas_threads_setter() if dense is None else None
    if (dense or one_thread is not None) and fits.all():
        lanes, bits = _packing(float(sums.max(initial=0.0)))
        packed = _packed(model_id, full_dimensions, dimensions, lanes, bits)
        if one_thread is None:
            totals = rows @ packed
        else:
            before = one_thread(1)
            try:
                totals = rows @ packed
            finally:
                one_thread(before)
        out = _unpack(totals, dimensions, lanes, bits)
    else:
        out = _sums_of_rows(model_id, full_dimensions, rows, dimensions, fits.tolist())
    # A sum of nonzero terms that cancel is +0.0, as the plain sums are: adding 0.0 makes sure every
    # zero here is +0.0 too (the vector keeps a zero's sign).
    out += 0.0
    return out


def _sums_of_rows(
    model_id: str, full_dimensions: int, rows: npt.NDArray[np.float64], dimensions: int, fits: list[bool]
) -> npt.NDArray[np.float64]:
    """:func:`_project` adding up each text's rows (packed where the text ``fits``)."""
    packed = _packed(model_id, full_dimensions, dimensions)
    totals = np.zeros((len(rows), packed.shape[1]), dtype=np.float64)
    owners, used = np.nonzero(rows)  # row by row
    weights = rows[owners, used]
    bounds = np.searchsorted(owners, np.arange(len(rows) + 1)).tolist()
    for i, (begin, end) in enumerate(itertools.pairwise(bounds)):
        if fits[i] and end > begin:
            np.dot(weights[begin:end], packed.take(used[begin:end], axis=0), out=totals[i])
    out = _unpack(totals, dimensions)
    if not all(fits):
        matrix = projection(model_id, full_dimensions)[:, :dimensions]
        for i, (begin, end) in enumerate(itertools.pairwise(bounds)):
            if not fits[i]:
                out[i] = weights[begin:end].astype(np.float32) @ matrix[used[begin:end]]
    return out


@lru_cache(maxsize=1)
def _blas_threads_setter() -> Callable[[int], int] | None:
    """OpenBLAS's ``openblas_set_num_threads_local`` (the calling thread's count of threads; it
    returns the count before), if numpy's BLAS is an OpenBLAS that has it; None otherwise."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:  # Linux
            paths = {line.split(maxsplit=5)[-1].strip() for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        return cast("Callable[[int], int]", setter)
    return None


def embed(model_id: str, full_dimensions: int, inputs: Sequence[str | Sequence[int]], dimensions: int) -> Matrix:
    """Unit vectors of ``dimensions`` for ``inputs`` (``model_id``'s projection, of
    ``full_dimensions`` columns, cut to the leading ``dimensions``)."""
    if len(inputs) > _FEW or not all(isinstance(item, str) and len(item) <= _SHORT for item in inputs):
        return _unit(_project(model_id, full_dimensions, _counts64(inputs), dimensions), dimensions)
    matrix = projection(model_id, full_dimensions)[:, :dimensions]
    sparse: list[tuple[Any, Any]] = []  # (buckets, counts)
    for item in inputs:
        found = _short_text_counts(item)  # type: ignore[arg-type]
        sparse.append((list(found), [float(w) for w in found.values()]))
    projected = np.empty((len(inputs), dimensions), dtype=np.float32)
    for i, (used, weights) in enumerate(sparse):  # a text fills few buckets: only their rows are added up
        projected[i] = np.asarray(weights, dtype=np.float32) @ matrix[used]
    return unit_rows(projected, dimensions)


# A request of at most this many texts of at most this many characters: counted in Python.
_FEW, _SHORT = 4, 512
