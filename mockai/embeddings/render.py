"""An embeddings answer laid out byte for byte as the real API lays it out (responses/api_behaviour.md §6b, §7).

Two layouts, by model:

* ``text-embedding-3-small`` (every recording from 2026-06 on [R:37]): compact JSON, data keys
  ``object, embedding, index``, values rounded to float16 and printed with the shortest digits
  that give the value back, never with an exponent (``0.00005692243576049805``);
* the others: 2-space indent with a trailing newline, ``object, index, embedding``, full float32
  values printed with their shortest digits [R:36], [R:42] — for ``text-embedding-3-large`` with an
  exponent below 1e-4 as 2025's ``text-embedding-3-small`` [R:36] (no 3-large body is recorded),
  for ada-002 never with one [R:42].

``base64`` sends each vector's little-endian float32 bytes [R:38], which the SDK decodes with
``np.frombuffer(..., dtype="float32")``: the values decoded are exactly the ones a ``float``
answer prints.

Writing the texts is most of a ``float`` answer's cost (a batch of 100 at 1536 dimensions is
153,600 of them), so neither layout formats a value at a time in Python: a float16 value's text
comes from a table of all 65,536 of them, and orjson writes float32 values (the same shortest
digits as Python prints, in ``_ORJSON_EXACT``: tests/embeddings check every float32 there), leaving
Python only the few values outside it.
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

Layout = Literal["compact16", "pretty", "pretty_positional"]

_LAYOUTS: dict[str, Layout] = {"text-embedding-3-small": "compact16", "text-embedding-ada-002": "pretty_positional"}


def layout_of(model_id: str) -> Layout:
    return _LAYOUTS.get(model_id, "pretty")


def sent_values(vectors: Matrix, layout: Layout) -> Matrix:
    """The float32 values the answer carries (float16-rounded for the compact layout)."""
    if layout == "compact16":
        return np.take(_float16_values(), vectors.astype(np.float16).view(np.uint16))
    return vectors


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


def _float32_texts(values: Matrix, positional: bool) -> list[bytes]:
    """The text of each float32 value, formatted in Python (``repr``, or without an exponent)."""
    texts = list(map(repr, _shortest(values).tolist()))
    size = np.abs(values)
    low, high = _SHORTEST_EXACT
    for i in np.flatnonzero(((size < low) & (size != 0)) | (size >= high)).tolist():  # NaN: neither
        texts[i] = repr(float(np.format_float_scientific(values[i], unique=True)))
    return [(_positional(t) if positional else t).encode() for t in texts]


# The float32 values orjson prints exactly as ``_float32_texts`` does (below 1e-4 Python's repr
# has an exponent and orjson's has not, or has a different one; 1 and above are left to Python
# too, as they only come from scripted vectors).
_ORJSON_EXACT = (1e-4, 1.0)
_NUMPY = orjson.OPT_SERIALIZE_NUMPY


def _float32_rows(vectors: Matrix, positional: bool) -> Iterator[bytes]:
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
        texts = _float32_texts(row[mine], positional)
        pieces = [parts[0]]
        for text, part in zip(texts, parts[1:], strict=True):
            pieces += (text, part)
        yield b"".join(pieces)


def _compact16_rows(vectors: Matrix) -> Iterator[bytes]:
    """Each row's float16-rounded values as ``v,v,...``, from the table of their texts."""
    table = _float16_texts()
    bits = vectors.astype(np.float16).view(np.uint16)
    for start in range(0, len(bits), _ROWS_AT_ONCE):  # a few rows of texts at a time: bounded memory
        for texts in table[bits[start : start + _ROWS_AT_ONCE]].tolist():
            yield ",".join(texts).encode()


_ROWS_AT_ONCE = 32


def _encoded(vectors: Matrix, encoding: str, layout: Layout) -> Iterator[bytes | memoryview]:
    """Each vector's ``embedding`` value without its quotes (base64) or brackets (float)."""
    if encoding == "base64":
        data = sent_values(vectors, layout).astype("<f4")
        if data.shape[1] % 3 == 0:  # whole base64 groups per row: one encoding, cut in rows
            text = memoryview(base64.b64encode(data.tobytes()))
            width = len(text) // len(data)
            yield from (text[i * width : (i + 1) * width] for i in range(len(data)))
        else:
            yield from (base64.b64encode(row.tobytes()) for row in data)
    elif layout == "compact16":
        yield from _compact16_rows(vectors)
    else:
        for values in _float32_rows(vectors, layout == "pretty_positional"):
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
