"""An embeddings answer laid out byte for byte as the real API lays it out (responses/api_behaviour.md §6b, §7).

Two layouts, by model:

* ``text-embedding-3-small`` (every recording from 2026-06 on [R:37]): compact JSON, data keys
  ``object, embedding, index``, values rounded to float16 and printed with the shortest digits
  that give the value back, never with an exponent (``0.00005692243576049805``);
* the others (``text-embedding-3-large``, ada-002): 2-space indent with a trailing newline,
  ``object, index, embedding``, full float32 values printed with their shortest digits, never with
  an exponent: verbatim in [R:42] (ada-002); [R:36] and [R:40] (2025's 3-small, this layout then)
  were stored re-serialised (``5e-05``, no newline), but their ``content-length`` (33,302 and
  99,595) is exactly the length of their values without an exponent plus the newline.

``base64`` sends each vector's little-endian float32 bytes [R:38], which the SDK decodes with
``np.frombuffer(..., dtype="float32")``: the values decoded are exactly the ones a ``float``
answer prints.

Writing the texts is most of a ``float`` answer's cost (a batch of 100 at 1536 dimensions is
153,600 of them), so neither layout formats a value at a time in Python: a float16 value's text
comes from a table of all 65,536 of them (numpy copies the texts into place, :func:`_texts_of`),
and orjson writes float32 values (the same shortest digits as Python prints, in ``_ORJSON_EXACT``:
tests/embeddings check every float32 there), leaving Python only the few values outside it.  The
compact layout's base64 comes from tables of float16 values too (:func:`_compact16_base64`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import orjson

from mockai.embeddings.vectors import Matrix

__all__ = ["Layout", "layout_of", "render_embeddings", "sent_values"]

Layout = Literal["compact16", "pretty"]

_LAYOUTS: dict[str, Layout] = {"text-embedding-3-small": "compact16"}


def layout_of(model_id: str) -> Layout:
    return _LAYOUTS.get(model_id, "pretty")


def sent_values(vectors: Matrix, layout: Layout) -> Matrix:
    """The float32 values the answer carries (float16-rounded for the compact layout)."""
    if layout == "compact16":
        return np.take(_float16_values(), _float16_bits(vectors))
    return vectors


def _float16_bits(vectors: Matrix) -> npt.NDArray[np.uint16]:
    """The bits of each value rounded to float16 (to nearest, ties to even), as numpy's conversion
    gives them, at a third of its cost: integer arithmetic on the float32 bits rounds a value of
    float16's normal range at its 13th bit, a float32 addition of 0.5 rounds a smaller one at
    float16's subnormal step (2**-24).  NaN, infinities and values beyond float16's range (only
    scripted values) take numpy's conversion."""
    numpy: npt.NDArray[np.uint16]
    if vectors.dtype != np.float32 or vectors.size < _FEW_VALUES:  # (float64 values are rounded once, not twice)
        numpy = vectors.astype(np.float16).view(np.uint16)
        return numpy
    bits = np.ascontiguousarray(vectors).view(np.uint32)
    size = bits & _U32(0x7FFFFFFF)
    if not size.max() < _HALF_OVERFLOW:
        numpy = vectors.astype(np.float16).view(np.uint16)
        return numpy
    # (size - (112 << 23) + 0xFFF + odd) >> 13, wrapping: the exponent rebiased, the 13 bits rounded
    # off (in place: fewer temporaries)
    half = size >> _U32(13)
    half &= _U32(1)
    half += size
    half += _U32(0xC8000FFF)
    half >>= _U32(13)
    small = np.flatnonzero(size < _HALF_NORMAL)  # (a few: by position, cheaper than by mask)
    if len(small):
        tiny = size.reshape(-1).take(small).view(np.float32) + np.float32(0.5)  # a multiple of 2**-24
        half.reshape(-1)[small] = tiny.view(np.uint32) - _U32(0x3F000000)
    sign = bits >> _U32(16)
    sign &= _U32(0x8000)
    half |= sign
    out: npt.NDArray[np.uint16] = half.astype(np.uint16)
    return out


