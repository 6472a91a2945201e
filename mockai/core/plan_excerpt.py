"""What the journal keeps of a plan too large to keep whole: its excerpt.

An answer of megabytes (thousands of logprobs, each with twenty alternatives; a long text or a
long tool call; base64 audio) is shown cut down by the journal in any case.  Keeping the whole
plan until it is read cost the journal its byte budget (a few such answers pushed out every
other entry) and cost each read the making of the whole answer, on the event loop.  The excerpt
is the plan with each long part cut where the journal would show it cut, every cut marked: a
text ends with ``…[truncated N bytes]`` (as :func:`mockai.core.json_budget.bounded_copy` ends a
cut string), a list of logprobs with an entry whose token is ``…[N more items]``.  Cutting is
slicing, so it costs what is kept, not what is cut.
"""

from __future__ import annotations

from dataclasses import replace
from typing import overload

from mockai.core.json_budget import truncation_marker
from mockai.core.plan import AudioPlan, ChoicePlan, ReplyPlan, TokenLogprob, ToolCallPlan

__all__ = [
    "ECHO_KEPT_BYTES",
    "KEPT_CHARS",
    "KEPT_LOGPROB_WEIGHT",
    "call_excerpt",
    "excerpt_logprobs",
    "excerpt_shares",
    "excerpt_text",
    "excerpt_tokens",
    "plan_excerpt",
]

# What an excerpt keeps, shared among an answer's choices (each keeps at least the floor): the
# characters of each text, and the logprob entries counted with their alternatives (an entry with
# 20 alternatives weighs 21).  At plan_cost's estimate that is under a MiB, and the answer made of
# it is under the journal's ANSWER_KEPT_BYTES, so it is not cut a second time when shown.
KEPT_CHARS = 4096
KEPT_LOGPROB_WEIGHT = 1024
# What an excerpt keeps of a request's values an answer echoes (a Response's instructions, tools):
# as much as the journal keeps of a large body.
ECHO_KEPT_BYTES = 64 << 10
_FLOOR_CHARS, _FLOOR_WEIGHT = 256, 64


def excerpt_shares(parts: int) -> tuple[int, int]:
    """The characters of each text and the logprob weight each of ``parts`` parts of an answer
    (choices, output items) keeps."""
    parts = max(parts, 1)
    return max(KEPT_CHARS // parts, _FLOOR_CHARS), max(KEPT_LOGPROB_WEIGHT // parts, _FLOOR_WEIGHT)


def plan_excerpt(plan: ReplyPlan) -> ReplyPlan:
    """``plan`` with its long texts, tool calls, audio and logprobs cut, each cut marked."""
    chars, weight = excerpt_shares(len(plan.choices))
    return replace(plan, choices=tuple(_choice_excerpt(choice, chars, weight) for choice in plan.choices))


def _choice_excerpt(choice: ChoicePlan, chars: int, weight: int) -> ChoicePlan:
    return replace(
        choice,
        content_tokens=excerpt_tokens(choice.content_tokens, chars),
        refusal_tokens=excerpt_tokens(choice.refusal_tokens, chars),
        tool_calls=tuple(call_excerpt(call, chars) for call in choice.tool_calls),
        function_call=None if choice.function_call is None else call_excerpt(choice.function_call, chars),
        logprobs=excerpt_logprobs(choice.logprobs, weight),
        audio=None if choice.audio is None else _audio_excerpt(choice.audio, chars),
    )


def call_excerpt(call: ToolCallPlan, chars: int) -> ToolCallPlan:
    if len(call.arguments) <= chars:
        return call
    return replace(
        call, arguments=excerpt_text(call.arguments, chars), argument_tokens=excerpt_tokens(call.argument_tokens, chars)
    )


def _audio_excerpt(audio: AudioPlan, chars: int) -> AudioPlan:
    return replace(
        audio, data=excerpt_text(audio.data, chars), transcript_tokens=excerpt_tokens(audio.transcript_tokens, chars)
    )


def excerpt_text(text: str, chars: int) -> str:
    """``text``'s first ``chars`` characters and the marker of the rest (all of it when short)."""
    if len(text) <= chars:
        return text
    return text[:chars] + truncation_marker(len(text[chars:].encode("utf-8", "surrogatepass")))


@overload
def excerpt_tokens(tokens: tuple[str, ...], chars: int) -> tuple[str, ...]: ...
@overload
def excerpt_tokens(tokens: None, chars: int) -> None: ...
@overload
def excerpt_tokens(tokens: tuple[str, ...] | None, chars: int) -> tuple[str, ...] | None: ...
def excerpt_tokens(tokens: tuple[str, ...] | None, chars: int) -> tuple[str, ...] | None:
    """The tokens of ``tokens``' first ``chars`` characters or so (whole tokens), then the marker
    of the rest as one more token (all of them when they are short)."""
    if tokens is None:
        return None
    kept = 0
    for end, token in enumerate(tokens):
        kept += len(token)
        if kept > chars:
            rest = "".join(tokens[end:]).encode("utf-8", "surrogatepass")
            return (*tokens[:end], truncation_marker(len(rest)))
    return tokens


def excerpt_logprobs(entries: tuple[TokenLogprob, ...] | None, weight: int) -> tuple[TokenLogprob, ...] | None:
    """The first entries of ``entries`` within ``weight`` (an entry weighs 1 and 1 for each of its
    alternatives; at least one is kept), then an entry whose token is the marker of the rest."""
    if not entries:
        return entries
    keep = max(weight // (1 + len(entries[0].top)), 1)
    if len(entries) <= keep:
        return entries
    return (*entries[:keep], TokenLogprob(f"…[{len(entries) - keep} more items]", 0.0))
