"""``truncation: "auto"``: a conversation longer than the model's context window loses its oldest
items instead of failing.

The real API: "If the input to this Response exceeds the model's context window size, the model
will truncate the response to fit the context window by dropping items from the beginning of the
conversation" (``CreateResponse.truncation``); with ``"disabled"`` (the default) the request fails
with the 400 ``context_length_exceeded``.  Applied to the chat view (the messages every reply
source reads, :mod:`mockai.responses.chat_view`): the ``instructions`` stay, the oldest messages go
(with the tool results that answered a dropped call), the last message always stays; what still
does not fit is the same 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockai.core.model_capabilities import capabilities
from mockai.generate.tokenizer import message_tokens, offered_tools_tokens, prompt_tokens_from

__all__ = ["truncated"]


def truncated(view: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """``view`` (the chat view of ``body``) with its oldest messages dropped until it fits the
    model's context window, when ``body`` asks for ``truncation: "auto"``; else ``view`` itself."""
    if body.get("truncation") != "auto":
        return view
    messages: list[dict[str, Any]] = view["messages"]
    window = capabilities(str(body.get("model", ""))).context_window
    requested = view.get("max_completion_tokens") or 0
    chars = sum(len(str(m.get("content") or "")) + len(str(m.get("tool_calls") or "")) + 8 for m in messages)
    if chars + len(str(view.get("tools") or "")) + requested <= window // 2:  # fits for sure (as chat's check)
        return view
    shares = [message_tokens(message, str(body.get("model", ""))) for message in messages]
    tools = offered_tools_tokens(view.get("tools"))
    total = prompt_tokens_from([tools, *shares])
    kept = 1 if isinstance(body.get("instructions"), str) and body["instructions"] else 0
    first = kept  # the oldest message still kept after the instructions
    while total + requested > window and len(messages) - first > 1:
        total -= shares[first]
        first += 1
        while first < len(messages) - 1 and messages[first].get("role") == "tool":  # its call is gone
            total -= shares[first]
            first += 1
    if first == kept:
        return view
    return {**view, "messages": messages[:kept] + messages[first:]}