_U32 = np.uint32
# Below this many values numpy's conversion, one call, costs less than the dozen calls of the
# integer arithmetic (one vector of 1536: 3.7 against 13 µs; they cross near 9,000 values).
_FEW_VALUES = 6144
_HALF_NORMAL = _U32(0x38800000)  # 2**-14, float16's smallest normal value, as float32 bits
_HALF_OVERFLOW = _U32(0x477FF000)  # 65520: from here on float16 rounds to infinity


@lru_cache(maxsize=1)
def _float16_values() -> Matrix:
    """Every float16 value as a float32, by its 16 bits: a lookup costs less than numpy's conversion."""
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)


def _positional(text: str) -> str:
    return format(Decimal(text), "f") if "e" in text else text


@lru_cache(maxsize=1)
def _float16_texts() -> npt.NDArray[np.object_]:
    """The text of every float16 value, by its 16 bits."""
    values = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    return np.array([_positional(repr(v)) for v in values.tolist()], dtype=object)


def _shortest(vectors: Matrix) -> npt.NDArray[np.float64]:
    """Each float32 value as the float64 nearest to its shortest decimal that gives it back (so
    ``repr`` prints those digits): fewest significant digits first, 1 to 9."""
    exact = vectors.astype(np.float64)
    size = np.abs(exact)
    exponent = np.floor(np.log10(np.where(size == 0, 1.0, size)))
    out: npt.NDArray[np.float64] = exact.copy()
    todo = size != 0
    for digits in range(1, 10):
        scale = 10.0 ** (digits - 1 - exponent)
        rounded = np.round(exact * scale) / scale
        fits = todo & (rounded.astype(np.float32) == vectors)
        out[fits] = rounded[fits]
        todo &= ~fits
        if not todo.any():
            break
    return out


# Where ``_shortest`` is exact: its powers of ten, 10**0 to 10**22, are exact floats.  Outside it
# (scripted values only: a unit vector's are below 1, and not that small), numpy's Dragon4 finds
# the shortest digits, one value at a time.
_SHORTEST_EXACT = (1e-14, 1.0)


def _float32_texts(values: Matrix) -> list[bytes]:
    """The text of each float32 value, formatted in Python (``repr``, without an exponent)."""
    texts = list(map(repr, _shortest(values).tolist()))
    size = np.abs(values)
    low, high = _SHORTEST_EXACT
    for i in np.flatnonzero(((size < low) & (size != 0)) | (size >= high)).tolist():  # NaN: neither
        texts[i] = repr(float(np.format_float_scientific(values[i], unique=True)))
    return [_positional(t).encode() for t in texts]


# The float32 values orjson prints exactly as ``_float32_texts`` does (below 1e-4 Python's repr
# has an exponent and orjson's has not, or has a different one; 1 and above are left to Python
# too, as they only come from scripted vectors).
_ORJSON_EXACT = (1e-4, 1.0)
_NUMPY = orjson.OPT_SERIALIZE_NUMPY


