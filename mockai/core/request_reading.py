"""Reading a chat request: the one place that says what a message's text, a tool's name, a tool
result and the caller's key are.

Pure functions over the parsed JSON body (and the lower-cased headers): no aiohttp, no scenario
code.  The planner, scenario matching and templates and the journal's ``RecordedRequest`` all read
requests through these, so they agree.  The readers are lenient: a value of the wrong type reads as
absent, so they also serve for bodies that were never validated (the journal keeps those too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mockai.core.strict_json import loads_text

__all__ = [
    "ToolResult",
    "bearer_key",
    "content_text",
    "last_user_text",
    "lazy",
    "maybe_json",
    "message_text",
    "sent_key",
    "tool_name",
    "tool_names",
    "tool_results",
    "user_text_and_images",
]

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


# --- text -----------------------------------------------------------------------------------------


def content_text(content: Any) -> str:
    """The text of a message's ``content``: a string as it is; for a list of parts, the ``text`` (or
    ``refusal``) of each part joined by spaces, stripped; anything else is no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_part_text(part) for part in content if isinstance(part, Mapping)).strip()
    return ""


def _part_text(part: Mapping[str, Any]) -> str:
    for key in ("text", "refusal"):
        value = part.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def message_text(message: Any) -> str:
    """The text of a message (see :func:`content_text`); ``""`` for what is not a message."""
    return content_text(message.get("content")) if isinstance(message, Mapping) else ""


def last_user_text(messages: Any) -> str | None:
    """The text of the last ``user`` message, or None when there is none."""
    if isinstance(messages, Sequence) and not isinstance(messages, str):
        for message in reversed(messages):
            if isinstance(message, Mapping) and message.get("role") == "user":
                return message_text(message)
    return None


def user_text_and_images(messages: Any) -> tuple[str, int]:
    """The text of the ``user`` messages, each text part its own line, and how many images they
    hold (``image_url`` parts): what a moderation of a request's input reads, and the images its
    rate limits count (only user messages take images)."""
    texts: list[str] = []
    images = 0
    for message in messages if isinstance(messages, Sequence) and not isinstance(messages, str) else ():
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        content = message.get("content")
        for part in [{"type": "text", "text": content}] if isinstance(content, str) else _list(content):
            if isinstance(part, Mapping) and part.get("type") == "text":
                texts.append(str(part.get("text") or ""))
            elif isinstance(part, Mapping) and part.get("type") == "image_url":
                images += 1
    return "\n".join(texts), images


# --- tools ----------------------------------------------------------------------------------------


def tool_name(tool: Any) -> str | None:
    """The name of a tool of any type, ``{"type": kind, kind: {"name": ...}}``; an entry without the
    inner object (``{"type": "function", "name": ...}``, as ``allowed_tools`` may list) names itself."""
    if not isinstance(tool, Mapping):
        return None
    inner = tool.get(str(tool.get("type", "function")))
    if not isinstance(inner, Mapping):
        inner = tool
    name = inner.get("name")
    return name if isinstance(name, str) else None


def tool_names(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the tools a request offers: its ``tools`` (any type), then its legacy ``functions``."""
    names = [tool_name(tool) for tool in _list(body.get("tools"))]
    names += [f.get("name") for f in _list(body.get("functions")) if isinstance(f, Mapping)]
    return tuple(name for name in names if isinstance(name, str))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- tool results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolResult:
    """What the client sent back for a tool call: a ``role: tool`` message (or a legacy ``role:
    function`` one), with the name and arguments of the call it answers."""

    call_id: str | None  # the message's tool_call_id; None for a legacy function message
    name: str | None  # the tool's name: from the assistant's call with that id, or the function message
    arguments: Any  # that call's arguments, parsed from JSON when they are JSON, else as written
    content: Any  # the message's content as sent: usually a string

    @lazy
    def text(self) -> str:
        """The content's text (see :func:`content_text`)."""
        return content_text(self.content)

    @lazy
    def json(self) -> Any:
        """The text parsed as JSON, or None when it is not JSON (strict JSON: no lone surrogate,
        no nesting too deep to read, so what templates show of it always encodes)."""
        try:
            return loads_text(self.text)
        except ValueError:
            return None


def tool_results(messages: Any) -> tuple[ToolResult, ...]:
    """The tool results of a conversation, in order."""
    calls: dict[str, tuple[str | None, Any]] = {}  # tool call id -> (name, arguments)
    function_calls: dict[str, Any] = {}  # legacy function name -> the last call's arguments
    results: list[ToolResult] = []
    for message in _list(messages):
        if not isinstance(message, Mapping):
            continue
        role = message.get("role")
        if role == "assistant":
            for call in _list(message.get("tool_calls")):
                if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                    calls[call["id"]] = call_name_and_arguments(call)
            function_call = message.get("function_call")
            if isinstance(function_call, Mapping) and isinstance(function_call.get("name"), str):
                function_calls[function_call["name"]] = maybe_json(function_call.get("arguments"))
        elif role == "tool":
            raw_id = message.get("tool_call_id")
            call_id = "" if raw_id is None else str(raw_id)
            name, arguments = calls.get(call_id, (None, None))
            results.append(ToolResult(call_id, name, arguments, message.get("content")))
        elif role == "function":
            name = message.get("name")
            name = name if isinstance(name, str) else None
            arguments = function_calls.get(name) if name is not None else None
            results.append(ToolResult(None, name, arguments, message.get("content")))
    return tuple(results)


def call_name_and_arguments(call: Mapping[str, Any]) -> tuple[str | None, Any]:
    """A tool call of the history: ``{"type": "function", "function": {"name", "arguments"}}`` or
    ``{"type": "custom", "custom": {"name", "input"}}``."""
    inner = call.get(str(call.get("type", "function")))
    if not isinstance(inner, Mapping):
        inner = call.get("function") or call.get("custom")
    if not isinstance(inner, Mapping):
        return None, None
    name = inner.get("name")
    raw = inner.get("arguments", inner.get("input"))
    return (name if isinstance(name, str) else None), maybe_json(raw)


def maybe_json(raw: Any) -> Any:
    """``raw`` parsed when it is JSON text (strictly, as :attr:`ToolResult.json`), else as it is."""
    if isinstance(raw, str):
        try:
            return loads_text(raw)  # strict, as ToolResult.json
        except ValueError:
            return raw
    return raw


# --- the caller -----------------------------------------------------------------------------------


def bearer_key(headers: Mapping[str, str]) -> str:
    """The API key a request was sent with (see :func:`sent_key`), or ``""`` when it sent none."""
    return sent_key(headers) or ""


def sent_key(headers: Mapping[str, str]) -> str | None:
    """The API key a request was sent with, or None when it sent none: the one reading of the
    credential, which the key check (``mockai.http.auth``) and the scenarios both use.

    An ``Authorization`` header decides: ``Bearer KEY`` (scheme in any case, the key stripped) is
    the key, anything else (another scheme, no key) is none.  Without one, the ``api-key`` header
    (Azure-style clients) is the key when it is not blank.  ``headers``: lower-cased names, or a
    case-insensitive mapping.
    """
    header = headers.get("authorization")
    if header is None:
        return headers.get("api-key", "").strip() or None
    scheme, _, key = header.partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None
