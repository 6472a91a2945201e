"""A :class:`~mockai.responses.planner.ResponsePlan` as the real API's stream of semantic events.

Every message is ``event: <type>`` then ``data: <compact JSON>`` and a blank line; no ``[DONE]``
(api_behaviour §4a).  Payload keys: ``type`` first, then alphabetically (the 2026 order, §4b);
``sequence_number`` runs 0…n-1.  The sequence (§4c): ``response.created`` (for a background
response: created ``queued``, then ``response.queued``), ``response.in_progress``, then per output
item ``output_item.added`` … ``output_item.done`` (reasoning: its summary part and deltas;
message: its content part and text or refusal deltas; function call: argument deltas), then
``response.completed`` (or ``response.incomplete``).
Text and argument deltas carry ``obfuscation`` (padding each event to 16 characters of delta plus
padding, as recorded) unless ``stream_options.include_obfuscation`` is false; text events carry
``logprobs: []``.  The final event's ``response`` is the non-stream body without ``billing``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from json.encoder import encode_basestring as _escaped  # the C implementation when available
from typing import Any

from mockai.core.errors import APIError
from mockai.core.json_text import compact_bytes
from mockai.responses.planner import CallItem, MessageItem, OutputItem, ReasoningItem, ResponsePlan
from mockai.responses.render_json import FAILED, QUEUED, RUNNING, item_dict, response_dict, text_part, token_logprobs

__all__ = ["encode_event", "error_events", "event_dicts", "event_tokens", "rendered_events"]

_PADDED = 16  # characters of delta plus obfuscation, in every recorded delta
_TEXT_DELTA = "response.output_text.delta"
_TEXT_DELTA_HEAD = (
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","content_index":0,"delta":'
)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"  # (62: getrandbits(6) below 62)


class _Events:
    """Builds the payloads in order, numbering them; ``encoded``: as their bytes
    (:func:`encode_event`), a plain text delta written from a template."""

    def __init__(self, plan: ResponsePlan, obfuscate: bool, *, encoded: bool = False) -> None:
        self.out: list[Any] = []  # payloads, or their bytes when encoded
        self.rng = random.Random(plan.obfuscation_seed) if obfuscate else None
        self.encoded = encoded

    def add(self, kind: str, **fields: Any) -> None:
        fields["sequence_number"] = len(self.out)
        payload: dict[str, Any] = {"type": kind}
        for key in sorted(fields):
            payload[key] = fields[key]
        self.out.append(encode_event(payload) if self.encoded else payload)

    def text_delta(self, delta: str, item_id: str, index: int, item_json: bytes) -> None:
        """A ``response.output_text.delta`` without logprobs: ``add``'s payload, or, encoded, its
        bytes from a template (keys in the order ``add`` sorts them, ``item_json`` the item id's
        JSON; the text escaped as json escapes it, which is what orjson writes for a string:
        tests/responses/test_event_encoding.py holds the two equal)."""
        padding = self.padding(delta)
        if not self.encoded:
            self.add(
                _TEXT_DELTA, content_index=0, delta=delta, item_id=item_id, logprobs=[], output_index=index, **padding
            )
            return
        text = _TEXT_DELTA_HEAD + _escaped(delta).encode() + b',"item_id":' + item_json + b',"logprobs":[],'
        if padding:  # (the alphabet needs no escaping)
            text += b'"obfuscation":"' + padding["obfuscation"].encode() + b'",'
        self.out.append(text + b'"output_index":%d,"sequence_number":%d}\n\n' % (index, len(self.out)))

    def padding(self, delta: str) -> dict[str, str]:
        if self.rng is None:
            return {}
        # rng.choice(_ALPHABET) a character, inlined (3.2 -> 0.9 us a delta): choice draws
        # getrandbits(6) until it is below 62 (Random._randbelow_with_getrandbits).
        getrandbits = self.rng.getrandbits
        out = []
        for _ in range(max(_PADDED - len(delta), 1)):
            r = getrandbits(6)
            while r >= 62:
                r = getrandbits(6)
            out.append(_ALPHABET[r])
        return {"obfuscation": "".join(out)}


def _groups(tokens: tuple[str, ...], size: int) -> Iterator[str]:
    for _, text in _groups_at(tokens, size):
        yield text


def _groups_at(tokens: tuple[str, ...], size: int) -> Iterator[tuple[int, str]]:
    """The tokens ``size`` at a time, joined, with the index of each group's first token."""
    for start in range(0, len(tokens), size):
        yield start, "".join(tokens[start : start + size])


def event_dicts(plan: ResponsePlan, *, tokens_per_chunk: int = 1, obfuscate: bool = True) -> list[dict[str, Any]]:
    """Every event of the stream of ``plan``, in order."""
    events = _Events(plan, obfuscate)
    _stream(events, plan, tokens_per_chunk)
    return events.out


def _stream(events: _Events, plan: ResponsePlan, tokens_per_chunk: int) -> None:
    size = max(1, tokens_per_chunk)
    if plan.echo["background"]:  # waits its turn first [R:28]
        events.add("response.created", response=response_dict(plan, QUEUED))
        events.add("response.queued", response=response_dict(plan, QUEUED))
        events.add("response.in_progress", response=response_dict(plan, RUNNING))
    else:  # (both events carry the same Response, running)
        running = response_dict(plan, RUNNING)
        events.add("response.created", response=running)
        events.add("response.in_progress", response=running)
    for index, item in enumerate(plan.output):
        _item_events(events, index, item, size)
    final = "response.incomplete" if plan.status == "incomplete" else "response.completed"
    events.add(final, response=response_dict(plan))