def _float32_rows(vectors: Matrix) -> Iterator[bytes]:
    """Each row's values as ``v,v,...`` (no brackets): orjson's text, but for the values outside
    ``_ORJSON_EXACT``, which orjson writes as ``null`` (NaN) in their place and Python fills in."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)  # orjson takes C-ordered arrays only
    size = np.abs(vectors)
    low, high = _ORJSON_EXACT
    own = ~(((size >= low) & (size < high)) | (size == 0))  # NaN: own too
    for row, mine in zip(vectors, own, strict=True):
        if not mine.any():
            yield orjson.dumps(row, option=_NUMPY)[1:-1]
            continue
        marked = row.copy()
        marked[mine] = np.nan
        parts = orjson.dumps(marked, option=_NUMPY)[1:-1].split(b"null")
        texts = _float32_texts(row[mine])
        pieces = [parts[0]]
        for text, part in zip(texts, parts[1:], strict=True):
            pieces += (text, part)
        yield b"".join(pieces)


def _compact16_rows(vectors: Matrix, encoding: str) -> Iterator[bytes | memoryview]:
    """Each row's float16-rounded values as ``v,v,...`` or base64, a block of rows at a time
    (bounded memory; smaller temporaries are reused rather than mapped afresh).  The texts are
    written by numpy (:func:`_texts_of`), or joined in Python if numpy's writing was not what it
    should be (or rows are empty); base64 from tables (:func:`_compact16_base64`), for rows of
    whole groups of three values (:func:`_encoded` takes the others)."""
    rows, width = vectors.shape
    step = max(1, _VALUES_AT_ONCE // max(width, 1))
    for start in range(0, rows, step):
        bits = _float16_bits(vectors[start : start + step])
        if encoding == "base64":
            if bits.size < _FEW_BASE64:  # (one call of the base64 encoder costs less than the tables' several)
                encoded = memoryview(base64.b64encode(_float16_values().take(bits).astype("<f4", copy=False).tobytes()))
            else:
                encoded = memoryview(_compact16_base64(bits))
            size = len(encoded) // len(bits)
            yield from (encoded[i * size : (i + 1) * size] for i in range(len(bits)))
            continue
        written = _texts_of(bits) if width else None
        if written is None:
            table = _float16_texts()
            yield from (",".join(texts).encode() for texts in table[bits].tolist())
            continue
        view, ends = written
        row_ends = ends[width - 1 :: width].tolist()
        row_starts = [0, *row_ends[:-1]]
        yield from (view[begin : end - 1] for begin, end in zip(row_starts, row_ends, strict=True))


_VALUES_AT_ONCE = 1 << 16
_FEW_BASE64 = 3072  # (one vector of 1536: 5.5 against 8.8 µs; they cross near two)


def _texts_of(bits: npt.NDArray[np.uint16]) -> tuple[memoryview, npt.NDArray[np.intp]] | None:
    """The texts of ``bits``' values, each followed by a comma, and where each ends; None if numpy
    did not write them in order.

    Each text is copied as the :data:`_SLOT` bytes of its table entry (the text, its comma, NUL
    padding) to where it starts, in order: the padding lands where the next texts start and they
    overwrite it.  So a byte of the result is either its own text's byte or the padding of an
    earlier text, never another text's byte: a result without NUL is right whatever order numpy
    copied in (it copies a one-dimensional fancy assignment in order, but does not promise to)."""
    slots, lengths = _float16_slots()
    flat = bits.ravel()
    sizes = lengths.take(flat)
    ends = np.cumsum(sizes)
    total = int(ends[-1])
    buffer = np.empty(total + _SLOT, dtype=np.uint8)
    starts = np.ndarray((total + 1,), dtype=f"V{_SLOT}", buffer=buffer, strides=(1,))
    starts[ends - sizes] = slots.take(flat)
    text = buffer[:total]
    return (text.data, ends) if text.min() else None  # (a NUL: numpy's order was not ours)


_SLOT = 32  # the longest text and its comma fit (27 bytes); numpy copies 32-byte items fastest


@lru_cache(maxsize=1)
def _float16_slots() -> tuple[npt.NDArray[np.void], npt.NDArray[np.intp]]:
    """Every float16 value's text and a comma, NUL-padded to :data:`_SLOT` bytes, and its length."""
    texts = [(text + ",").encode() for text in _float16_texts().tolist()]
    slots = np.frombuffer(b"".join(text.ljust(_SLOT, b"\0") for text in texts), dtype=f"V{_SLOT}")
    return slots, np.array([len(text) for text in texts], dtype=np.intp)


def _compact16_base64(bits: npt.NDArray[np.uint16]) -> bytes:
    """The base64 of the float32 values of ``bits`` (rows of a multiple of 3 values), from tables.

    A float16 value's float32 has a zero low byte, so in the base64 of three values (12 bytes, 16
    characters) each character comes from one value alone: 6 from the first, 5 from the second and
    5 from the third (the 'A' of the third's zero byte first).  Each value's characters are looked
    up in its position's table, and the 16 characters put together as two little-endian uint64."""
    first, second, third = (table.take(bits[:, i::3]) for i, table in enumerate(_base64_tables()))
    out = np.empty((*first.shape, 2), dtype="<u8")
    out[..., 0] = first | (second << _U64(48))  # 6 + 2 characters
    out[..., 1] = (second >> _U64(16)) | (third << _U64(24))  # 3 + 5 characters
    return out.tobytes()


