"""Local ``$ref`` resolution for the JSON generator: ``#``, ``#/$defs/…``, ``#/definitions/…``
(JSON pointers, percent-encoded or not), ``#anchor``, and the same prefixed with the root's ``$id``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from mockai.core.json_pointer import resolve_pointer
from mockai.generate.jsongen.keywords import LITERAL_KEYS, UnsatisfiableSchema

__all__ = ["anchors_of", "resolve_ref"]


def resolve_ref(root: Any, base: str, ref: str, anchors: Mapping[str, Any] | None = None) -> Any:
    """The part of ``root`` (whose ``$id`` is ``base``) that ``ref`` names; :class:`UnsatisfiableSchema`
    for a reference outside the schema or one that names nothing.  ``anchors`` is
    :func:`anchors_of` ``root``, when the caller keeps it (else the anchor is searched for)."""
    fragment = ref
    if fragment.startswith(base + "#"):
        fragment = fragment[len(base) :]
    if not fragment.startswith("#"):
        raise UnsatisfiableSchema(f"unsupported $ref {ref!r}: only references within the schema are")
    fragment = unquote(fragment[1:])
    if fragment and not fragment.startswith("/"):
        found = (anchors if anchors is not None else anchors_of(root)).get(fragment)
        if found is None:
            raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}")
        return found
    try:
        return resolve_pointer(root, fragment)
    except LookupError:
        raise UnsatisfiableSchema(f"cannot resolve $ref {ref!r}") from None


def anchors_of(root: Any) -> dict[str, Any]:
    """Every ``$anchor`` of ``root`` and the subschema it names (the first, depth first in key
    order, when two share a name), without recursion."""
    anchors: dict[str, Any] = {}
    stack = [root] if isinstance(root, (Mapping, list)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(item for item in reversed(node) if isinstance(item, (Mapping, list)))
            continue
        anchor = node.get("$anchor")
        if isinstance(anchor, str):
            anchors.setdefault(anchor, node)
        stack.extend(
            node[key]
            for key in reversed(list(node))
            if key not in LITERAL_KEYS and isinstance(node[key], (Mapping, list))
        )
    return anchors
