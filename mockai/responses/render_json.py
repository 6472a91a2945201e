"""A :class:`~mockai.responses.planner.ResponsePlan` as the Response object, keys in the real order.

``id, object, created_at, status``, then every other key alphabetically, ``metadata`` last
(api_behaviour §3a); output items ``id, type, status`` then alphabetically; content parts
``type`` then alphabetically.  The non-stream body is 2-space indented with no trailing newline
and carries ``billing``, which no streamed Response does (§3a, §6b).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from mockai.core.errors import APIError
from mockai.core.json_text import PIECE, indented_bytes, indented_bytes_in_pieces
from mockai.core.memo import Memo
from mockai.core.plan import TokenLogprob, Usage
from mockai.responses.planner import CallItem, MessageItem, OutputItem, ReasoningItem, ResponsePlan

__all__ = [
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "Layouts",
    "item_dict",
    "render_response",
    "response_dict",
    "usage_dict",
]

# The phases a Response is shown in: waiting (a background one), running (created / in_progress),
# finished, failed.
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
_UNFINISHED_STATUS = {QUEUED: "queued", RUNNING: "in_progress", FAILED: "failed"}


def usage_dict(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": usage.cached_tokens},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


def text_part(item: MessageItem, text: str) -> dict[str, Any]:
    """A message's content part: its whole text, or ``""`` as ``content_part.added`` opens it."""
    if item.refusal:
        return {"type": "refusal", "refusal": text}
    logprobs = token_logprobs(item.logprobs, with_bytes=True) if text else []
    return {"type": "output_text", "annotations": [], "logprobs": logprobs, "text": text}


def token_logprobs(entries: Sequence[TokenLogprob], *, with_bytes: bool) -> list[dict[str, Any]]:
    """Logprobs as a Response lists them: keys in alphabetical order; a content part's carry the
    tokens' ``bytes`` (the spec's ``LogProb``), a delta's do not (``ResponseLogProb``)."""
    out = []
    for entry in entries:
        top = [_logprob(token, logprob, with_bytes) for token, logprob in entry.top]
        out.append({**_logprob(entry.token, entry.logprob, with_bytes), "top_logprobs": top})
    return out


def _logprob(token: str, logprob: float, with_bytes: bool) -> dict[str, Any]:
    if with_bytes:
        return {"bytes": list(token.encode()), "logprob": logprob, "token": token}
    return {"logprob": logprob, "token": token}


def item_dict(item: OutputItem, *, done: bool = True) -> dict[str, Any]:
    """An output item, finished (``done``) or as ``response.output_item.added`` announces it."""
    if isinstance(item, MessageItem):
        message = {
            "id": item.id,
            "type": "message",
            "status": item.status if done else "in_progress",
            "content": [text_part(item, item.text)] if done else [],
        }
        if item.phase is not None:  # between content and role [R:22]
            message["phase"] = item.phase
        message["role"] = "assistant"
        return message
    if isinstance(item, CallItem):
        call = item.call
        if call.kind == "custom":
            return {
                "id": item.id,
                "type": "custom_tool_call",
                "status": item.status if done else "in_progress",
                "call_id": call.id,
                "input": call.arguments if done else "",
                "name": call.name,
            }
        return {
            "id": item.id,
            "type": "function_call",
            "status": item.status if done else "in_progress",
            "arguments": call.arguments if done else "",
            "call_id": call.id,
            "name": call.name,
        }
    return _reasoning_dict(item, done)


def _reasoning_dict(item: ReasoningItem, done: bool) -> dict[str, Any]:
    # (2026-08: an empty content list before the encrypted content and the summary [R:04])
    out: dict[str, Any] = {"id": item.id, "type": "reasoning", "content": []}
    if item.encrypted is not None:
        out["encrypted_content"] = item.encrypted[1 if done else 0]
    summary = item.summary
    out["summary"] = [{"type": "summary_text", "text": summary}] if done and summary is not None else []
    return out


def response_dict(plan: ResponsePlan, phase: str = FINISHED, *, error: APIError | None = None) -> dict[str, Any]:
    """The Response in ``phase``: queued or running (no output, ``usage: null``), finished, or failed."""
    echo = plan.echo
    finished = phase == FINISHED
    status = plan.status if finished else _UNFINISHED_STATUS[phase]
    out: dict[str, Any] = {"id": plan.id, "object": "response", "created_at": plan.created_at, "status": status}
    out["background"] = echo["background"]
    out["completed_at"] = plan.completed_at if finished and plan.status == "completed" else None
    if echo["conversation"] is not None:  # only when the request names one
        out["conversation"] = echo["conversation"]
    # A failed Response's error always has a code [R:29]: the error's, else its type.
    out["error"] = {"code": error.code or error.type, "message": error.message} if error is not None else None
    out["frequency_penalty"] = echo["frequency_penalty"]
    reason = plan.incomplete_reason if finished else None
    out["incomplete_details"] = {"reason": reason} if reason is not None else None
    for key in ("instructions", "max_output_tokens", "max_tool_calls"):
        out[key] = echo[key]
    out["model"] = plan.model
    out["moderation"] = plan.moderation if finished else None  # (the request's text's and the answer's)
    out["output"] = [item_dict(item) for item in plan.output] if finished else []
    for key in _MIDDLE:
        out[key] = echo[key]
    if echo["prompt"] is not None:  # only when the request names one, between its alphabetical neighbours
        out = _after(out, "previous_response_id", "prompt", echo["prompt"])
    if echo["prompt_cache_options"] is not None:  # (the same)
        out = _after(out, "prompt_cache_key", "prompt_cache_options", echo["prompt_cache_options"])
    if not finished and not plan.tier_asked:
        out["service_tier"] = "auto"
    for key in ("store", "temperature", "text", "tool_choice"):
        out[key] = echo[key]
    out["tool_usage"] = _TOOL_USAGE
    for key in _LATE:
        out[key] = echo[key]
    out["usage"] = usage_dict(plan.usage) if finished else None
    out["user"] = echo["user"]
    out["metadata"] = echo["metadata"]
    return out