_U64 = np.uint64


@lru_cache(maxsize=1)
def _base64_tables() -> tuple[npt.NDArray[np.uint64], ...]:
    """For each position in three values, the base64 characters each float16 value gives there,
    NUL-padded to 8 bytes, as a little-endian uint64.  Each value is encoded between zero bytes
    (6 bytes, 8 characters), which stand for its neighbours' zero bytes: the characters those share
    with the value are the same whatever the neighbour."""
    values = _float16_values().astype("<f4").view(np.uint8).reshape(-1, 4)
    tables = []
    for zeros_before, (first, size) in zip((0, 1, 2), ((0, 6), (2, 5), (3, 5)), strict=True):
        framed = np.zeros((len(values), 6), dtype=np.uint8)
        framed[:, zeros_before : zeros_before + 4] = values
        chars = np.frombuffer(base64.b64encode(framed.tobytes()), dtype=np.uint8).reshape(-1, 8)
        padded = np.zeros((len(values), 8), dtype=np.uint8)
        padded[:, :size] = chars[:, first : first + size]
        tables.append(padded.view("<u8").reshape(-1))
    return tuple(tables)


def _encoded(vectors: Matrix, encoding: str, layout: Layout) -> Iterator[bytes | memoryview]:
    """Each vector's ``embedding`` value without its quotes (base64) or brackets (float)."""
    width = vectors.shape[1]
    if layout == "compact16" and (encoding != "base64" or (width and width % 3 == 0)):
        yield from _compact16_rows(vectors, encoding)
    elif encoding == "base64":  # (compact16 too when its tables do not fit the rows)
        data = sent_values(vectors, layout).astype("<f4")
        if width and width % 3 == 0:  # whole base64 groups per row: one encoding, cut in rows
            text = memoryview(base64.b64encode(data.tobytes()))
            size = len(text) // len(data)
            yield from (text[i * size : (i + 1) * size] for i in range(len(data)))
        else:
            yield from (base64.b64encode(row.tobytes()) for row in data)
    else:
        for values in _float32_rows(vectors):
            yield values.replace(b",", b",\n        ")


def render_embeddings(vectors: Matrix, model: str, prompt_tokens: int, encoding: str, layout: Layout) -> bytes:
    """The body of a 200 answer: ``vectors`` in input order, ``model`` as echoed.  Every piece is
    joined once, at the end: a float answer is megabytes, each copy of it costs."""
    usage = str(prompt_tokens).encode()
    name = model.encode()
    values = _encoded(vectors, encoding, layout)
    if layout == "compact16":
        left, right = (b'"', b'"') if encoding == "base64" else (b"[", b"]")
        pieces: list[bytes | memoryview] = [b'{"object":"list","data":[']
        for i, value in enumerate(values):
            opening = b',{"object":"embedding","embedding":' if i else b'{"object":"embedding","embedding":'
            pieces += (opening, left, value, right, b',"index":%d}' % i)
        pieces += (b'],"model":"', name, b'","usage":{"prompt_tokens":', usage, b',"total_tokens":', usage, b"}}")
        return b"".join(pieces)
    left, right = (b'"', b'"') if encoding == "base64" else (b"[\n        ", b"\n      ]")
    pieces = [b'{\n  "object": "list",\n  "data": [\n']
    for i, value in enumerate(values):
        opening = b',\n    {\n      "object": "embedding",\n' if i else b'    {\n      "object": "embedding",\n'
        pieces += (opening, b'      "index": %d,\n      "embedding": ' % i, left, value, right, b"\n    }")
    pieces += (b'\n  ],\n  "model": "', name, b'",\n  "usage": {\n    "prompt_tokens": ', usage)
    pieces += (b',\n    "total_tokens": ', usage, b"\n  }\n}\n")
    return b"".join(pieces)


def rows_of(values: Sequence[Sequence[float]], dimensions: int) -> Matrix:
    """Given values as rows of ``dimensions`` float32 (zero-padded)."""
    out = np.zeros((len(values), dimensions), dtype=np.float32)
    for i, row in enumerate(values):
        out[i, : len(row)] = np.asarray(row, dtype=np.float32)
    return out
