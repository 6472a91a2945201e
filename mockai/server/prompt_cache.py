"""Prompt caching, as one server sees it: a repeated long prompt prefix reports cached tokens.

The real API caches a prompt's prefix once it is 1,024 tokens or longer and reports
``usage.prompt_tokens_details.cached_tokens`` in steps of 128 (1,024, 1,152, …) when a later
request starts with the same prefix.  mockai keeps the prefixes it has seen **per server** (this
state lives in :class:`~mockai.server.state.ServerState` and ``POST /_mockai/reset`` forgets it):
the prefix is counted whole segment by whole segment (the offered tools, then each message), so
a prompt that repeats a long system message and changes the user message hits the cache for the
tools and the system message.  The planner is told the number; it stays a pure function of it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from mockai.core.json_text import canonical_bytes
from mockai.core.records import record
from mockai.generate.tokenizer import message_tokens, offered_tools_tokens, prompt_tokens_from

__all__ = ["MIN_CACHED", "STEP", "PromptCache", "PromptPrefixes", "cached_steps"]

MIN_CACHED = 1024
STEP = 128
_CAPACITY = 4096  # prefixes remembered; the oldest are forgotten first


@record
class PromptPrefixes:
    """A prompt's prefixes: for each segment, a digest of everything up to its end and the tokens
    it holds.  Empty when the whole prompt is shorter than :data:`MIN_CACHED`.  ``tokens``: the
    prompt's tokens (``count_prompt_tokens``) when they were counted here, for the planner not to
    tokenize the prompt again; ``None`` when a short prompt was told short without counting."""

    keys: tuple[bytes, ...] = ()
    ends: tuple[int, ...] = ()
    tokens: int | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> PromptPrefixes:
        model = str(body.get("model", ""))
        tools, functions = body.get("tools"), body.get("functions")
        sent = body.get("messages") or ()
        messages = [m for m in sent if isinstance(m, Mapping)]
        if not tools and not functions and _surely_short(messages):
            return cls()
        counts = [offered_tools_tokens(tools, functions), *(message_tokens(m, model) for m in messages)]
        tokens = prompt_tokens_from(counts) if len(messages) == len(sent) else None
        if sum(counts) < MIN_CACHED:
            return cls(tokens=tokens)
        keys, ends = [], []
        digest, end = hashlib.blake2b(model.encode(), digest_size=16).digest(), 0
        for segment, count in zip([[tools, functions], *messages], counts, strict=True):
            try:
                text = canonical_bytes(segment)
            except (RecursionError, TypeError, ValueError):
                break
            digest = hashlib.blake2b(text, key=digest, digest_size=16).digest()
            end += count
            keys.append(digest)
            ends.append(end)
        return cls(tuple(keys), tuple(ends), tokens)


# A message's tokens beyond its text: the per-message overhead and a name (generate.tokenizer).
_MESSAGE_OVERHEAD = 4


def _surely_short(messages: list[Mapping[str, Any]]) -> bool:
    """Whether messages of plain text (no tool calls, no content parts) hold fewer than
    :data:`MIN_CACHED` tokens, told without tokenizing them: every token of the tokenizer is at
    least one character, so a message holds at most its text's length plus its overhead.  A
    typical load-test prompt is far below; only a prompt that may reach it is tokenized."""
    bound = 0
    for message in messages:
        content = message.get("content")
        if message.get("tool_calls") or message.get("function_call") or not isinstance(content, (str, type(None))):
            return False
        bound += _MESSAGE_OVERHEAD + (len(content) if content else 0)
    return bound < MIN_CACHED


def cached_steps(tokens: int) -> int:
    """``tokens`` of a matched prefix as the real API reports them: 0 below 1,024, else 1,024 plus
    whole steps of 128."""
    return 0 if tokens < MIN_CACHED else MIN_CACHED + (tokens - MIN_CACHED) // STEP * STEP


class PromptCache:
    """The prefixes one server has seen."""

    def __init__(self, capacity: int = _CAPACITY) -> None:
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._capacity = capacity

    def see(self, prefixes: PromptPrefixes) -> int:
        """The cached tokens of a request with ``prefixes``, then remember its prefixes."""
        matched = 0
        for key, end in zip(prefixes.keys, prefixes.ends, strict=True):
            if key in self._seen:
                matched = end
                self._seen.move_to_end(key)
        for key in prefixes.keys:
            self._seen[key] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return cached_steps(matched)

    def clear(self) -> None:
        self._seen.clear()
