"""The parts of a chat request that rule conditions and templates look at, computed once, lazily.

:class:`RequestView` wraps a validated request body: the last user message, the system prompt, the
tools offered, the tool results (with the name of the tool each one answers), the turn number, …
Each is computed on first use and kept, so a request checked against many rules pays once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["MISSING", "RequestView", "ToolResult", "lazy", "message_text"]

MISSING = object()  # a JSON pointer that leads nowhere
T = TypeVar("T")


class lazy(Generic[T]):  # lower case: a decorator, like cached_property
    """``functools.cached_property`` without its lock (Python < 3.12 takes one on every first read)."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__

    def __get__(self, obj: Any, owner: Any = None) -> T:
        value = self.fn(obj)
        obj.__dict__[self.name] = value  # the instance attribute now hides this descriptor
        return value


def message_text(message: Any) -> str:
    """A message's text: its string content, or its text parts joined by spaces."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text") or p.get("refusal") or "") for p in content if isinstance(p, dict)).strip()
    return ""


@dataclass(frozen=True)
class ToolResult:
    """A ``tool`` (or legacy ``function``) message, with the name of the tool it answers."""

    id: str | None
    name: str | None
    content: str

    @lazy
    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    # Templates: {{ tool_result.content }}, {{ tool_result.name }}, {{ tool_result.temperature }}.
    def template_field(self, step: str | int, where: str, text: str) -> Any:
        from mockai.scenarios.templating import TemplateError

        if step in ("content", "name", "id", "json"):
            return {"content": self.content, "name": self.name, "id": self.id, "json": self.json}[step]
        if step == "tool_call_id":
            return self.id
        data = self.json
        if isinstance(data, dict) and step in data:
            return data[step]
        if isinstance(data, list) and isinstance(step, int) and -len(data) <= step < len(data):
            return data[step]
        shown = self.content if len(self.content) <= 80 else self.content[:77] + "..."
        raise TemplateError(f"{text}: {where} has no field {step!r} (its content is {shown!r})")

    def template_text(self) -> str:
        return self.content


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
        for message in reversed(self.messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return message_text(message)
        return None

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
        names = []
        for tool in self.body.get("tools") or ():
            if isinstance(tool, dict):
                kind = tool.get("type", "function")
                inner = tool.get(kind)
                if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                    names.append(inner["name"])
        for function in self.body.get("functions") or ():
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.append(function["name"])
        return tuple(names)

    def tool(self, name: str) -> Mapping[str, Any] | None:
        """The offered tool (or legacy function) called ``name``."""
        for tool in self.body.get("tools") or ():
            if isinstance(tool, dict):
                inner = tool.get(tool.get("type", "function"))
                if isinstance(inner, dict) and inner.get("name") == name:
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
        names: dict[str, str] = {}
        results = []
        for message in self.messages:
            if not isinstance(message, dict):
                continue
            role = message.get("role")
            if role == "assistant":
                for call in message.get("tool_calls") or ():
                    if isinstance(call, dict):
                        inner = call.get(str(call.get("type", "function"))) or call.get("function") or {}
                        if isinstance(inner, dict):
                            names[str(call.get("id"))] = str(inner.get("name"))
            elif role == "tool":
                call_id = message.get("tool_call_id")
                results.append(ToolResult(call_id, names.get(str(call_id)), message_text(message)))
            elif role == "function":
                results.append(ToolResult(None, message.get("name"), message_text(message)))
        return tuple(results)

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
    def turn(self) -> int:
        """The number of user messages so far (1 for the first question)."""
        return sum(1 for m in self.messages if isinstance(m, dict) and m.get("role") == "user")

    def pointer(self, pointer: str) -> Any:
        value: Any = self.body
        for raw in pointer.split("/")[1:]:
            step = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(value, dict) and step in value:
                value = value[step]
            elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
                value = value[int(step)]
            else:
                return MISSING
        return value

    # --- templates -----------------------------------------------------------------------------

    def template_root(self, name: str) -> Any:
        from mockai.scenarios.templating import TemplateError

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
        raise TemplateError(f"unknown template name {name!r}")
