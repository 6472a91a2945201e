"""A ``POST /v1/moderations`` body, checked as the real API checks it, and what it asks for.

``input`` is a string, an array of strings (one result each), or an array of ``text`` and
``image_url`` parts (one result for them all; omni models only); ``model`` defaults to
``omni-moderation-latest``.  One moderations refusal is quoted in public (more than one image:
``too_many_images``); none is recorded here: an unknown model is the 404 the embeddings endpoint
gives [R:43], a malformed ``input`` (or more than :data:`MAX_INPUTS`, mockai's own bound) its
``'$.input' is invalid`` 400, and parameter errors use :class:`~mockai.core.errors.APIError`'s
catalogue, as chat words them.
"""

from __future__ import annotations

from typing import Any

from mockai.core.errors import APIError, json_type_words, request_object
from mockai.core.model_catalog import DEFAULT_CATALOG, ModelInfo
from mockai.core.records import record

__all__ = [
    "DEFAULT_MODEL",
    "MAX_IMAGES",
    "MAX_INPUTS",
    "ModerationInput",
    "ModerationRequest",
    "read_moderation_request",
]

DEFAULT_MODEL = "omni-moderation-latest"
# mockai's own bound (no limit is documented or recorded), so that one small body cannot ask for
# minutes of work and gigabytes of answer: refused as the embeddings endpoint refuses too many.
MAX_INPUTS = 2048
# An omni model takes one image a request (a 2026 answer quoted in antiwork/gumroad#4709).
MAX_IMAGES = 1
_KEYS = frozenset({"input", "model"})


@record
class ModerationInput:
    """What one result is about: its text (parts joined) and how many images it has."""

    text: str
    images: int = 0
    has_text: bool = True


@record
class ModerationRequest:
    model: ModelInfo
    inputs: tuple[ModerationInput, ...]

    @property
    def omni(self) -> bool:
        return self.model.id.startswith("omni-")

    @property
    def reported_model(self) -> str:
        """``model`` as the API echoes it: ``text-moderation-latest`` as ``text-moderation-007``."""
        return self.model.snapshot or self.model.id


def moderation_model(model_id: str) -> ModelInfo | None:
    for info in DEFAULT_CATALOG:
        if info.id == model_id and info.id.startswith(("omni-moderation", "text-moderation")):
            return info
    return None


def _part(part: Any) -> tuple[str, int]:
    """A content part's text, or 1 for an image; the '$.input' 400 for anything else."""
    text = part.get("text") if isinstance(part, dict) and set(part) == {"type", "text"} else None
    if isinstance(text, str) and part["type"] == "text":
        return text, 0
    if isinstance(part, dict) and part.get("type") == "image_url" and set(part) == {"type", "image_url"}:
        image = part["image_url"]
        if isinstance(image, dict) and isinstance(image.get("url"), str) and image["url"]:
            return "", 1
    raise APIError.invalid_at()


def _inputs(value: Any) -> tuple[ModerationInput, ...]:
    if isinstance(value, str):
        return (ModerationInput(value),)
    if not isinstance(value, list) or not value or len(value) > MAX_INPUTS:
        raise APIError.invalid_at()
    if all(isinstance(item, str) for item in value):
        return tuple(ModerationInput(item) for item in value)
    parts = [_part(item) for item in value]
    texts = [text for text, images in parts if not images]
    return (ModerationInput("\n".join(texts), sum(images for _, images in parts), bool(texts)),)


def read_moderation_request(body: Any) -> ModerationRequest:
    """The request ``body`` asks for; the real API's error for a body it refuses."""
    body = request_object(body, _KEYS)
    if "input" not in body:
        raise APIError.missing_required("input")
    model_id = body.get("model", DEFAULT_MODEL)
    if not isinstance(model_id, str):
        raise APIError.invalid_type("model", "a string", json_type_words(model_id))
    inputs = _inputs(body["input"])
    model = moderation_model(model_id)
    if model is None:
        raise APIError.model_not_found(model_id)
    images = sum(item.images for item in inputs)
    if model.id.startswith("omni-") and images > MAX_IMAGES:
        raise APIError(
            400, f"Number of images ({images}) exceeds maximum of {MAX_IMAGES}", param="input", code="too_many_images"
        )
    if not model.id.startswith("omni-") and images:
        # Not recorded: worded as the API's other refusals of a part a model cannot take.
        raise APIError(
            400,
            f"Invalid 'input': the model {model.snapshot or model.id} only accepts text inputs, not images.",
            param="input",
            code="invalid_value",
        )
    return ModerationRequest(model, inputs)