def _item_events(events: _Events, index: int, item: OutputItem, size: int) -> None:
    events.add("response.output_item.added", item=item_dict(item, done=False), output_index=index)
    if isinstance(item, MessageItem):
        _message_events(events, index, item, size)
    elif isinstance(item, CallItem):
        call = item.call
        custom = call.kind == "custom"
        kind = "response.custom_tool_call_input" if custom else "response.function_call_arguments"
        for delta in _groups(call.argument_tokens, size):
            events.add(f"{kind}.delta", delta=delta, item_id=item.id, output_index=index, **events.padding(delta))
        final = {"input": call.arguments} if custom else {"arguments": call.arguments}
        events.add(f"{kind}.done", item_id=item.id, output_index=index, **final)
    elif item.summary_tokens is not None:
        _summary_events(events, index, item, size)
    events.add("response.output_item.done", item=item_dict(item), output_index=index)


def _message_events(events: _Events, index: int, item: MessageItem, size: int) -> None:
    where = {"content_index": 0, "item_id": item.id, "output_index": index}
    events.add("response.content_part.added", part=text_part(item, ""), **where)
    if item.refusal:
        for delta in _groups(item.tokens, size):
            events.add("response.refusal.delta", delta=delta, **where)
        events.add("response.refusal.done", refusal=item.text, **where)
    else:
        if not item.logprobs:
            item_json = compact_bytes(item.id)
            for delta in _groups(item.tokens, size):
                events.text_delta(delta, item.id, index, item_json)
        else:
            for start, delta in _groups_at(item.tokens, size):
                logprobs = token_logprobs(item.logprobs[start : start + size], with_bytes=False)
                events.add(_TEXT_DELTA, delta=delta, logprobs=logprobs, **where, **events.padding(delta))
        done = token_logprobs(item.logprobs, with_bytes=False)
        events.add("response.output_text.done", logprobs=done, text=item.text, **where)
    events.add("response.content_part.done", part=text_part(item, item.text), **where)


def _summary_events(events: _Events, index: int, item: ReasoningItem, size: int) -> None:
    where = {"item_id": item.id, "output_index": index, "summary_index": 0}
    events.add("response.reasoning_summary_part.added", part={"type": "summary_text", "text": ""}, **where)
    for delta in _groups(item.summary_tokens or (), size):
        events.add("response.reasoning_summary_text.delta", delta=delta, **where)
    text = item.summary or ""
    events.add("response.reasoning_summary_text.done", text=text, **where)
    events.add("response.reasoning_summary_part.done", part={"type": "summary_text", "text": text}, **where)


def event_tokens(plan: ResponsePlan, *, tokens_per_chunk: int = 1) -> list[int]:
    """How many tokens each event of :func:`event_dicts`' stream carries, without rendering it: a
    delta its tokens, the terminal event 1 (the end of text), the others none (what a latency
    profile paces the stream on, :mod:`mockai.server.latency`)."""
    size = max(1, tokens_per_chunk)

    def deltas(count: int) -> list[int]:
        return [min(size, count - start) for start in range(0, count, size)]

    out = [0, 0, 0] if plan.echo["background"] else [0, 0]
    for item in plan.output:
        out.append(0)  # output_item.added
        if isinstance(item, MessageItem):
            out += [0, *deltas(len(item.tokens)), 0, 0]
        elif isinstance(item, CallItem):
            out += [*deltas(len(item.call.argument_tokens)), 0]
        elif item.summary_tokens is not None:
            out += [0, *deltas(len(item.summary_tokens)), 0, 0]
        out.append(0)  # output_item.done
    out.append(1)
    return out


def encode_event(payload: dict[str, Any]) -> bytes:
    """``event: <type>\\ndata: <compact JSON>\\n\\n``."""
    kind: str = payload["type"]
    return b"event: " + kind.encode() + b"\ndata: " + compact_bytes(payload) + b"\n\n"


def rendered_events(plan: ResponsePlan, *, tokens_per_chunk: int = 1, obfuscate: bool = True) -> tuple[bytes, ...]:
    """``encode_event`` of every event of :func:`event_dicts`, in one pass (a plain text delta, most
    of a stream's events, written from a template)."""
    events = _Events(plan, obfuscate, encoded=True)
    _stream(events, plan, tokens_per_chunk)
    return tuple(events.out)


def error_events(plan: ResponsePlan, error: APIError, sequence_number: int) -> bytes:
    """A failure after the 200 was sent [R:29]: an ``error`` event with the error nested under
    ``error`` (the SDK raises it), then ``response.failed``."""
    failure = {"type": "error", "error": _error_fields(error), "sequence_number": sequence_number}
    failed = {
        "type": "response.failed",
        "response": response_dict(plan, FAILED, error=error),
        "sequence_number": sequence_number + 1,
    }
    return encode_event(failure) + encode_event(failed)


def _error_fields(error: APIError) -> dict[str, Any]:
    return {"type": error.type, "code": error.code, "message": error.message, "param": error.param}
