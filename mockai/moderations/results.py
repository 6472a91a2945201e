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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mockai.core.json_text import dumps_indented
from mockai.moderations.request import ModerationInput, ModerationRequest, moderation_model

__all__ = ["CATEGORIES", "Verdict", "moderated", "moderation_body", "moderation_id", "moderation_result"]

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
    """A score with all its digits, as the real API's are (``0.22706663608551025``)."""
    fraction = _fraction(text, category)
    if flagged:
        return 0.9 + 0.09 * fraction
    return 1e-6 + 9e-4 * fraction**3


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


def moderation_result(text: str, images: int, model_id: str) -> dict[str, Any]:
    """A Response's ``moderation.input`` or ``.output`` (``moderation: {"model"}`` asked): the
    result ``/v1/moderations`` gives the same text with ``model_id``, as the openai SDK 3.60 types
    it (``moderation_result``: its keys in alphabetical order, as a Response's are), not flagged."""
    model = moderation_model(model_id)
    omni = model is None or model.id.startswith("omni-")
    item = ModerationInput(text, images, bool(text) or not images)
    result = _result(item, None, CATEGORIES if omni else _LEGACY_ORDER, omni)
    return {
        "categories": result["categories"],
        "category_applied_input_types": result["category_applied_input_types"],
        "category_scores": result["category_scores"],
        "flagged": result["flagged"],
        "model": (model.snapshot or model.id) if model is not None else model_id,
        "type": "moderation_result",
    }


def moderated(input_text: str, images: int, output_text: str, model_id: str) -> dict[str, Any]:
    """A chat completion's ``moderation`` (moderated completions): for the input and the output,
    ``{"model", "results": [...], "type": "moderation_results"}`` (the spec's
    ``ChatCompletionModeration``; keys in the SDK 3.60's order), each result a
    :func:`moderation_result` (the SDK requires its ``model`` and ``type``), not flagged."""
    input_result = moderation_result(input_text, images, model_id)
    output_result = moderation_result(output_text, 0, model_id)
    reported = input_result["model"]
    return {
        "input": {"model": reported, "results": [input_result], "type": "moderation_results"},
        "output": {"model": reported, "results": [output_result], "type": "moderation_results"},
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


def moderation_bytes(body: Mapping[str, Any]) -> bytes:
    """The answer's bytes: 2-space JSON with a final newline, its scores written as the API's
    examples write them (openapi.yaml's moderation examples): a plain decimal down to 1e-5
    (``0.000011726012417057063``, where Python writes ``1.1726012417057063e-05``), below it an
    exponent without padding (``2.227119921371923e-6``, not ``e-06``)."""
    return (_SCORE.sub(_score_text, dumps_indented(body)) + "\n").encode()


# A number alone on its line after its key (strings cannot hold a raw newline): Python's exponent form.
_SCORE = re.compile(r'(?<=": )(-?\d(?:\.\d+)?)e-(\d+)(?=,?\n)')


def _score_text(found: re.Match[str]) -> str:
    mantissa, exponent = found[1], int(found[2])
    if exponent <= 5:
        return format(Decimal(f"{mantissa}e-{exponent}"), "f")
    return f"{mantissa}e-{exponent}"
