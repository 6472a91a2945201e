"""The reply plan: everything an answer says, before it is rendered as JSON or as an SSE stream.

Every source of answers (seeded generation, scenarios, cassettes) produces one of the replies
below.  :mod:`mockai.chat.render_json` and :mod:`mockai.chat.render_sse` are two views of the same
:class:`ReplyPlan`; neither decides anything of its own.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Literal

from mockai.core.errors import APIError
from mockai.core.records import record

__all__ = [
    "AudioPlan",
    "ChoicePlan",
    "Delivery",
    "ErrorReply",
    "Fault",
    "ForwardReply",
    "PlannedReply",
    "RawReply",
    "Reply",
    "ReplyPlan",
    "TokenLogprob",
    "ToolCallPlan",
    "UrlCitation",
    "Usage",
    "plan_cost",
    "slow_to_render",
]


@record
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "logprob": self.logprob,
            "bytes": list(self.token.encode()),
            "top_logprobs": [{"token": tok, "logprob": lp, "bytes": list(tok.encode())} for tok, lp in self.top],
        }


@record
class ToolCallPlan:
    """One tool call.  ``kind`` is ``function`` (JSON ``arguments``) or ``custom`` (free ``input``)."""

    id: str
    name: str
    arguments: str
    kind: Literal["function", "custom"] = "function"
    argument_tokens: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "custom":
            return {"id": self.id, "type": "custom", "custom": {"name": self.name, "input": self.arguments}}
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@record
class UrlCitation:
    """A ``url_citation`` annotation: ``content[start_index:end_index]`` is the cited span."""

    start_index: int
    end_index: int
    title: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        """Keys in the order of the official schema (``end_index, start_index, title, url``)."""
        citation = {"end_index": self.end_index, "start_index": self.start_index, "title": self.title, "url": self.url}
        return {"type": "url_citation", "url_citation": citation}


@record
class AudioPlan:
    """``message.audio`` (``modalities: ["text", "audio"]``): the spoken answer and its transcript."""

    id: str
    expires_at: int
    data: str  # base64 of the audio, in the requested format
    transcript_tokens: tuple[str, ...]
    audio_tokens: int  # billed in completion_tokens_details.audio_tokens

    @property
    def transcript(self) -> str:
        return "".join(self.transcript_tokens)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "data": self.data, "expires_at": self.expires_at, "transcript": self.transcript}


@record
class ChoicePlan:
    index: int
    finish_reason: str
    # Exactly the tokens streamed as deltas; ``None`` renders as ``"content": null``.
    content_tokens: tuple[str, ...] | None = None
    refusal_tokens: tuple[str, ...] | None = None
    tool_calls: tuple[ToolCallPlan, ...] = ()
    # Legacy ``functions`` API: rendered as ``message.function_call``.
    function_call: ToolCallPlan | None = None
    # One entry per content (or refusal) token; ``None`` renders as ``"logprobs": null``.
    logprobs: tuple[TokenLogprob, ...] | None = None
    # ``message.annotations`` (search models with ``web_search_options``); ``()`` renders ``[]``.
    annotations: tuple[UrlCitation, ...] = ()
    # ``message.audio``: the answer spoken (``content`` is then ``None``).
    audio: AudioPlan | None = None

    @property
    def content(self) -> str | None:
        return None if self.content_tokens is None else "".join(self.content_tokens)

    @property
    def refusal(self) -> str | None:
        return None if self.refusal_tokens is None else "".join(self.refusal_tokens)

    def emitted_tokens(self) -> int:
        total = len(self.content_tokens or ()) + len(self.refusal_tokens or ())
        for call in self.tool_calls:
            total += len(call.argument_tokens) + 1
        if self.function_call is not None:
            total += len(self.function_call.argument_tokens) + 1
        if self.audio is not None:
            total += len(self.audio.transcript_tokens) + self.audio.audio_tokens
        return total


@record
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    # Predicted outputs: prediction tokens that appear in the answer, and those that do not
    # (the rejected ones are billed: they are inside ``completion_tokens``).
    accepted_prediction_tokens: int = 0
    rejected_prediction_tokens: int = 0
    # Audio inside completion_tokens (spoken answers) and inside prompt_tokens (input_audio parts).
    audio_tokens: int = 0
    prompt_audio_tokens: int = 0
    # Audio models also report the text (and image) tokens of each side, after the other details
    # (responses of gpt-4o-audio-preview shared in public, 2024-12 and 2026-01).
    text_details: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        prompt_details = {"cached_tokens": self.cached_tokens, "audio_tokens": self.prompt_audio_tokens}
        completion_details = {
            "reasoning_tokens": self.reasoning_tokens,
            "audio_tokens": self.audio_tokens,
            "accepted_prediction_tokens": self.accepted_prediction_tokens,
            "rejected_prediction_tokens": self.rejected_prediction_tokens,
        }
        if self.text_details:
            text = max(self.prompt_tokens - self.prompt_audio_tokens, 0)
            prompt_details |= {"text_tokens": text, "image_tokens": 0}
            text = max(self.completion_tokens - self.audio_tokens - self.reasoning_tokens, 0)
            completion_details["text_tokens"] = text
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "prompt_tokens_details": prompt_details,
            "completion_tokens_details": completion_details,
        }


@record
class ReplyPlan:
    id: str
    created: int
    model: str
    choices: tuple[ChoicePlan, ...]
    usage: Usage
    system_fingerprint: str | None
    service_tier: str = "default"
    # Reasoning models (gpt-5*, o-series) omit ``logprobs`` from each choice (conformance §6).
    omit_logprobs_key: bool = False
    # Seeds the stream's ``obfuscation`` strings.
    obfuscation_seed: int = 0
    # ``moderation`` asked (moderated completions): the results of input and output, as the answer
    # carries them (the JSON body's ``moderation``; a stream's moderation chunk).
    moderation: dict[str, Any] | None = None


def plan_cost(plan: ReplyPlan) -> int:
    """The bytes a plan holds, estimated on the high side (for the memos and the journal that keep
    plans within byte budgets)."""
    return sum(
        512 + 64 * c.emitted_tokens() + _logprobs_cost(c.logprobs) + (len(c.audio.data) if c.audio else 0)
        for c in plan.choices
    )


def _logprobs_weight(entries: tuple[TokenLogprob, ...] | None) -> int:
    """How many tokens logprobs list: each entry's and each of its alternatives."""
    return len(entries) * (1 + len(entries[0].top)) if entries else 0


