"""The built-in model catalogue: ids served by ``/v1/models`` and the dated snapshot each alias
resolves to in a completion's ``model`` field (conformance §5); the data is ``model_catalog.json``.

A model past its shutdown date (as the openai SDK's deprecation notes give it, against the date
the catalogue was last brought up to date, :data:`CATALOG_DATE`) is retired: ``/v1/models`` does not
list it and ``--strict-models`` refuses it, as the live API does, while its snapshot still
resolves and ``--model`` can still name it.  A fixed date, never the clock: the same mockai gives
the same answers whenever it runs."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "CATALOG_DATE",
    "DEFAULT_CATALOG",
    "RETIRED",
    "ModelCatalog",
    "ModelInfo",
    "is_fine_tune",
    "is_not_chat_model",
]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    created: int
    owned_by: str = "system"
    snapshot: str | None = None  # what a completion reports for this alias
    # Embedding models: the vector's full length and the tokens one input may have.
    dimensions: int | None = None
    max_input_tokens: int | None = None
    shutdown: str | None = None  # the announced shutdown date (ISO), if any

    def to_dict(self) -> dict[str, Any]:
        # ``shutdown_date``: the API reference's model object (2026), null when none is announced.
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
            "shutdown_date": self.shutdown,
        }


# The day the catalogue was last brought up to date: a model shut down by then is retired.
CATALOG_DATE = "2026-12-03"
_ENTRIES = tuple(
    ModelInfo(**entry)
    for entry in json.loads(resources.files("mockai").joinpath("core/model_catalog.json").read_text("utf-8"))
)
# The ids, creation times and owners ``/v1/models`` lists, and the snapshot each alias resolves to.
DEFAULT_CATALOG: tuple[ModelInfo, ...] = tuple(m for m in _ENTRIES if not m.shutdown or m.shutdown > CATALOG_DATE)
# Models shut down by CATALOG_DATE: their snapshots, and their details for ``--model``.
RETIRED: tuple[ModelInfo, ...] = tuple(m for m in _ENTRIES if m not in DEFAULT_CATALOG)

_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "gpt-6")


class ModelCatalog:
    """Model ids known to the server, with alias → snapshot resolution."""

    def __init__(self, models: Iterable[ModelInfo] = DEFAULT_CATALOG) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}

    @classmethod
    def from_ids(cls, ids: Iterable[str]) -> ModelCatalog:
        known = {m.id: m for m in _ENTRIES}
        return cls(known.get(i, ModelInfo(i, 1700000000, owned_by="mockai")) for i in ids)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    def get(self, model_id: str) -> ModelInfo | None:
        return self._models.get(model_id)

    def list(self) -> list[ModelInfo]:
        return list(self._models.values())

    def resolve(self, model_id: str) -> str:
        """The name a completion reports: the dated snapshot for a known alias, else as sent."""
        info = self._models.get(model_id)
        if info is not None and info.snapshot:
            return info.snapshot
        for m in _ENTRIES:
            if m.id == model_id and m.snapshot:
                return m.snapshot
        return model_id


# Model families of other endpoints than chat (embeddings, moderations, speech, transcription,
# images, the legacy completions): known not to be chat models, whatever the catalogue says.
_NOT_CHAT_PREFIXES = (
    "text-embedding-",
    "omni-moderation-",
    "text-moderation-",
    "whisper-",
    "tts-",
    "dall-e-",
    "gpt-image-",
    "davinci-",
    "babbage-",
    "gpt-3.5-turbo-instruct",
)


def is_not_chat_model(model_id: str) -> bool:
    """Whether ``model_id`` names a model of another endpoint than chat (the live API refuses it there)."""
    return model_id.startswith(_NOT_CHAT_PREFIXES)


def is_fine_tune(model_id: str) -> bool:
    """Whether ``model_id`` names a fine-tuned model: ``ft:base:org:suffix:id``, or 2023's
    ``base:ft-org-…``."""
    return model_id.startswith("ft:") or ":ft-" in model_id


def is_reasoning_model(model_id: str) -> bool:
    return model_id.startswith(_REASONING_PREFIXES)


@functools.lru_cache(maxsize=256)  # (one hash a request saved: a load test names a few models)
def system_fingerprint(model_id: str) -> str | None:
    """A stable ``fp_`` + 10 hex per model; ``null`` for the 3.5 family as the real API sends."""
    if model_id.startswith("gpt-3.5") or is_reasoning_model(model_id):
        return None
    return "fp_" + hashlib.blake2b(model_id.encode(), digest_size=5).hexdigest()
