"""The keys a JSON-mode prompt names in words, as a JSON Schema to answer with.

LangChain's ``with_structured_output(method="json_mode")`` and instructor's JSON modes leave the
shape to the prompt, often in prose: "Return a JSON object with keys title and year", "Give a
movie as json with title, year, genres, rating".  A model answers with those keys; mockai's
generic ``{"answer", "confidence"}`` made the application's parser fail.  Where the last system,
developer or user message names two or more keys that way (and gives no schema: that comes first,
:mod:`mockai.chat.prompt_schema`), the answer is an object with exactly them, each of the type its
name suggests: ``year``, ``age``, ``count`` … an integer; ``price``, ``rating``, ``score`` … a
number; ``is_…``, ``has_…`` a boolean; a plural (``genres``, ``tags``) a list of strings; anything
else a string (which the generator fills by its name: a ``city`` gets a city).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mockai.core.request_reading import message_text

__all__ = ["prose_schema"]

_NAME = r"[`'\"]?([A-Za-z_][A-Za-z0-9_]{0,39})[`'\"]?"
_SEPARATOR = r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)"
_LIST = rf"{_NAME}(?:{_SEPARATOR}{_NAME})+"
# "keys title and year", "fields: a, b, c", "json with title, year, genres", "object containing …"
_NAMED = re.compile(
    rf"(?:\b(?:keys|fields|properties|attributes|columns)\s*(?::|named|called)?\s*"
    rf"|\b(?:json|object)\s+(?:with|containing|having)\s+(?:the\s+)?(?:(?:keys|fields)\s*:?\s*)?)({_LIST})",
    re.IGNORECASE,
)
_ONE_NAME = re.compile(_NAME)
_NOT_KEYS = frozenset({"the", "a", "an", "and", "or", "with", "of", "in", "to", "for", "json", "object", "keys"})
_MAX_KEYS = 20
_ROLES = ("system", "developer", "user")

_INTEGER = re.compile(
    r"(?:^|_)(?:year|years|age|count|quantity|rank|page|pages|total|minutes|seconds|hours|days|number|num"
    r"|population)(?:$|_)"
)
_NUMBER = re.compile(
    r"(?:^|_)(?:price|rating|score|cost|amount|temperature|weight|height|percentage|percent|probability"
    r"|confidence|latitude|longitude|lat|lng|lon)(?:$|_)"
)
_BOOLEAN = re.compile(r"^(?:is|has|can|should|was)_|(?:^|_)(?:enabled|valid|success|available|flag)$")


def prose_schema(messages: Sequence[Any]) -> dict[str, Any] | None:
    """The schema of the object whose keys the latest prompt message names in words, or ``None``."""
    user_seen = False  # (of the user's messages, only the latest speaks for this turn)
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            continue
        if message.get("role") == "user":
            if user_seen:
                continue
            user_seen = True
        keys = _keys(message_text(message))
        if keys:
            properties = {key: _property(key) for key in keys}
            return {"type": "object", "properties": properties, "required": keys, "additionalProperties": False}
    return None


def _keys(text: str) -> list[str]:
    found = _NAMED.search(text[:20_000])
    if found is None:
        return []
    keys = [name for name in _ONE_NAME.findall(found.group(1)) if name.lower() not in _NOT_KEYS]
    keys = list(dict.fromkeys(keys))[:_MAX_KEYS]
    return keys if len(keys) >= 2 else []


def _property(key: str) -> dict[str, Any]:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()  # (camelCase read as snake_case)
    if _BOOLEAN.search(name):
        return {"type": "boolean"}
    if _INTEGER.search(name):
        return (
            {"type": "integer", "minimum": 1950, "maximum": 2025}
            if "year" in name
            else {"type": "integer", "minimum": 1, "maximum": 500}
        )
    if _NUMBER.search(name):
        return {"type": "number", "minimum": 0, "maximum": 10 if "rating" in name or "score" in name else 1000}
    if name.endswith("_at") or name in ("timestamp", "datetime"):
        return {"type": "string", "format": "date-time"}
    if name == "date" or name.endswith("_date"):
        return {"type": "string", "format": "date"}
    if name.endswith("s") and not name.endswith(("ss", "us", "is")):
        return {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 4}
    return {"type": "string"}
