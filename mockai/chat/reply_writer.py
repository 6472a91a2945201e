"""Writing a chat reply to the wire: a plan as JSON or as SSE (with its deliberate faults), and
the replies every surface shares through :mod:`mockai.http.reply_writing`.

It decides nothing about *what* is said: that is the plan's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from mockai.chat.render_json import render_completion
from mockai.chat.render_sse import DONE, StreamOptions, error_event, rendered_events
from mockai.chat.rendered import RenderMemos
from mockai.core.plan import ErrorReply, PlannedReply, RawReply, slow_to_render
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error, write_events, write_raw

__all__ = ["write_reply"]


async def write_reply(
    request: web.Request,
    reply: PlannedReply | ErrorReply | RawReply,
    body: dict[str, Any],
    req_id: str,
    tokens_per_chunk: int,
    memos: RenderMemos | None = None,
) -> web.StreamResponse:
    delivery = reply.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:  # the usual reply skips the await
        await before_first_byte(request, delivery)
    if isinstance(reply, ErrorReply):
        return write_error(reply, req_id)
    if isinstance(reply, RawReply):
        return await write_raw(request, reply)
    if body.get("stream"):
        return await _deliver_stream(request, reply, body, req_id, tokens_per_chunk, memos)
    if slow_to_render(reply.plan):  # (other requests are answered meanwhile)
        return _deliver_json(reply, body, req_id, await asyncio.to_thread(render_completion, reply.plan, memos))
    return _deliver_json(reply, body, req_id, render_completion(reply.plan, memos))


def _deliver_json(reply: PlannedReply, body: dict[str, Any], req_id: str, rendered: bytes) -> web.Response:
    plan = reply.plan
    headers = success_headers(req_id, 7 + plan.usage.completion_tokens % 200, plan.usage.total_tokens)
    _image_limits(headers, body)
    headers.update(reply.delivery.headers)
    return web.Response(status=200, body=faulted_body(rendered, reply.delivery.fault), headers=headers)


async def _deliver_stream(
    request: web.Request,
    reply: PlannedReply,
    body: dict[str, Any],
    req_id: str,
    tokens_per_chunk: int,
    memos: RenderMemos | None,
) -> web.StreamResponse:
    plan = reply.plan
    delivery = reply.delivery
    size = delivery.tokens_per_chunk if delivery.tokens_per_chunk > 1 else tokens_per_chunk
    options = StreamOptions.from_request(body, size)
    if slow_to_render(plan):
        events = await asyncio.to_thread(rendered_events, plan, options, memos)
    else:
        events = rendered_events(plan, options, memos)
    headers = success_headers(req_id, 7 + len(events) % 200, plan.usage.total_tokens, stream=True)
    _image_limits(headers, body)
    headers.update(delivery.headers)
    return await write_events(
        request, headers, events, delivery, tail=DONE, failure=lambda error, _: error_event(error) + DONE
    )


_IMAGE_LIMIT = 250_000  # [T:02]: x-ratelimit-limit-input-images 250000, remaining 249999 after one


def _image_limits(headers: CIMultiDict[str], body: dict[str, Any]) -> None:
    """The input-image rate limits a request with images is answered with (api_behaviour §3a:
    "only on requests with image input")."""
    images = 0
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            images += sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image_url")
    if images:
        headers["x-ratelimit-limit-input-images"] = str(_IMAGE_LIMIT)
        headers["x-ratelimit-remaining-input-images"] = str(max(_IMAGE_LIMIT - images, 0))
        headers["x-ratelimit-reset-input-images"] = "0s"
