"""The built-in model catalogue: ids served by ``/v1/models`` and the dated snapshot each alias
resolves to in a completion's ``model`` field (conformance §5)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockai.core.errors import APIError

__all__ = ["DEFAULT_CATALOG", "ModelCatalog", "ModelInfo", "unsupported_by_model"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    created: int
    owned_by: str = "system"
    snapshot: str | None = None  # what a completion reports for this alias

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "object": "model", "created": self.created, "owned_by": self.owned_by}


DEFAULT_CATALOG: tuple[ModelInfo, ...] = (
    ModelInfo("gpt-4o-mini", 1721172741, snapshot="gpt-4o-mini-2024-07-18"),
    ModelInfo("gpt-4o-mini-2024-07-18", 1721172717),
    ModelInfo("gpt-4o", 1715367049, snapshot="gpt-4o-2024-08-06"),
    ModelInfo("gpt-4o-2024-08-06", 1722814719),
    ModelInfo("gpt-4o-2024-11-20", 1739331543),
    ModelInfo("gpt-4.1", 1744316542, snapshot="gpt-4.1-2025-04-14"),
    ModelInfo("gpt-4.1-2025-04-14", 1744315746),
    ModelInfo("gpt-4.1-mini", 1744318173, snapshot="gpt-4.1-mini-2025-04-14"),
    ModelInfo("gpt-4.1-mini-2025-04-14", 1744317547),
    ModelInfo("gpt-4.1-nano", 1744321707, snapshot="gpt-4.1-nano-2025-04-14"),
    ModelInfo("gpt-4.1-nano-2025-04-14", 1744321025),
    ModelInfo("gpt-3.5-turbo", 1677610602, owned_by="openai", snapshot="gpt-3.5-turbo-0125"),
    ModelInfo("gpt-3.5-turbo-0125", 1706048358),
    ModelInfo("gpt-4-turbo", 1712361441, snapshot="gpt-4-turbo-2024-04-09"),
    ModelInfo("gpt-4-turbo-2024-04-09", 1712601677),
    ModelInfo("gpt-5", 1754425777, snapshot="gpt-5-2025-08-07"),
    ModelInfo("gpt-5-2025-08-07", 1754425867),
    ModelInfo("gpt-5-mini", 1754425928, snapshot="gpt-5-mini-2025-08-07"),
    ModelInfo("gpt-5-mini-2025-08-07", 1754425867),
    ModelInfo("gpt-5-nano", 1754426384, snapshot="gpt-5-nano-2025-08-07"),
    ModelInfo("gpt-5-nano-2025-08-07", 1754426303),
    ModelInfo("gpt-5.1", 1762800000, snapshot="gpt-5.1-2025-11-13"),
    ModelInfo("gpt-5.1-2025-11-13", 1762800000),
    ModelInfo("gpt-5.2", 1765400000, snapshot="gpt-5.2-2025-12-11"),
    ModelInfo("gpt-5.2-2025-12-11", 1765400000),
    ModelInfo("gpt-4o-search-preview", 1741391161, snapshot="gpt-4o-search-preview-2025-03-11"),
    ModelInfo("gpt-4o-mini-search-preview", 1741391161, snapshot="gpt-4o-mini-search-preview-2025-03-11"),
    ModelInfo("o1-mini", 1725649008, snapshot="o1-mini-2024-09-12"),
    ModelInfo("o3-mini", 1737146383, snapshot="o3-mini-2025-01-31"),
    ModelInfo("o3-mini-2025-01-31", 1737146383),
    ModelInfo("o3", 1744225308, snapshot="o3-2025-04-16"),
    ModelInfo("o3-2025-04-16", 1744133301),
    ModelInfo("o4-mini", 1744225351, snapshot="o4-mini-2025-04-16"),
    ModelInfo("o4-mini-2025-04-16", 1744133506),
)

_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


class ModelCatalog:
    """Model ids known to the server, with alias → snapshot resolution."""

    def __init__(self, models: Iterable[ModelInfo] = DEFAULT_CATALOG) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}

    @classmethod
    def from_ids(cls, ids: Iterable[str]) -> ModelCatalog:
        known = {m.id: m for m in DEFAULT_CATALOG}
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
        for m in DEFAULT_CATALOG:
            if m.id == model_id and m.snapshot:
                return m.snapshot
        return model_id


def is_reasoning_model(model_id: str) -> bool:
    return model_id.startswith(_REASONING_PREFIXES)


def system_fingerprint(model_id: str) -> str | None:
    """A stable ``fp_`` + 10 hex per model; ``null`` for the 3.5 family as the real API sends."""
    if model_id.startswith("gpt-3.5") or is_reasoning_model(model_id):
        return None
    return "fp_" + hashlib.blake2b(model_id.encode(), digest_size=5).hexdigest()


# Models that take no system or developer message (the real API rejects it, recording 30).
_NO_SYSTEM_ROLE = ("o1-mini", "o1-preview")


def unsupported_by_model(body: Mapping[str, Any]) -> APIError | None:
    """What the real API refuses for this model although the request is otherwise valid."""
    model = str(body.get("model", ""))
    if body.get("web_search_options") is not None and "search" not in model:
        # Recording 32: only the *-search-* models take web search options.
        return APIError(400, "Web search options not supported with this model.", param="web_search_options")
    if model.startswith(_NO_SYSTEM_ROLE):
        for i, message in enumerate(body.get("messages") or ()):
            role = message.get("role") if isinstance(message, Mapping) else None
            if role in ("system", "developer"):
                return APIError(
                    400,
                    f"Unsupported value: 'messages[{i}].role' does not support '{role}' with this model.",
                    param=f"messages[{i}].role",
                    code="unsupported_value",
                )
    return None
