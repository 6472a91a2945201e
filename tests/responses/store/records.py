"""Stored responses made by hand, shaped as ``POST /v1/responses`` stores them, for testing the
``/v1/responses/{id}`` routes apart from the create route."""

from __future__ import annotations

import json
from typing import Any

from mockai.core.json_text import dumps_indented
from mockai.responses.store.records import StoredResponse

CREATED = 1_776_481_268


def response_dict(response_id: str, text: str, *, status: str = "completed", **fields: Any) -> dict[str, Any]:
    """A Response as the real API lays it out in 2026 (``id, object, created_at, status``, then
    alphabetical, ``metadata`` last)."""
    group = response_id[5:21]
    own = response_id[-24:]  # items share the response's 16-hex group; the rest is their own
    done = status == "completed"
    body: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "completed_at": CREATED + 1 if done else None,
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "gpt-4o-mini-2024-07-18",
        "output": [message_item(f"msg_{group}01{own}{'0' * 8}", text, "assistant")] if done else [],
        "parallel_tool_calls": True,
        "presence_penalty": 0.0,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        }
        if done
        else None,
        "user": None,
        "metadata": {},
    }
    body.update(fields)
    return body


def message_item(item_id: str, text: str, role: str) -> dict[str, Any]:
    if role == "assistant":
        part: dict[str, Any] = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
        return {"id": item_id, "type": "message", "status": "completed", "content": [part], "role": role}
    content = [{"type": "input_text", "text": text}]
    return {"id": item_id, "type": "message", "status": "completed", "content": content, "role": role}


def stored(
    response_id: str,
    text: str,
    inputs: list[str],
    *,
    previous: str | None = None,
    background: bool = False,
    streamed: bool = False,
) -> StoredResponse:
    """A stored response answering ``inputs`` (user messages) with ``text``."""
    group, own = response_id[5:21], response_id[-24:]
    body = response_dict(response_id, text, previous_response_id=previous, background=background)
    items = tuple(message_item(f"msg_{group}00{own}{i:08x}", said, "user") for i, said in enumerate(inputs))
    events = background_events(body) if streamed else ()
    return StoredResponse(
        id=response_id,
        created_at=CREATED,
        body=dumps_indented(body).encode(),
        input=items,
        events=events,
        previous_response_id=previous,
        background=background,
    )


def background_events(final: dict[str, Any]) -> tuple[bytes, ...]:
    """The events of a ``background: true, stream: true`` create, as recorded (conformance/responses
    §4c): created (queued), queued, in_progress, the message, completed."""
    queued = {**response_dict(final["id"], "", status="queued"), "background": True}
    in_progress = {**queued, "status": "in_progress"}
    item = final["output"][0]
    text = item["content"][0]["text"]
    empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    payloads: list[dict[str, Any]] = [
        {"type": "response.created", "response": queued},
        {"type": "response.queued", "response": queued},
        {"type": "response.in_progress", "response": in_progress},
        {
            "type": "response.output_item.added",
            "item": {**item, "status": "in_progress", "content": []},
            "output_index": 0,
        },
        {"type": "response.content_part.added", **where, "part": empty_part},
    ]
    for word in text.split(" "):
        payloads.append(
            {"type": "response.output_text.delta", **where, "delta": word, "logprobs": [], "obfuscation": "x1Y"}
        )
    payloads += [
        {"type": "response.output_text.done", **where, "logprobs": [], "text": text},
        {"type": "response.content_part.done", **where, "part": item["content"][0]},
        {"type": "response.output_item.done", "item": item, "output_index": 0},
        {"type": "response.completed", "response": final},
    ]
    events = []
    for seq, payload in enumerate(payloads):
        data = json.dumps({**payload, "sequence_number": seq}, separators=(",", ":"))
        events.append(f"event: {payload['type']}\ndata: {data}\n\n".encode())
    return tuple(events)