def _logprobs_cost(entries: tuple[TokenLogprob, ...] | None) -> int:
    """A token's entry and each of its alternatives: a string, a float and a tuple, about 128 bytes."""
    return 256 * _logprobs_weight(entries)


def slow_to_render(plan: ReplyPlan) -> bool:
    """Whether writing ``plan`` out takes long enough to be done off the event loop: its logprobs,
    each a token and its alternatives, are most of any answer's cost (13,000 tokens at 20
    alternatives, two choices: 1.4 s as JSON, 2 s as events, 90 MB); text alone is cheap."""
    weight = 0
    for choice in plan.choices:  # (on every answer's path: most have no logprobs)
        if choice.logprobs:
            weight += _logprobs_weight(choice.logprobs)
    return weight > _SLOW_TO_RENDER


# About 12 ms of rendering as chat JSON, 70 as a Responses stream (which costs about 6 times as
# much an entry): past it, the hop to a thread (tens of microseconds) is the smaller cost.
_SLOW_TO_RENDER = 5_000


@record
class Fault:
    """How a delivery goes wrong, on purpose.

    kinds: ``hang`` (never answer), ``cut`` (stop after ``after`` events, no ``[DONE]``),
    ``reset`` (drop the connection after ``after`` events; 0 = before any byte),
    ``malformed`` (event number ``after`` is not valid JSON), ``error_event`` (an ``error``
    event after ``after`` events, then ``[DONE]``), ``empty`` (a 200 with an empty body).
    """

    kind: Literal["hang", "cut", "reset", "malformed", "error_event", "empty"]
    after: int = 0
    error: APIError | None = None


@record
class Delivery:
    """Timing and chunking of a reply; the defaults answer at once."""

    tokens_per_chunk: int = 1
    first_byte_delay: float = 0.0
    # Seconds between stream events; ``chunk_delays`` (if given) takes precedence, cycling.
    chunk_delay: float = 0.0
    chunk_delays: tuple[float, ...] = ()
    fault: Fault | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def delay_before(self, event_index: int) -> float:
        if self.chunk_delays:
            return self.chunk_delays[event_index % len(self.chunk_delays)]
        return self.chunk_delay


@record
class PlannedReply:
    plan: ReplyPlan
    delivery: Delivery = Delivery()
    source: str = "seeded"


@record
class ErrorReply:
    error: APIError
    delivery: Delivery = Delivery()
    source: str = "seeded"


@record
class RawReply:
    """Recorded bytes played back as they were (cassettes)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    # For streams: (seconds since the response started, raw event bytes).
    events: tuple[tuple[float, bytes], ...] | None = None
    source: str = "cassette"
    delivery: Delivery = Delivery()
    # Replay stream events at their recorded offsets instead of as fast as possible.
    timed: bool = False


@record
class ForwardReply:
    """No answer here: ask the upstream API and record its answer (cassette record modes)."""

    source: str = "upstream"
    delivery: Delivery = Delivery()


Reply = PlannedReply | ErrorReply | RawReply | ForwardReply
