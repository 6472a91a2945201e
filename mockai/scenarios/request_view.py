"""The parts of a chat request that rule conditions and templates look at, computed once, lazily.

:class:`RequestView` wraps a validated request body: the last user message, the system prompt, the
tools offered, the tool results (with the name of the tool each one answers), the turn number, …
Each is computed on first use and kept, so a request checked against many rules pays once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockai.core import request_reading as reading
from mockai.core.json_pointer import resolve_pointer
from mockai.core.request_reading import ToolResult, lazy, message_text
from mockai.scenarios.templating import TemplateError

__all__ = ["MISSING", "RequestView"]

MISSING = object()  # a JSON pointer that leads nowhere


class RequestView:
    """The parts of a chat request that conditions and templates use, computed on first use."""

    def __init__(self, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> None:
        self.body = body
        self.headers = headers or {}
        self.model: str = str(body.get("model", ""))
        self.stream: bool = bool(body.get("stream"))
        messages = body.get("messages")
        self.messages: Sequence[Any] = messages if isinstance(messages, list) else ()

    @lazy
    def last_user(self) -> str | None:
        return reading.last_user_text(self.messages)

    @lazy
    def last_user_lower(self) -> str:
        return (self.last_user or "").lower()

    @lazy
    def system(self) -> str | None:
        texts = [
            message_text(m) for m in self.messages if isinstance(m, dict) and m.get("role") in ("system", "developer")
        ]
        return "\n".join(texts) if texts else None

    @lazy
    def last_role(self) -> str | None:
        last = self.messages[-1] if self.messages else None
        return str(last.get("role")) if isinstance(last, dict) else None

    @lazy
    def tool_names(self) -> tuple[str, ...]:
        return reading.tool_names(self.body)

    def tool(self, name: str) -> Mapping[str, Any] | None:
        """The offered tool (or legacy function) called ``name``."""
        for tool in self.body.get("tools") or ():
            if isinstance(tool, dict) and reading.tool_name(tool) == name:
                return tool
        for function in self.body.get("functions") or ():
            if isinstance(function, dict) and function.get("name") == name:
                return {"type": "function", "function": function}
        return None

    @lazy
    def tool_choice(self) -> str:
        choice = self.body.get("tool_choice")
        if choice is None:
            return "auto" if self.body.get("tools") else "none"
        if isinstance(choice, str):
            return choice
        if isinstance(choice, dict):
            inner = choice.get(str(choice.get("type")))
            if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                return str(inner["name"])
            if choice.get("type") == "allowed_tools":
                return str((choice.get("allowed_tools") or {}).get("mode", "auto"))
        return "auto"

    @lazy
    def tool_results(self) -> tuple[ToolResult, ...]:
        return reading.tool_results(self.messages)

    @lazy
    def response_format(self) -> str:
        fmt = self.body.get("response_format")
        return str(fmt.get("type", "text")) if isinstance(fmt, dict) else "text"

    @lazy
    def schema_name(self) -> str | None:
        fmt = self.body.get("response_format")
        if isinstance(fmt, dict) and isinstance(fmt.get("json_schema"), dict):
            name = fmt["json_schema"].get("name")
            return name if isinstance(name, str) else None
        return None

    @lazy
    def response_schema(self) -> Any:
        fmt = self.body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            return (fmt.get("json_schema") or {}).get("schema", MISSING)
        return MISSING

    @lazy
    def inputs(self) -> tuple[str | None, ...]:
        """Embeddings and moderations: the text of each input, in order (None: token ids).  An
        array of moderation parts is one input: its texts, one a line."""
        value = self.body.get("input")
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not value:
            return ()
        if all(isinstance(item, dict) for item in value):
            texts = [str(part.get("text")) for part in value if part.get("type") == "text"]
            return ("\n".join(texts),)
        if all(isinstance(item, int) for item in value):
            return (None,)
        return tuple(item if isinstance(item, str) else None for item in value)

    @lazy
    def turn(self) -> int:
        """The number of user messages so far (1 for the first question)."""
        return sum(1 for m in self.messages if isinstance(m, dict) and m.get("role") == "user")

    def pointer(self, pointer: str) -> Any:
        """The value at a JSON pointer into the body, or :data:`MISSING`."""
        try:
            return resolve_pointer(self.body, pointer)
        except LookupError:
            return MISSING

    # --- templates -----------------------------------------------------------------------------

    def template_root(self, name: str) -> Any:
        if name == "model":
            return self.model
        if name == "last_user_message":
            return self.last_user or ""
        if name == "system":
            return self.system or ""
        if name == "turn":
            return self.turn
        if name == "messages":
            return [dict(m, content=message_text(m)) if isinstance(m, dict) else m for m in self.messages]
        if name == "tool_results":
            return list(self.tool_results)
        if name == "tool_result":
            if not self.tool_results:
                raise TemplateError("{{ tool_result }}: the request has no tool result (no role: tool message)")
            return self.tool_results[-1]
        if name == "body":
            return self.body
        if name == "input":
            return next((text for text in self.inputs if text is not None), "")
        raise TemplateError(f"unknown template name {name!r}")
