"""Spoken answers: ``modalities: ["text", "audio"]`` with ``audio: {voice, format}`` on a model
with audio output (validation, :mod:`mockai.chat.model_rules`, refuses it elsewhere).

The real API then answers with ``content: null`` and ``message.audio {id, data, expires_at,
transcript}`` (the audio guide; a response recorded in public, see the tests).  mockai speaks the
text it would have written: the transcript is that text, and ``data`` is the base64 of
:mod:`mockai.generate.speech` audio of it in the requested format
(:mod:`mockai.generate.audio_formats`).

Accounting: each transcript token lasts 300 ms, and the real API bills 20 audio tokens a second of
output audio (one per 50 ms), so a spoken token costs 1 text token + 6 audio tokens, all inside
``completion_tokens``, the audio ones also in ``completion_tokens_details.audio_tokens``.  A token
cap (``max_completion_tokens``) cuts the transcript to what fits, with ``finish_reason: "length"``.
``input_audio`` parts are billed in ``prompt_tokens_details.audio_tokens``.  The audio ``id`` can
be referred to for an hour (``expires_at``: ``created`` + 3600, as recorded).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mockai.core.plan import AudioPlan, ChoicePlan
from mockai.generate.audio_formats import encode
from mockai.generate.speech import speech_blocks

__all__ = [
    "AUDIO_TOKENS_PER_TOKEN",
    "MAX_SPOKEN_TOKENS",
    "audio_event_count",
    "audio_events",
    "audio_format",
    "input_audio_tokens",
    "voiced",
]

AUDIO_TOKENS_PER_TOKEN = 6
_SPOKEN_COST = 1 + AUDIO_TOKENS_PER_TOKEN
# mockai's bound (memory): a request speaks at most this many tokens in all its choices, about
# five minutes of audio (14.7 MB of pcm16); a longer answer is cut with finish_reason "length".
MAX_SPOKEN_TOKENS = 1024
_EXPIRES_AFTER = 3600
_INPUT_AUDIO_TOKENS = 50  # per input_audio part: what mockai.generate.tokenizer counts for one


def audio_format(body: Mapping[str, Any]) -> str | None:
    """The audio format a request asks its answer to be spoken in, or ``None`` for text only."""
    modalities = body.get("modalities")
    audio = body.get("audio")
    if isinstance(modalities, list) and "audio" in modalities and isinstance(audio, Mapping):
        fmt = audio.get("format")
        return fmt if isinstance(fmt, str) else None
    return None


def voiced(
    body: Mapping[str, Any], choices: list[ChoicePlan], budgets: Sequence[int | None], key: bytes, created: int
) -> list[ChoicePlan]:
    """``choices`` with their text spoken when the request asks for audio; ``budgets``: each
    choice's completion tokens left after reasoning (``None``: no cap)."""
    fmt = audio_format(body)
    if fmt is None:
        return choices
    out = []
    left = MAX_SPOKEN_TOKENS
    for choice, budget in zip(choices, budgets, strict=True):
        tokens = choice.content_tokens
        if tokens is None or choice.tool_calls or choice.function_call is not None:
            out.append(choice)  # a refusal or a tool call is not spoken
            continue
        finish = choice.finish_reason
        fits = left if budget is None else min(left, budget // _SPOKEN_COST)
        if len(tokens) > fits:
            tokens, finish = tokens[:fits], "length"
        left -= len(tokens)
        audio_id = "audio_" + hashlib.blake2b(b"audio%d" % choice.index, key=key, digest_size=16).hexdigest()
        data = base64.b64encode(encode(speech_blocks(tokens), fmt)).decode("ascii")
        audio = AudioPlan(audio_id, created + _EXPIRES_AFTER, data, tokens, AUDIO_TOKENS_PER_TOKEN * len(tokens))
        logprobs = None if choice.logprobs is None else choice.logprobs[: len(tokens)]
        out.append(replace(choice, content_tokens=None, audio=audio, finish_reason=finish, logprobs=logprobs))
    return out


def input_audio_tokens(messages: Any) -> int:
    """The prompt's audio tokens: its ``input_audio`` content parts."""
    total = 0
    for message in messages or ():
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):
            parts = [part for part in content if isinstance(part, Mapping) and part.get("type") == "input_audio"]
            total += _INPUT_AUDIO_TOKENS * len(parts)
    return total


# --- in a stream ---------------------------------------------------------------------------------

_DATA_CHARS = 19_200  # base64 of 300 ms of pcm16 (14,400 bytes, a multiple of 3: chunks concatenate)

StreamEvent = tuple[dict[str, Any], Any, Any]  # (delta, logprobs, finish_reason)


def audio_events(audio: AudioPlan, finish_reason: str, tokens_per_chunk: int) -> list[StreamEvent]:
    """A spoken choice's stream, as the real API sends it (recorded in public for
    gpt-4o-audio-preview, 2024-10/11; the openai SDK's ``ChoiceDeltaAudio``): a role chunk without
    ``content``; the transcript in ``audio.transcript`` deltas (the first with ``content: null``
    and the audio ``id``); the audio in ``audio.data`` deltas (the first again with ``role``,
    ``content``, ``refusal`` and the ``id``); then one ``audio.expires_at`` delta, which ends the
    choice: no ``finish_reason: "stop"`` chunk follows (the SDK: the finish reason is "omitted
    from the final audio update"); a cut answer still sends ``finish_reason: "length"``.  Streams
    take ``pcm16`` only (validation), whose chunks of whole 3-byte groups concatenate to the
    JSON answer's ``data``."""
    events: list[StreamEvent] = [({"role": "assistant", "refusal": None}, None, None)]
    tokens = audio.transcript_tokens
    for start in range(0, max(len(tokens), 1), tokens_per_chunk):  # an empty transcript still sends the id
        text = "".join(tokens[start : start + tokens_per_chunk])
        if start == 0:
            events.append(({"content": None, "audio": {"id": audio.id, "transcript": text}}, None, None))
        else:
            events.append(({"audio": {"transcript": text}}, None, None))
    for start in range(0, len(audio.data), _DATA_CHARS):
        data = audio.data[start : start + _DATA_CHARS]
        if start == 0:
            opened = {"role": "assistant", "content": None, "refusal": None, "audio": {"id": audio.id, "data": data}}
            events.append((opened, None, None))
        else:
            events.append(({"audio": {"data": data}}, None, None))
    events.append(({"audio": {"expires_at": audio.expires_at}}, None, None))
    if finish_reason != "stop":
        events.append(({}, None, finish_reason))
    return events


def audio_event_count(audio: AudioPlan, finish_reason: str, tokens_per_chunk: int) -> int:
    """``len(audio_events(...))`` without building them."""
    transcript = max(-(-len(audio.transcript_tokens) // tokens_per_chunk), 1)
    data = -(-len(audio.data) // _DATA_CHARS)
    return 2 + transcript + data + int(finish_reason != "stop")
