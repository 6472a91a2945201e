"""A reply plan rendered as the non-streamed ``chat.completion`` object, keys in the real order."""

from __future__ import annotations

from typing import Any

from mockai.chat.rendered import RenderMemos
from mockai.core.json_text import PIECE, indented_bytes, indented_bytes_in_pieces
from mockai.core.plan import ChoicePlan, ReplyPlan

__all__ = ["completion_dict", "message_dict", "render_completion"]


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
        **({"moderation": plan.moderation} if plan.moderation is not None else {}),
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
    if not _has_floats(plan):  # (no logprobs: the usual answer)
        return indented_bytes(completion, floats=False)
    holders = _heavy_lists(completion)
    return indented_bytes_in_pieces(completion, holders) if holders else indented_bytes(completion)


def _heavy_lists(completion: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Where a completion holds a long logprobs list (written in pieces)."""
    holders: list[tuple[dict[str, Any], str]] = []
    for choice in completion["choices"]:
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict) and len(logprobs.get("content") or ()) > PIECE:
            holders.append((logprobs, "content"))
    return holders


def _has_floats(plan: ReplyPlan) -> bool:
    """Whether a completion's body may hold a float: its logprobs are its only ones (ids, counts
    and times are integers; texts are strings)."""
    return plan.moderation is not None or any(choice.logprobs is not None for choice in plan.choices)