def _after(out: dict[str, Any], key: str, new_key: str, value: Any) -> dict[str, Any]:
    items = list(out.items())
    at = next(i for i, (k, _) in enumerate(items) if k == key) + 1
    items.insert(at, (new_key, value))
    return dict(items)


_MIDDLE = (
    "parallel_tool_calls",
    "presence_penalty",
    "previous_response_id",
    "prompt_cache_key",
    "prompt_cache_retention",
    "reasoning",
    "safety_identifier",
    "service_tier",
)
_LATE = ("tools", "top_logprobs", "top_p", "truncation")
# Built-in tool use, none of which mockai runs (the 2026-07 shape [R:04]).
_TOOL_USAGE = {
    "image_gen": {
        "input_tokens": 0,
        "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
        "output_tokens": 0,
        "output_tokens_details": {"image_tokens": 0, "text_tokens": 0},
        "total_tokens": 0,
    },
    "web_search": {"num_requests": 0},
}


# The non-stream body of a finished Response as its echo lays it out, by the echo's identity (plans
# share their echo, see mockai.responses.planner.Echoes): what no plan of that echo changes is in
# place, and what each does (_OWN) is set on a copy; and whether that layout is plain, orjson's
# own text being indented_bytes' (no float it writes otherwise, see mockai.core.json_text).
Layouts = Memo[int, tuple[dict[str, Any], dict[str, Any], bool]]
_OWN = ("id", "created_at", "status", "completed_at", "incomplete_details", "model", "moderation", "output", "usage")


def render_response(plan: ResponsePlan, phase: str = FINISHED, layouts: Layouts | None = None) -> bytes:
    """The non-stream body: ``billing`` in its alphabetical place, 2-space indent, no newline
    (``phase`` QUEUED: what the create of a background response answers); a finished one from
    ``layouts`` when they hold its echo's."""
    if phase == FINISHED and layouts is not None:
        echo = plan.echo
        hit = layouts.get(id(echo))
        if hit is not None and hit[0] is echo:
            body = _laid_out(hit[1], plan)
            # Its own keys hold no float but logprobs': a plain layout is written by orjson alone.
            plain = hit[2] and plan.moderation is None  # (moderation scores are floats)
            if plain and not any(isinstance(item, MessageItem) and item.logprobs for item in plan.output):
                try:
                    return orjson.dumps(body, option=orjson.OPT_INDENT_2)
                except TypeError:  # (what indented_bytes writes without orjson)
                    pass
            return _indented(body)[:-1]
        body = _billed(response_dict(plan))
        layouts.put(id(echo), (echo, body, _plain(body)))  # (its own keys are replaced in every copy)
        return _indented(body)[:-1]
    return _indented(_billed(response_dict(plan, phase)))[:-1]  # (its layout, less the trailing newline)


def _indented(body: dict[str, Any]) -> bytes:
    """:func:`indented_bytes` of a Response's body; its long logprobs lists written in pieces (a
    Response heavy with logprobs is rendered in a worker thread, which must let the loop in)."""
    holders = [
        (part, "logprobs")
        for item in body.get("output") or ()
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or ()
        if isinstance(part, dict) and len(part.get("logprobs") or ()) > PIECE
    ]
    return indented_bytes_in_pieces(body, holders) if holders else indented_bytes(body)


def _plain(body: dict[str, Any]) -> bool:
    """Whether orjson writes ``body``, its own keys (_OWN) apart, as indented_bytes does: a line
    is rewritten or not whatever the lines around it (mockai.core.json_text)."""
    probe = {**body, **dict.fromkeys(_OWN)}
    try:
        return orjson.dumps(probe, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE) == indented_bytes(probe)
    except TypeError:
        return False


def _billed(body: dict[str, Any]) -> dict[str, Any]:
    items = list(body.items())
    items.insert(5, ("billing", {"payer": "developer"}))  # after id, object, created_at, status, background
    return dict(items)


def _laid_out(layout: dict[str, Any], plan: ResponsePlan) -> dict[str, Any]:
    """``response_dict(plan)`` with billing, from the layout of a plan with the same echo: the keys
    of _OWN, as response_dict sets them for a finished Response."""
    out = layout.copy()
    out["id"] = plan.id
    out["created_at"] = plan.created_at
    status = out["status"] = plan.status
    out["completed_at"] = plan.completed_at if status == "completed" else None
    reason = plan.incomplete_reason
    out["incomplete_details"] = {"reason": reason} if reason is not None else None
    out["model"] = plan.model
    out["moderation"] = plan.moderation
    out["output"] = [item_dict(item) for item in plan.output]
    out["usage"] = usage_dict(plan.usage)
    return out
