"""The seeded digests of a request, from which every draw of its answer comes.

A request's key is a 32-byte digest of its canonical JSON (``stream`` and ``stream_options`` left
out, so a streamed and a non-streamed request tell the same story), salted with the server seed.
The *content* key also leaves out the parameters that only shape delivery, so ``max_tokens``,
``stop`` and ``n`` cut or repeat the same answer instead of drawing another.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from typing import Any

from mockai.core.json_text import canonical_bytes

__all__ = ["ALNUM", "alnum", "request_key", "request_keys", "seeded_rng"]

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_EXCLUDED_FROM_KEY = ("stream", "stream_options")
# Parameters that shape how an answer is delivered, not what it says: the text is drawn from a key
# without them, so ``max_tokens=5`` gives the first five tokens of the full answer, ``stop`` cuts
# that same answer, and choice 0 of ``n=3`` is the ``n=1`` answer.
_DELIVERY_ONLY = (
    "stop",
    "max_tokens",
    "max_completion_tokens",
    "logprobs",
    "top_logprobs",
    "n",
    "store",
    "metadata",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "service_tier",
    # Effort changes only how long the model thinks, verbosity only how much of the answer it says.
    "reasoning_effort",
    "verbosity",
    "prediction",  # Predicted Outputs speed an answer up (and bill the misses); they do not change it
    # The voice and the format say how the answer is spoken, not what: a stream (pcm16 only) and a
    # wav answer to the same prompt say the same words.
    "audio",
)
_DELIVERY_ONLY_KEYS = frozenset(_DELIVERY_ONLY)
# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False), built once: what
# _canonical_json_deep writes a value's pieces with (mockai.core.json_text.canonical_bytes writes
# the same text at C speed).
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def request_key(body: Mapping[str, Any], server_seed: int, *, content_only: bool = False) -> bytes:
    """A 32-byte digest of the request: all of it (ids), or what decides the text (``content_only``)."""
    excluded = _EXCLUDED_FROM_KEY + _DELIVERY_ONLY if content_only else _EXCLUDED_FROM_KEY
    canonical = {k: v for k, v in body.items() if k not in excluded}
    return _digest(server_seed, canonical)


def _digest(server_seed: int, canonical: dict[str, Any]) -> bytes:
    try:
        text = canonical_bytes(canonical)
    except RecursionError:  # a body nested about as deep as the JSON parser accepts
        text = _canonical_json_deep(canonical).encode()
    return hashlib.blake2b(b"%d\x00%b" % (server_seed, text), digest_size=32).digest()


class _Text(str):
    """Punctuation already written as JSON (see :func:`_canonical_json_deep`)."""


def _canonical_json_deep(value: Any) -> str:
    """What :data:`_canonical_json` writes, without recursion (for values too deep for it)."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Text:
            out.append(item)
        elif isinstance(item, Mapping):
            todo: list[Any] = [_Text("{")]
            for i, key in enumerate(sorted(item)):
                todo += [_Text(("," if i else "") + _canonical_json(key) + ":"), item[key]]
            stack.extend(reversed([*todo, _Text("}")]))
        elif isinstance(item, (list, tuple)):
            todo = [_Text("[")]
            for i, element in enumerate(item):
                todo += [_Text(",")] * bool(i) + [element]
            stack.extend(reversed([*todo, _Text("]")]))
        else:
            out.append(_canonical_json(item))
    return "".join(out)


def request_keys(body: Mapping[str, Any], server_seed: int) -> tuple[bytes, bytes]:
    """``request_key(body)`` and ``request_key(body, content_only=True)``, hashing once when the body
    has no delivery-only parameter (then both keys see the same fields, so they are the same)."""
    canonical = {k: v for k, v in body.items() if k not in _EXCLUDED_FROM_KEY}
    key = _digest(server_seed, canonical)
    if _DELIVERY_ONLY_KEYS.isdisjoint(canonical):
        return key, key
    return key, _digest(server_seed, {k: v for k, v in canonical.items() if k not in _DELIVERY_ONLY})


# byte -> ALNUM[byte % 62], for bytes.translate
_ALNUM_TABLE = bytes(ord(ALNUM[b % 62]) for b in range(256))


def alnum(key: bytes, label: str, length: int) -> str:
    digest = hashlib.blake2b(label.encode(), key=key, digest_size=64).digest()
    return digest[:length].translate(_ALNUM_TABLE).decode("ascii")


def seeded_rng(key: bytes, label: str) -> random.Random:
    return random.Random(hashlib.blake2b(label.encode(), key=key, digest_size=16).digest())
