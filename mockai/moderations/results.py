"""Moderation results with every category and score key of the official schema, deterministic.

By default nothing is flagged: each score is a small number (below 0.001) derived from the input's
text and the category, so the same input always gets the same scores.  A scenario rule flags
chosen categories (:class:`Verdict`): they get ``true`` and a high score (0.90–0.99, or the score
the rule gives).

Key order: omni models as the API reference's example answer lists them; the legacy
``text-moderation-*`` ones as theirs does, with ``illicit`` and ``illicit/violent`` after them
(those models predate the two categories; the SDK requires their scores).
``category_applied_input_types`` names the kinds of input each score is about: ``text`` when the
input has text, ``image`` too for the categories omni models score on images.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockai.moderations.request import ModerationInput, ModerationRequest

__all__ = ["CATEGORIES", "Verdict", "moderation_body", "moderation_id"]

CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "sexual",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm/intent",
    "self-harm/instructions",
    "self-harm",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
_LEGACY_ORDER = (
    "sexual",
    "hate",
    "harassment",
    "self-harm",
    "sexual/minors",
    "hate/threatening",
    "violence/graphic",
    "self-harm/intent",
    "self-harm/instructions",
    "harassment/threatening",
    "violence",
    "illicit",
    "illicit/violent",
)
_IMAGE_CATEGORIES = frozenset(
    {"sexual", "self-harm/intent", "self-harm/instructions", "self-harm", "violence", "violence/graphic"}
)


@dataclass(frozen=True)
class Verdict:
    """What a scenario says of an input: the categories flagged, and any scores it sets."""

    flagged: tuple[str, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)


def _fraction(text: str, category: str) -> float:
    digest = hashlib.blake2b(f"{category}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def _score(text: str, category: str, flagged: bool) -> float:
    fraction = _fraction(text, category)
    if flagged:
        return round(0.9 + 0.09 * fraction, 6)
    return float(f"{1e-6 + 9e-4 * fraction**3:.6g}")


def _result(item: ModerationInput, verdict: Verdict | None, order: tuple[str, ...], omni: bool) -> dict[str, Any]:
    flagged = set(verdict.flagged) if verdict is not None else set()
    given = verdict.scores if verdict is not None else {}
    categories = {name: name in flagged for name in order}
    scores = {name: float(given[name]) if name in given else _score(item.text, name, name in flagged) for name in order}
    applied: dict[str, list[str]] = {}
    for name in order:
        kinds = ["text"] if item.has_text else []
        if omni and item.images and name in _IMAGE_CATEGORIES:
            kinds.append("image")
        applied[name] = kinds
    return {
        "flagged": bool(flagged),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


def moderation_id(raw: bytes) -> str:
    """``modr-`` + 32 hex, a digest of the request: the same request gets the same id."""
    return "modr-" + hashlib.blake2b(b"moderation\x00" + raw, digest_size=16).hexdigest()


def moderation_body(
    request: ModerationRequest, response_id: str, verdicts: Mapping[int, Verdict] | None = None
) -> dict[str, Any]:
    """The answer: one result per input, ``verdicts[i]`` deciding input ``i`` where given."""
    order = CATEGORIES if request.omni else _LEGACY_ORDER
    verdicts = verdicts or {}
    results = [_result(item, verdicts.get(i), order, request.omni) for i, item in enumerate(request.inputs)]
    return {"id": response_id, "model": request.reported_model, "results": results}
