"""What a stored completion is, and how one is made from a request and its reply.

Pure data: no aiohttp, no storage.  :mod:`mockai.chat.store.memory` and :mod:`mockai.chat.store.sqlite` keep
:class:`StoredCompletion` objects; :mod:`mockai.chat.store.routes` serves them.

A stored completion is the ``chat.completion`` object exactly as it was returned on create, then
the request fields the stored-completions API adds (``request_id``, ``seed``, ``temperature``,
``top_p``, ``presence_penalty``, ``frequency_penalty``, ``input_user``, ``tool_choice``, ``tools``,
``response_format``; conformance §6), then ``metadata``.  Its messages are the request's messages,
with ids ``<completion_id>-<index>`` (conformance §5).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from mockai.chat.render_json import completion_dict
from mockai.core.plan import PlannedReply, RawReply, Reply
from mockai.http.headers import request_id

__all__ = [
    "CompletionStore",
    "ListQuery",
    "Page",
    "StoredCompletion",
    "UnknownCursor",
    "derived_id",
    "record_for",
    "stored_messages",
]

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Request fields a stored completion carries, with the value shown when the request left them out.
_REQUEST_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("seed", "seed", None),
    ("temperature", "temperature", 1.0),
    ("top_p", "top_p", 1.0),
    ("presence_penalty", "presence_penalty", 0.0),
    ("frequency_penalty", "frequency_penalty", 0.0),
    ("input_user", "user", None),
    ("tool_choice", "tool_choice", None),
    ("tools", "tools", None),
    ("response_format", "response_format", None),
)
# Content parts a stored message can show (the rest, e.g. audio and files, are left out).
_SHOWN_PARTS = ("text", "image_url")


@dataclass(frozen=True)
class StoredCompletion:
    id: str
    # The resolved model (as in the completion) and the model the request named.
    model: str
    requested_model: str
    metadata: dict[str, str]
    # The completion as retrieved, without ``metadata`` (added by :meth:`to_dict`).
    completion: dict[str, Any]
    messages: list[dict[str, Any]]
    # Position in storage order; assigned by the store.
    seq: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {**self.completion, "metadata": dict(self.metadata)}

    def with_id(self, new_id: str) -> StoredCompletion:
        """The same completion under another id (its messages' ids follow)."""
        messages = [{**m, "id": f"{new_id}-{i}"} for i, m in enumerate(self.messages)]
        return replace(self, id=new_id, completion={**self.completion, "id": new_id}, messages=messages)


@dataclass(frozen=True)
class ListQuery:
    after: str | None = None
    limit: int = 20
    order: Literal["asc", "desc"] = "asc"
    model: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def matches(self, record: StoredCompletion) -> bool:
        if self.model is not None and self.model not in (record.model, record.requested_model):
            return False
        return all(record.metadata.get(k) == v for k, v in self.metadata.items())


@dataclass(frozen=True)
class Page:
    items: list[StoredCompletion]
    has_more: bool


class UnknownCursor(LookupError):
    """``after`` names a completion this store never held."""


class CompletionStore(Protocol):
    """Where stored completions live: in memory (default) or in a SQLite file."""

    def add(self, record: StoredCompletion, *, fresh_id: bool) -> StoredCompletion:
        """Keep ``record`` as the newest; return it as kept.

        ``fresh_id``: when the id is taken, keep it under the first free :func:`derived_id`
        instead; otherwise replace the completion that had the id.  The oldest completions are
        evicted beyond the store's cap.
        """
        ...

    def id_for(self, base: str) -> str:
        """The id a new completion whose reply would have ``base`` is stored (and answered) under:
        ``base`` when no stored completion has it, else the first free :func:`derived_id` of it."""
        ...

    def get(self, completion_id: str) -> StoredCompletion | None: ...

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None: ...

    def delete(self, completion_id: str) -> bool: ...

    def page(self, query: ListQuery) -> Page:
        """One page in storage order; raises :class:`UnknownCursor` for an unknown ``after``.

        A cursor that was deleted or evicted still marks its place, so that deleting every item
        while paging through a list works.
        """
        ...

    def clear(self) -> None: ...

    def close(self) -> None:
        """Let go of what the store holds open (a SQLite connection); it is not used after."""
        ...

    def __len__(self) -> int: ...


def derived_id(base: str, n: int) -> str:
    """The id of the ``n``-th stored completion (n ≥ 2) whose reply had the id ``base``."""
    digest = hashlib.blake2b(f"{base}\x00{n}".encode(), digest_size=64).digest()
    return "chatcmpl-" + "".join(_ALNUM[b % 62] for b in digest[:29])


def stored_messages(completion_id: str, messages: Sequence[Any]) -> list[dict[str, Any]]:
    """The request's messages as the ``/messages`` endpoint lists them."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        parts: list[dict[str, Any]] | None = None
        if isinstance(content, list):
            parts = [dict(p) for p in content if isinstance(p, Mapping) and p.get("type") in _SHOWN_PARTS]
            texts = [str(p.get("text", "")) for p in parts if p.get("type") == "text"]
            content = "\n".join(texts) if texts else None
        refusal = message.get("refusal")
        entry: dict[str, Any] = {
            "id": f"{completion_id}-{index}",
            "role": message.get("role"),
            "content": content if isinstance(content, str) else None,
            "refusal": refusal if isinstance(refusal, str) else None,
            "name": message.get("name"),
            "content_parts": parts,
        }
        for key in ("tool_calls", "function_call", "tool_call_id"):
            if message.get(key) is not None:
                entry[key] = message[key]
        out.append(entry)
    return out


def record_for(method: str, path: str, raw: bytes, body: Mapping[str, Any], reply: Reply) -> StoredCompletion | None:
    """What ``store: true`` keeps for this reply; None when there is no completion to keep."""
    completion = _completion_of(reply)
    if completion is None or not isinstance(completion.get("id"), str):
        return None
    completion = dict(completion)
    completion["request_id"] = request_id(method.encode() + path.encode() + raw)
    for name, key, default in _REQUEST_FIELDS:
        value = body.get(key)
        completion[name] = default if value is None else value
    metadata = body.get("metadata")
    cid = completion["id"]
    return StoredCompletion(
        id=cid,
        model=str(completion.get("model", "")),
        requested_model=str(body.get("model", "")),
        metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
        completion=completion,
        messages=stored_messages(cid, body.get("messages") or ()),
    )


def _completion_of(reply: Reply) -> dict[str, Any] | None:
    if isinstance(reply, PlannedReply):
        return completion_dict(reply.plan)
    if isinstance(reply, RawReply) and reply.status == 200:
        if reply.events is not None:
            return assemble_stream(event for _, event in reply.events)
        try:
            loaded = json.loads(reply.body)
        except ValueError:
            return None
        if isinstance(loaded, dict) and loaded.get("object") == "chat.completion":
            return loaded
    return None


# --- a recorded stream, put back together ------------------------------------------------------

_EVENT_SEPARATOR = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def assemble_stream(events: Iterable[bytes]) -> dict[str, Any] | None:
    """The ``chat.completion`` a recorded ``chat.completion.chunk`` stream adds up to, or None."""
    chunks: list[dict[str, Any]] = []
    for block in _EVENT_SEPARATOR.split(b"".join(events)):
        lines = [line[5:].lstrip(b" ") for line in block.splitlines() if line.startswith(b"data:")]
        data = b"\n".join(lines)
        if not data or data.startswith(b"[DONE]"):
            continue
        try:
            chunk = json.loads(data)
        except ValueError:
            return None
        if not isinstance(chunk, dict) or chunk.get("object") != "chat.completion.chunk":
            return None  # an error event, or not a chat stream
        chunks.append(chunk)
    if not chunks:
        return None
    choices: dict[int, _ChoiceSum] = {}
    usage = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index", 0))
            choices.setdefault(index, _ChoiceSum("logprobs" in choice)).add(choice)
    first = chunks[0]
    completion: dict[str, Any] = {
        "id": first.get("id"),
        "object": "chat.completion",
        "created": first.get("created"),
        "model": first.get("model"),
        "choices": [choices[i].to_dict(i) for i in sorted(choices)],
    }
    if usage is not None:
        completion["usage"] = usage
    for key in ("service_tier", "system_fingerprint"):
        if key in first:
            completion[key] = first[key]
    return completion


class _ChoiceSum:
    """One choice of a stream, summed over its deltas."""

    def __init__(self, has_logprobs_key: bool) -> None:
        self.has_logprobs_key = has_logprobs_key
        self.content: str | None = None
        self.refusal: str | None = None
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.function_call: dict[str, str] | None = None
        self.logprobs: dict[str, list[Any] | None] | None = None
        self.finish_reason: str | None = None
        self.annotations: list[Any] = []

    def add(self, choice: Mapping[str, Any]) -> None:
        delta = choice.get("delta") or {}
        if isinstance(delta.get("annotations"), list):  # search models' url_citation annotations
            self.annotations.extend(delta["annotations"])
        if isinstance(delta.get("content"), str):
            self.content = (self.content or "") + delta["content"]
        if isinstance(delta.get("refusal"), str):
            self.refusal = (self.refusal or "") + delta["refusal"]
        for call in delta.get("tool_calls") or ():
            slot = self.tool_calls.setdefault(
                int(call.get("index", 0)), {"id": call.get("id"), "type": call.get("type", "function")}
            )
            kind = slot["type"]
            inner = call.get(kind) or {}
            target = slot.setdefault(kind, {"name": "", "input" if kind == "custom" else "arguments": ""})
            for key, value in inner.items():
                target[key] = (target.get(key) or "") + value if key in ("arguments", "input") else value
        if isinstance(delta.get("function_call"), Mapping):
            fc = self.function_call or {"name": "", "arguments": ""}
            fc["name"] = delta["function_call"].get("name") or fc["name"]
            fc["arguments"] += delta["function_call"].get("arguments") or ""
            self.function_call = fc
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, Mapping):
            summed = self.logprobs or {"content": None, "refusal": None}
            for key in ("content", "refusal"):
                if isinstance(logprobs.get(key), list):
                    summed[key] = [*(summed[key] or []), *logprobs[key]]
            self.logprobs = summed
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]

    def to_dict(self, index: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        if self.function_call is not None:
            message["function_call"] = self.function_call
        message["refusal"] = self.refusal
        message["annotations"] = self.annotations
        entry: dict[str, Any] = {"index": index, "message": message}
        if self.has_logprobs_key:
            entry["logprobs"] = self.logprobs
        entry["finish_reason"] = self.finish_reason
        return entry
