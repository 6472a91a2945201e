"""A reply plan rendered as the non-streamed ``chat.completion`` object, keys in the real order."""

from __future__ import annotations

from typing import Any

from mockai.chat.rendered import RenderMemos
from mockai.core.json_text import indented_bytes
from mockai.core.plan import ChoicePlan, ReplyPlan, slow_to_render

__all__ = ["completion_dict", "indented_in_pieces", "message_dict", "render_completion"]


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
    if choice.audio is not None:  # after refusal, before annotations (a recorded audio answer)
        message["audio"] = choice.audio.to_dict()
    message["annotations"] = [note.to_dict() for note in choice.annotations]
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


def render_completion(plan: ReplyPlan, memos: RenderMemos | None = None) -> bytes:
    """The body bytes: 2-space indent and a trailing newline, as the real API sends (§1)."""
    if memos is None:
        return _body(plan)
    hit = memos.bodies.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    body = _body(plan)
    memos.bodies.put(id(plan), (plan, body))
    return body


def _body(plan: ReplyPlan) -> bytes:
    completion = completion_dict(plan)
    if not slow_to_render(plan):
        return indented_bytes(completion, floats=_has_floats(plan))
    return indented_in_pieces(completion)


# A list of logprobs longer than this is written a piece of this many entries at a time.
PIECE = 500
_CONTENT_INDENT = b" " * 8  # where a choice's logprobs.content list sits in the completion


def indented_in_pieces(completion: dict[str, Any], piece: int = PIECE) -> bytes:
    """:func:`indented_bytes` of a completion heavy with logprobs, written a piece of each long
    logprobs list at a time: one call of the encoder over tens of megabytes holds the interpreter
    for 60 ms and more (the encoder is C, and never lets go), in which the event loop, waiting on
    a worker thread's render, answers nothing.  The same bytes (tests/chat/test_render_pieces.py)."""
    lists: list[tuple[bytes, list[Any], dict[str, Any]]] = []
    for index, choice in enumerate(completion["choices"]):
        logprobs = choice.get("logprobs")
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        if isinstance(logprobs, dict) and isinstance(content, list) and len(content) > piece:
            marker = f"\x00mockai-logprobs-{index}\x00"  # (written "\u0000mockai-...": no text has it)
            lists.append((indented_bytes(marker)[:-1], content, logprobs))
            logprobs["content"] = marker
    try:
        out = indented_bytes(completion)
    finally:  # (the dict is the caller's: its lists go back)
        for _, content, logprobs in lists:
            logprobs["content"] = content
    for written, content, _ in lists:
        out = out.replace(written, _list_in_pieces(content, piece), 1)
    return out


def _list_in_pieces(items: list[Any], piece: int) -> bytes:
    """``items`` as :func:`indented_bytes` writes a list at the content's depth, a piece at a time."""
    parts = []
    for start in range(0, len(items), piece):
        text = indented_bytes(items[start : start + piece])  # "[\n  {...},\n  {...}\n]\n"
        parts.append(_CONTENT_INDENT + text[2:-3].replace(b"\n", b"\n" + _CONTENT_INDENT))
    return b"[\n" + b",\n".join(parts) + b"\n" + _CONTENT_INDENT + b"]"


def _has_floats(plan: ReplyPlan) -> bool:
    """Whether a completion's body may hold a float: its logprobs are its only ones (ids, counts
    and times are integers; texts are strings)."""
    return any(choice.logprobs is not None for choice in plan.choices)
