"""JSON Pointer (RFC 6901): the value a pointer such as ``/$defs/Node/properties/a~1b`` names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["resolve_pointer"]


def resolve_pointer(root: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``root`` (``""`` is ``root`` itself); :class:`LookupError` when
    there is none (a missing key, an index out of range, a step into a scalar)."""
    node = root
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise LookupError(f"nothing at JSON pointer {pointer!r}")
    return node
