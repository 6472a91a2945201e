"""A reply plan rendered as the real API's ``text/event-stream`` of ``chat.completion.chunk`` events.

Chunk sequence per choice (conformance §7): a role chunk (carrying the first tool call when the
choice opens with one), content / refusal / tool-argument deltas of ``tokens_per_chunk`` tokens,
then, for an answer with search citations, one ``delta: {"annotations": [...]}`` (the stream
schema's delta lists no ``annotations`` but does not close its properties; the SDK's accumulator
merges the key into the message, so the stream adds up to the JSON answer), then ``delta: {}``
with the finish reason.  Choices of ``n > 1`` interleave round-robin, each
opening with its role chunk and first delta together, and all finish chunks come last.  With
``include_usage`` every chunk has ``"usage": null`` and a last chunk with ``"choices": []`` carries
the usage; ``obfuscation`` (default on) is the last key of every chunk.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any

from mockai.chat.audio_output import audio_event_count, audio_events
from mockai.chat.rendered import RenderMemos
from mockai.core.errors import APIError
from mockai.core.plan import ChoicePlan, ReplyPlan, TokenLogprob, ToolCallPlan
from mockai.core.records import record

__all__ = [
    "DONE",
    "StreamOptions",
    "chunk_dicts",
    "encode_event",
    "error_event",
    "event_count",
    "rendered_events",
    "stream_events",
]

DONE = b"data: [DONE]\n\n"
_OBFUSCATION_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@record
class StreamOptions:
    include_usage: bool = False
    include_obfuscation: bool = True
    tokens_per_chunk: int = 1
    want_logprobs: bool = False

    @classmethod
    def from_request(cls, body: dict[str, Any], tokens_per_chunk: int = 1) -> StreamOptions:
        opts = body.get("stream_options") or {}
        return cls(
            include_usage=bool(opts.get("include_usage")),
            include_obfuscation=opts.get("include_obfuscation", True) is not False,
            tokens_per_chunk=max(1, tokens_per_chunk),
            want_logprobs=bool(body.get("logprobs")),
        )


def _groups(tokens: tuple[str, ...], size: int) -> Iterator[tuple[str, ...]]:
    for start in range(0, len(tokens), size):
        yield tokens[start : start + size]


def _lp(entries: tuple[TokenLogprob, ...] | None, start: int, count: int) -> list[dict[str, Any]]:
    return [e.to_dict() for e in (entries or ())[start : start + count]]


def _open_call(index: int, call: ToolCallPlan) -> dict[str, Any]:
    if call.kind == "custom":
        return {"index": index, "id": call.id, "type": "custom", "custom": {"name": call.name, "input": ""}}
    return {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}


def _call_fragment(index: int, call: ToolCallPlan, fragment: str) -> dict[str, Any]:
    if call.kind == "custom":
        return {"index": index, "custom": {"input": fragment}}
    return {"index": index, "function": {"arguments": fragment}}


def _choice_events(choice: ChoicePlan, opts: StreamOptions) -> list[tuple[dict[str, Any], Any, Any]]:
    """(delta, logprobs, finish_reason) for one choice, in order."""
    size = opts.tokens_per_chunk
    if choice.audio is not None:  # a spoken answer (mockai.chat.audio_output)
        return audio_events(choice.audio, choice.finish_reason, size)
    lp_on = opts.want_logprobs and choice.logprobs is not None
    events: list[tuple[dict[str, Any], Any, Any]] = []
    calls = choice.tool_calls
    text_first = choice.content_tokens is not None and (choice.content_tokens or not calls)
    if choice.refusal_tokens is not None and choice.content_tokens is None:
        role = {"role": "assistant", "content": None, "refusal": ""}
        events.append((role, {"content": None, "refusal": []} if lp_on else None, None))
        pos = 0
        for group in _groups(choice.refusal_tokens, size):
            lp = {"content": None, "refusal": _lp(choice.logprobs, pos, len(group))} if lp_on else None
            events.append(({"refusal": "".join(group)}, lp, None))
            pos += len(group)
    elif text_first or (not calls and choice.function_call is None):
        role = {"role": "assistant", "content": "", "refusal": None}
        events.append((role, {"content": [], "refusal": None} if lp_on else None, None))
        pos = 0
        for group in _groups(choice.content_tokens or (), size):
            lp = {"content": _lp(choice.logprobs, pos, len(group)), "refusal": None} if lp_on else None
            events.append(({"content": "".join(group)}, lp, None))
            pos += len(group)
    elif calls:
        opened: dict[str, Any] = {"role": "assistant", "content": None}
        opened["tool_calls"] = [_open_call(0, calls[0])]
        opened["refusal"] = None
        events.append((opened, None, None))
    else:
        assert choice.function_call is not None
        fc = {"name": choice.function_call.name, "arguments": ""}
        events.append(({"role": "assistant", "content": None, "function_call": fc, "refusal": None}, None, None))
    for j, call in enumerate(calls):
        if j > 0 or text_first:
            events.append(({"tool_calls": [_open_call(j, call)]}, None, None))
        for group in _groups(call.argument_tokens, size):
            events.append(({"tool_calls": [_call_fragment(j, call, "".join(group))]}, None, None))
    if choice.function_call is not None:
        for group in _groups(choice.function_call.argument_tokens, size):
            events.append(({"function_call": {"arguments": "".join(group)}}, None, None))
    if choice.annotations:  # after the text they point into, before the finish chunk
        events.append(({"annotations": [note.to_dict() for note in choice.annotations]}, None, None))
    events.append(({}, None, choice.finish_reason))
    return events


def event_count(plan: ReplyPlan, opts: StreamOptions) -> int:
    """How many events :func:`rendered_events` gives for ``plan``, counted from the plan alone
    (a latency profile times each event without rendering the stream)."""
    total = sum(_choice_event_count(choice, opts.tokens_per_chunk) for choice in plan.choices)
    return total + (1 if opts.include_usage else 0) + (1 if plan.moderation is not None else 0)


def _choice_event_count(choice: ChoicePlan, size: int) -> int:
    """``len(_choice_events(choice, opts))``, branch for branch."""
    if choice.audio is not None:
        return audio_event_count(choice.audio, choice.finish_reason, size)

    def groups(tokens: tuple[str, ...] | None) -> int:
        return -(-len(tokens or ()) // size)

    calls = choice.tool_calls
    text_first = choice.content_tokens is not None and bool(choice.content_tokens or not calls)
    count = 2 + int(bool(choice.annotations))  # the opening (role) event, [annotations], the finish event
    if choice.refusal_tokens is not None and choice.content_tokens is None:
        count += groups(choice.refusal_tokens)
    elif text_first or (not calls and choice.function_call is None):
        count += groups(choice.content_tokens)
    for j, call in enumerate(calls):
        count += int(j > 0 or text_first) + groups(call.argument_tokens)
    if choice.function_call is not None:
        count += groups(choice.function_call.argument_tokens)
    return count


def chunk_dicts(plan: ReplyPlan, opts: StreamOptions) -> list[dict[str, Any]]:
    """Every chunk of the stream, in order, as dicts with keys in the real order."""
    obfuscation = random.Random(plan.obfuscation_seed)
    return [_chunk(plan, part, opts, obfuscation) for part in _chunk_parts(plan, opts)]


# A chunk's own part: its choices, its usage (the last, with include_usage), its moderation (the
# moderation chunk, when moderated completions are asked: after the finish chunks).
_Part = tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, Any] | None]


def _chunk_parts(plan: ReplyPlan, opts: StreamOptions) -> Iterator[_Part]:
    """What differs from chunk to chunk: its ``choices``, usage and moderation."""
    spoken = {c.index for c in plan.choices if c.audio is not None}
    for index, (delta, logprobs, finish) in _interleaved(plan, opts):
        choice: dict[str, Any] = {"index": index, "delta": delta}
        if not plan.omit_logprobs_key and index not in spoken:  # recorded audio chunks have no logprobs
            choice["logprobs"] = logprobs
        choice["finish_reason"] = finish
        yield [choice], None, None
    if plan.moderation is not None:
        yield [], None, plan.moderation
    if opts.include_usage:
        yield [], plan.usage.to_dict(), None


def _interleaved(plan: ReplyPlan, opts: StreamOptions) -> Iterator[tuple[int, tuple[dict[str, Any], Any, Any]]]:
    """Every choice's events in the real order (recording 09, ``n: 2``): round-robin over the
    choices, a choice's first turn being its role chunk with its first delta; then every choice's
    finish chunk, by index."""
    per_choice = [_choice_events(choice, opts) for choice in plan.choices]
    turns: list[list[list[tuple[dict[str, Any], Any, Any]]]] = []
    for events in per_choice:
        body = events[:-1]
        turns.append([body[:2]] + [[event] for event in body[2:]] if body else [])
    for step in range(max((len(t) for t in turns), default=0)):
        for choice, choice_turns in zip(plan.choices, turns, strict=True):
            if step < len(choice_turns):
                for event in choice_turns[step]:
                    yield choice.index, event
    for choice, events in zip(plan.choices, per_choice, strict=True):
        yield choice.index, events[-1]


def _head(plan: ReplyPlan) -> dict[str, Any]:
    """The fields every chunk of a stream repeats, in the real order (``choices`` comes next)."""
    return {
        "id": plan.id,
        "object": "chat.completion.chunk",
        "created": plan.created,
        "model": plan.model,
        "service_tier": plan.service_tier,
        "system_fingerprint": plan.system_fingerprint,
    }


def _chunk(plan: ReplyPlan, part: _Part, opts: StreamOptions, obfuscation: random.Random) -> dict[str, Any]:
    choices, usage, moderation = part
    chunk = _head(plan)
    chunk["choices"] = choices
    if moderation is not None:
        chunk["moderation"] = moderation
    if opts.include_usage:
        chunk["usage"] = usage
    if opts.include_obfuscation:
        chunk["obfuscation"] = _obfuscation(obfuscation)
    return chunk


def _obfuscation(rng: random.Random) -> str:
    """``randrange(16)`` characters, each ``choice(alphabet)``, drawn as :mod:`random` draws them
    (rejection sampling on ``getrandbits``), without its per-call overhead."""
    bits = rng.getrandbits
    length = bits(5)
    while length >= 16:
        length = bits(5)
    chars = []
    for _ in range(length):
        r = bits(6)
        while r >= 62:
            r = bits(6)
        chars.append(_OBFUSCATION_ALPHABET[r])
    return "".join(chars)


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_escaped = encode_basestring  # what _compact writes for a string (ensure_ascii=False)


def encode_event(payload: dict[str, Any]) -> bytes:
    """``data: <compact JSON>\\n\\n``: no ``event:`` lines, no comments, no CR."""
    return b"data: " + _compact(payload).encode() + b"\n\n"


def _encoded_events(plan: ReplyPlan, opts: StreamOptions) -> tuple[bytes, ...]:
    """``encode_event(chunk)`` for every chunk of :func:`chunk_dicts`, in one pass: the fields
    every chunk repeats are encoded once (the compact encoder writes a dict's items one after
    the other, so a chunk's text is the head's text, then its own items), and no chunk dict is
    built.  The obfuscation alphabet needs no escaping."""
    head = _compact(_head(plan))[:-1] + ',"choices":'
    obfuscation = random.Random(plan.obfuscation_seed) if opts.include_obfuscation else None
    usage_on = opts.include_usage
    events = []
    for choices, usage, moderation in _chunk_parts(plan, opts):
        text = head + _choices_json(choices)
        if moderation is not None:
            text += ',"moderation":' + _compact(moderation)
        if usage_on:
            text += ',"usage":' + _compact(usage)
        if obfuscation is not None:
            text += ',"obfuscation":"' + _obfuscation(obfuscation) + '"'
        events.append(b"data: " + text.encode() + b"}\n\n")
    return tuple(events)


def _choices_json(choices: list[dict[str, Any]]) -> str:
    """``_compact(choices)``; a plain text delta (most of a stream's events) written from a template:
    ``{"index", "delta": {"content"}, ["logprobs": null], "finish_reason": null}``, keys in that
    order as :func:`_chunk_parts` builds them, the text escaped by the encoder's own function."""
    if len(choices) == 1:
        choice = choices[0]
        delta = choice["delta"]
        content = delta.get("content")
        if type(content) is str and len(delta) == 1 and choice["finish_reason"] is None:
            start = f'[{{"index":{int(choice["index"])},"delta":{{"content":{_escaped(content)}}}'
            if len(choice) == 4 and choice.get("logprobs", 0) is None:
                return start + ',"logprobs":null,"finish_reason":null}]'
            if len(choice) == 3 and "logprobs" not in choice:
                return start + ',"finish_reason":null}]'
    return _compact(choices)


def rendered_events(plan: ReplyPlan, opts: StreamOptions, memos: RenderMemos | None = None) -> tuple[bytes, ...]:
    """The stream's events as bytes, without the final ``[DONE]``; from ``memos`` when they hold it."""
    if memos is None:
        return _encoded_events(plan, opts)
    key = (id(plan), opts.include_usage, opts.include_obfuscation, opts.tokens_per_chunk, opts.want_logprobs)
    hit = memos.events.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    events = _encoded_events(plan, opts)
    memos.events.put(key, (plan, events))
    return events


def stream_events(plan: ReplyPlan, opts: StreamOptions) -> list[bytes]:
    """The stream's events as bytes, without the final ``[DONE]``."""
    return list(rendered_events(plan, opts))


def error_event(error: APIError) -> bytes:
    """An error after the 200 was sent: a ``data:`` event with a top-level ``error`` (§7)."""
    return encode_event({"error": error.to_dict()})
