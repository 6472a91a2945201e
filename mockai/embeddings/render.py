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
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from mockai.embeddings.vectors import Matrix

__all__ = ["Layout", "layout_of", "render_embeddings", "sent_values"]

Layout = Literal["compact16", "pretty", "pretty_positional"]

_LAYOUTS: dict[str, Layout] = {"text-embedding-3-small": "compact16", "text-embedding-ada-002": "pretty_positional"}


def layout_of(model_id: str) -> Layout:
    return _LAYOUTS.get(model_id, "pretty")


def sent_values(vectors: Matrix, layout: Layout) -> Matrix:
    """The float32 values the answer carries (float16-rounded for the compact layout)."""
    if layout == "compact16":
        return vectors.astype(np.float16).astype(np.float32)
    return vectors


def _positional(text: str) -> str:
    return format(Decimal(text), "f") if "e" in text else text


@lru_cache(maxsize=1)
def _float16_texts() -> npt.NDArray[np.object_]:
    """The text of every float16 value, by its 16 bits."""
    values = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64).tolist()
    return np.array([_positional(repr(v)) for v in values], dtype=object)


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


def _float_texts(vectors: Matrix, layout: Layout) -> list[list[str]]:
    """The text of every value, row by row."""
    if layout == "compact16":
        texts: list[list[str]] = _float16_texts()[vectors.astype(np.float16).view(np.uint16)].tolist()
        return texts
    rows = [list(map(repr, row)) for row in _shortest(vectors).tolist()]
    if layout == "pretty_positional":
        return [[_positional(t) for t in row] for row in rows]
    return rows


def _encoded(vectors: Matrix, encoding: str, layout: Layout, indent: str) -> list[bytes]:
    """Each vector as the JSON value of its ``embedding``, as bytes."""
    if encoding == "base64":
        data = sent_values(vectors, layout).astype("<f4")
        if data.shape[1] % 3 == 0:  # whole base64 groups per row: one encoding, cut in rows
            text = memoryview(base64.b64encode(data.tobytes()))
            width = len(text) // len(data)
            return [b'"' + text[i * width : (i + 1) * width] + b'"' for i in range(len(data))]
        return [b'"' + base64.b64encode(row.tobytes()) + b'"' for row in data]
    separator = "," + indent + ("  " if indent else "")
    opening, closing = ("[" + indent + "  ", indent + "]") if indent else ("[", "]")
    out: list[bytes] = []
    for start in range(0, len(vectors), _ROWS_AT_ONCE):  # texts for a few rows at a time: bounded memory
        for texts in _float_texts(vectors[start : start + _ROWS_AT_ONCE], layout):
            out.append((opening + separator.join(texts) + closing).encode())
    return out


_ROWS_AT_ONCE = 32


def render_embeddings(vectors: Matrix, model: str, prompt_tokens: int, encoding: str, layout: Layout) -> bytes:
    """The body of a 200 answer: ``vectors`` in input order, ``model`` as echoed."""
    usage = str(prompt_tokens).encode()
    name = model.encode()
    values = _encoded(vectors, encoding, layout, "" if layout == "compact16" else "\n      ")
    if layout == "compact16":
        items = b",".join(
            b'{"object":"embedding","embedding":' + value + b',"index":' + str(i).encode() + b"}"
            for i, value in enumerate(values)
        )
        head = (b'{"object":"list","data":[', items, b'],"model":"', name)
        return b"".join((*head, b'","usage":{"prompt_tokens":', usage, b',"total_tokens":', usage, b"}}"))
    items = b",\n".join(
        b'    {\n      "object": "embedding",\n      "index": '
        + str(i).encode()
        + b',\n      "embedding": '
        + value
        + b"\n    }"
        for i, value in enumerate(values)
    )
    head = (b'{\n  "object": "list",\n  "data": [\n', items, b'\n  ],\n  "model": "', name)
    tail = (b'",\n  "usage": {\n    "prompt_tokens": ', usage, b',\n    "total_tokens": ', usage, b"\n  }\n}\n")
    return b"".join((*head, *tail))


def rows_of(values: Sequence[Sequence[float]], dimensions: int) -> Matrix:
    """Given values as rows of ``dimensions`` float32 (zero-padded)."""
    out = np.zeros((len(values), dimensions), dtype=np.float32)
    for i, row in enumerate(values):
        out[i, : len(row)] = np.asarray(row, dtype=np.float32)
    return out
