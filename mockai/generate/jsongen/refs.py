"""Local ``$ref`` resolution for the JSON generator: ``#``, ``#/$defs/…``, ``#/definitions/…``
(JSON pointers, percent-encoded or not), ``#anchor``, and the same prefixed with the root's ``$id``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from mockai.core.json_pointer import resolve_pointer
from mockai.generate.jsongen.keywords import LITERAL_KEYS, UnsatisfiableSchema

__all__ = ["resolve_ref"]


def resolve_ref(root: Any, base: str, ref: str) -> Any:
    """The part of ``root`` (whose ``$id`` is ``base``) that ``ref`` names; :class:`UnsatisfiableSchema`
    for a reference outside the schema or one that names nothing."""
    fragment = ref
    if fragment.startswith(base + "#"):
        fragment = fragment[len(base) :]
    if not fragment.startswith("#"):
        raise UnsatisfiableSchema(f"unsupported $ref {ref!r}: only references within the schema are")
    fragment = unquote(fragment[1:])
    if fragment and not fragment.startswith("/"):
        found = _anchor(root, fragment)
        if found is None:
            raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}")
        return found
    try:
        return resolve_pointer(root, fragment)
    except LookupError:
        raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}") from None


def _anchor(node: Any, name: str) -> Any:
    """The subschema whose ``$anchor`` is ``name`` (depth first, in key order), or None."""
    if isinstance(node, list):
        node = {str(i): v for i, v in enumerate(node)}
    if not isinstance(node, Mapping):
        return None
    if node.get("$anchor") == name:
        return node
    for key, value in node.items():
        if key not in LITERAL_KEYS and (found := _anchor(value, name)) is not None:
            return found
    return None
