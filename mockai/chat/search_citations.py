"""``url_citation`` annotations for the ``*-search-preview`` models asked with ``web_search_options``.

The real search models cite the sentences they took from the web: each annotation names a span of
``message.content`` (``content[start_index:end_index]``), a page title and its URL.  mockai cites
whole sentences of the seeded answer, one to three of them, drawn from the request's key, with
deterministic ``https://example.com/…`` URLs and titles made of the cited words.  Any other answer
keeps ``annotations: []``.  The planner attaches them to the plan, so JSON and stream say the same.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mockai.core.model_capabilities import capabilities
from mockai.core.plan import ChoicePlan, UrlCitation

__all__ = ["citations_for", "cite", "wants_citations"]

_SENTENCE = re.compile(r"[^\s][^.!?\n]*[.!?]?")
_WORD = re.compile(r"[A-Za-z0-9]+")
_MAX_CITATIONS = 3


def wants_citations(body: Mapping[str, Any]) -> bool:
    """A search model asked with ``web_search_options`` (``{}`` counts: it is the switch)."""
    return capabilities(str(body.get("model", ""))).search and body.get("web_search_options") is not None


def _sentences(content: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence with at least one word, trailing spaces excluded."""
    spans = []
    for match in _SENTENCE.finditer(content):
        start, end = match.start(), match.start() + len(match.group().rstrip())
        if _WORD.search(content, start, end):
            spans.append((start, end))
    return spans


def _citation(content: str, span: tuple[int, int], tag: str) -> UrlCitation:
    words = _WORD.findall(content[span[0] : span[1]])[:6]
    slug = "-".join(word.lower() for word in words) or "source"
    title = " ".join(word.capitalize() for word in words) or "Source"
    return UrlCitation(span[0], span[1], title, f"https://example.com/{slug}-{tag}")


def citations_for(content: str, key: bytes, index: int) -> tuple[UrlCitation, ...]:
    """The citations of choice ``index``'s ``content``, in text order; seeded by ``key``."""
    spans = _sentences(content)
    if not spans:
        return ()
    rng = random.Random(hashlib.blake2b(f"citations{index}".encode(), key=key, digest_size=16).digest())
    count = rng.randint(1, min(_MAX_CITATIONS, len(spans)))
    chosen = sorted(rng.sample(range(len(spans)), count))
    return tuple(_citation(content, spans[i], f"{rng.getrandbits(32):08x}") for i in chosen)


def cite(body: Mapping[str, Any], choices: Sequence[ChoicePlan], key: bytes) -> list[ChoicePlan]:
    """``choices`` with their annotations when :func:`wants_citations`; unchanged otherwise."""
    if not wants_citations(body):
        return list(choices)
    return [replace(c, annotations=citations_for(c.content, key, c.index)) if c.content else c for c in choices]
