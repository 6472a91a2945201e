"""A reply plan rendered as the non-streamed ``chat.completion`` object, keys in the real order."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any

from mockai.core.memo import Memo
from mockai.core.plan import ChoicePlan, ReplyPlan

__all__ = ["completion_dict", "dumps_indented", "message_dict", "render_completion"]


def message_dict(choice: ChoicePlan) -> dict[str, Any]:
    """``role, content, [tool_calls], refusal, annotations`` (conformance §6)."""
    message: dict[str, Any] = {"role": "assistant", "content": choice.content}
    if choice.tool_calls:
        message["tool_calls"] = [call.to_dict() for call in choice.tool_calls]
    if choice.function_call is not None:
        message["function_call"] = {
            "name": choice.function_call.name,
            "arguments": choice.function_call.arguments,
        }
    message["refusal"] = choice.refusal
    message["annotations"] = []
    return message


def _logprobs_dict(choice: ChoicePlan) -> dict[str, Any] | None:
    if choice.logprobs is None:
        return None
    entries = [lp.to_dict() for lp in choice.logprobs]
    if choice.content_tokens is None and choice.refusal_tokens is not None:
        return {"content": None, "refusal": entries}
    return {"content": entries, "refusal": None}


def completion_dict(plan: ReplyPlan) -> dict[str, Any]:
    choices = []
    for choice in plan.choices:
        entry: dict[str, Any] = {"index": choice.index, "message": message_dict(choice)}
        if not plan.omit_logprobs_key:
            entry["logprobs"] = _logprobs_dict(choice)
        entry["finish_reason"] = choice.finish_reason
        choices.append(entry)
    return {
        "id": plan.id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model,
        "choices": choices,
        "usage": plan.usage.to_dict(),
        "service_tier": plan.service_tier,
        "system_fingerprint": plan.system_fingerprint,
    }


def render_completion(plan: ReplyPlan) -> bytes:
    """The body bytes: 2-space indent and a trailing newline, as the real API sends (§1)."""
    hit = _RENDERED.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    body = (dumps_indented(completion_dict(plan)) + "\n").encode()
    _RENDERED.put(id(plan), (plan, body))
    return body


# Bodies just rendered, by plan (the very object: the memoised seeded plans come back as the same
# object, and identity costs nothing to check, where hashing a plan walks all of it).  An entry
# keeps its plan alive, so its id cannot be reused while it is here.  The plan is immutable and
# the body a pure function of it: a hit gives the same bytes.
_RENDERED: Memo[int, tuple[ReplyPlan, bytes]] = Memo(256, 4 << 20, lambda key, hit: 2 * len(hit[1]) + 512)


# --- indented JSON, fast ----------------------------------------------------------------------
# ``json.dumps(indent=2)`` cannot use the C encoder (CPython < 3.13) and walks the value with
# nested generators; this walk gives the same text in about half the time, with the C string
# escaper.  Anything unusual (a non-string key, a type JSON does not know) falls back to json.


class _Unusual(Exception):
    pass


_INFINITY = float("inf")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _indented(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float_text(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual
            out.append(separator)
            out.append(encode_basestring(key))
            out.append(": ")
            _indented(item, out, inner)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indented(item, out, inner)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise _Unusual


def dumps_indented(value: Any) -> str:
    """Exactly ``json.dumps(value, indent=2, ensure_ascii=False)``, faster."""
    out: list[str] = []
    try:
        _indented(value, out, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)
