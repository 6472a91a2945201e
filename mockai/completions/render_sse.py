"""A completion plan as the API streams it: ``data: <compact JSON>`` events, ``data: [DONE]`` last.

As recorded (traceloop/openllmetry test_completion_streaming_with_events_with_content.yaml,
davinci-002, 2024-02 and 2026-03; dd-trace-py v1/completion_streamed.yaml, 2023):

* every chunk is ``{"id", "object": "text_completion", "created", "choices": [one choice], "model"}``
  (``model`` after ``choices``), the choice ``{"text", "index", "logprobs", "finish_reason"}``;
* one token a chunk (``--tokens-per-chunk``), ``finish_reason`` null until the end;
* cut by ``max_tokens``, the last token's chunk carries ``"finish_reason": "length"``; ended by the
  model (``stop``), a last chunk with ``"text": ""`` carries ``"finish_reason": "stop"``;
* with ``logprobs``, each chunk's ``logprobs`` covers its own tokens (recorded on Azure's
  gpt-3.5-turbo-instruct, 2023-10, in a public test fixture; the empty closing chunk has empty lists).

``stream_options.include_usage`` adds one chunk with ``"choices": []`` and the usage before
``[DONE]``, its keys in the order of the Vercel AI SDK's fixtures of this endpoint (``id``,
``object``, ``created``, ``model``, ``usage``, ``choices``); not verified against a recording.
With ``n`` > 1 or several prompts the choices interleave, a chunk each, round-robin.  An echoed
prompt is the first chunk of its choice.  The text of the chunks joined is the JSON answer's.
"""

from __future__ import annotations

from typing import Any

from mockai.completions.planner import ChoicePlan, CompletionPlan, Logprobs
from mockai.completions.render_json import usage_dict
from mockai.core.json_text import compact_bytes

__all__ = ["completion_events"]

_EMPTY_LOGPROBS = Logprobs((), (), (), ())


def _pieces(choice: ChoicePlan, per_chunk: int) -> list[tuple[str, Logprobs | None, str | None]]:
    """A choice's chunks: (text, logprobs, finish_reason)."""
    lp = choice.logprobs
    out: list[tuple[str, Logprobs | None, str | None]] = []
    skip = choice.echoed_tokens
    if choice.echoed:
        out.append((choice.echoed, None if lp is None else lp.part(0, skip), None))
    tokens = choice.tokens
    for start in range(0, len(tokens), per_chunk):
        stop = min(start + per_chunk, len(tokens))
        part = None if lp is None else lp.part(skip + start, skip + stop)
        out.append(("".join(tokens[start:stop]), part, None))
    if choice.finish_reason == "length" and out:
        text, part, _ = out[-1]
        out[-1] = (text, part, "length")
    else:
        out.append(("", None if lp is None else _EMPTY_LOGPROBS, choice.finish_reason))
    return out


def completion_events(plan: CompletionPlan, tokens_per_chunk: int, include_usage: bool) -> list[bytes]:
    """Every event of the stream, ``data: [DONE]`` included."""
    per_chunk = max(tokens_per_chunk, 1)
    queues = [(choice.index, _pieces(choice, per_chunk)) for choice in plan.choices]
    events: list[bytes] = []
    head = {"id": plan.id, "object": "text_completion", "created": plan.created}
    step = 0
    while any(step < len(pieces) for _, pieces in queues):
        for index, pieces in queues:
            if step >= len(pieces):
                continue
            text, lp, finish = pieces[step]
            choice: dict[str, Any] = {
                "text": text,
                "index": index,
                "logprobs": None if lp is None else lp.to_dict(),
                "finish_reason": finish,
            }
            events.append(_event({**head, "choices": [choice], "model": plan.model}))
        step += 1
    if include_usage:
        events.append(_event({**head, "model": plan.model, "usage": usage_dict(plan), "choices": []}))
    events.append(b"data: [DONE]\n\n")
    return events


def _event(chunk: dict[str, Any]) -> bytes:
    return b"data: " + compact_bytes(chunk) + b"\n\n"
