"""A request's ``input`` as the items a stored response lists (``GET .../input_items``) and a
``previous_response_id`` continuation reads back: each with an id, keys ``id, type, status``
then alphabetically (api_behaviour §5: a string input is one user message with its own ``msg_`` id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockai.responses.echo import type_first, with_image_detail

__all__ = ["input_items"]

_PREFIXES = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fc",
    "custom_tool_call": "ctc",
    "custom_tool_call_output": "ctc",
    "reasoning": "rs",
}


def input_items(raw: Any, response_id: str) -> tuple[dict[str, Any], ...]:
    """A request's ``input`` (a string, or a list of items) as stored items; ids share the
    response's group (``response_id``).  Items that have ids (these very items) are kept as
    they are, so listing listed items again gives the same items."""
    if isinstance(raw, str):
        raw = [{"role": "user", "content": raw}]
    if not isinstance(raw, (list, tuple)):
        return ()
    group_and_time = response_id[5:31]  # the 16-hex group, "00" and the time
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type", "message"))
        tail = hashlib.blake2b(f"{response_id}/{index}".encode(), digest_size=12).hexdigest()
        given = item.get("id")
        item_id = given if isinstance(given, str) else f"{_PREFIXES.get(kind, 'item')}_{group_and_time}{tail}"
        items.append(_item(item, kind, item_id))
    return tuple(items)


def _item(item: Mapping[str, Any], kind: str, item_id: str) -> dict[str, Any]:
    if kind != "message":
        listed = {**item, "type": kind, "status": item.get("status") or "completed"}
        listed.pop("id", None)  # (the id is the one found above, never a given one of another type)
        output = item.get("output")
        if kind in _OUTPUTS and isinstance(output, list):  # a tool's output as content parts
            listed["output"] = [_part(part) if isinstance(part, Mapping) else part for part in output]
        return {"id": item_id, **type_first(listed)}
    role = item.get("role")
    content = item.get("content")
    if isinstance(content, str):
        parts: list[Any] = [_part({"type": "output_text" if role == "assistant" else "input_text", "text": content})]
    else:
        parts = [_part(p) for p in content if isinstance(p, Mapping)] if isinstance(content, list) else []
    return {
        "id": item_id,
        "type": "message",
        "status": item.get("status") or "completed",
        "content": parts,
        "role": role,
    }


_OUTPUTS = frozenset({"function_call_output", "custom_tool_call_output"})


def _part(part: Mapping[str, Any]) -> dict[str, Any]:
    """A content part as listed: an ``output_text`` (an assistant's text sent back) with its
    ``annotations`` and ``logprobs`` (empty when not sent), as a Response's output has them (the
    SDK requires ``annotations``); an ``input_image`` with its ``detail`` (``auto`` when not sent,
    its default: the SDK's listed ``ResponseInputImage`` requires it)."""
    if part.get("type") == "output_text":
        part = {"annotations": [], "logprobs": [], **part}
    return type_first(with_image_detail(part))
