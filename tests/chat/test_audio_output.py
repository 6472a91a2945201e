"""Audio output (issue 12): ``modalities: ["text", "audio"]`` answers with ``message.audio`` whose
bytes decode, in the requested format, to audio as long as its transcript; usage bills the audio
tokens; a stream sends the audio deltas as the real API does and adds up to the JSON answer."""

from __future__ import annotations

import base64
import io
import re
import wave
from typing import Any

import pytest

from mockai.chat.audio_output import MAX_SPOKEN_TOKENS
from mockai.chat.planner import Planner
from mockai.chat.render_sse import StreamOptions, event_count, stream_events
from mockai.core.model_catalog import ModelCatalog
from tests.chat.test_streaming import events, raw_stream
from tests.support.clients import post_chat

openai = pytest.importorskip("openai")

HELLO = [{"role": "user", "content": "Say hello, please."}]
SECONDS_PER_AUDIO_TOKEN = 0.05  # the real API bills 20 audio tokens a second of output
RATE = 24_000


def spoken_body(model: str, voice: str, **extra: Any) -> dict[str, Any]:
    """A raw request for a spoken pcm16 answer."""
    audio = {"voice": voice, "format": "pcm16"}
    return {"model": model, "messages": HELLO, "modalities": ["text", "audio"], "audio": audio, **extra}


def spoken(client: Any, fmt: str, model: str = "gpt-4o-audio-preview", **extra: Any) -> Any:
    return client.chat.completions.create(
        model=model, messages=HELLO, modalities=["text", "audio"], audio={"voice": "alloy", "format": fmt}, **extra
    )


def test_a_spoken_answer_has_audio_and_a_transcript_instead_of_content(client: Any) -> None:
    answer = spoken(client, "wav")
    message = answer.choices[0].message
    assert message.content is None and message.refusal is None
    audio = message.audio
    assert re.fullmatch(r"audio_[0-9a-f]{32}", audio.id)
    assert audio.expires_at == answer.created + 3600
    assert audio.transcript.strip()
    assert answer.choices[0].finish_reason == "stop"
    usage = answer.usage
    audio_tokens = usage.completion_tokens_details.audio_tokens
    assert audio_tokens > 0 and audio_tokens % 6 == 0
    assert usage.completion_tokens == audio_tokens + audio_tokens // 6  # the transcript's tokens + the audio's
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    with wave.open(io.BytesIO(base64.b64decode(audio.data))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        assert wav.getnframes() == round(audio_tokens * SECONDS_PER_AUDIO_TOKEN * RATE)
        samples = wav.readframes(wav.getnframes())
    assert samples.strip(b"\x00"), "the audio is not all silence"
    assert spoken(client, "wav").choices[0].message.audio.data == audio.data  # deterministic


def test_the_json_keys_are_in_the_recorded_order(base_url: str) -> None:
    answer = post_chat(base_url, spoken_body("gpt-4o-mini-audio-preview", "coral")).json()
    message = answer["choices"][0]["message"]
    assert list(message) == ["role", "content", "refusal", "audio", "annotations"]
    assert list(message["audio"]) == ["id", "data", "expires_at", "transcript"]
    usage = answer["usage"]  # audio models add text (and image) tokens to the details, as recorded
    assert list(usage["prompt_tokens_details"]) == ["cached_tokens", "audio_tokens", "text_tokens", "image_tokens"]
    details = usage["completion_tokens_details"]
    assert list(details)[-1] == "text_tokens"
    assert details["text_tokens"] + details["audio_tokens"] == usage["completion_tokens"]
    assert usage["prompt_tokens_details"]["text_tokens"] == usage["prompt_tokens"]


def test_pcm16_is_24khz_16bit_mono_as_long_as_the_transcript(client: Any) -> None:
    answer = spoken(client, "pcm16")
    pcm = base64.b64decode(answer.choices[0].message.audio.data)
    audio_tokens = answer.usage.completion_tokens_details.audio_tokens
    assert len(pcm) == 2 * round(audio_tokens * SECONDS_PER_AUDIO_TOKEN * RATE)


@pytest.mark.parametrize(
    ("fmt", "container", "frame"), [("flac", "flac", 1), ("mp3", "mp3", 576), ("opus", "ogg", 1), ("aac", "aac", 1024)]
)
def test_other_formats_decode_to_the_transcript_length(client: Any, fmt: str, container: str, frame: int) -> None:
    av = pytest.importorskip("av")  # FFmpeg's decoders, not mockai's code
    answer = spoken(client, fmt)
    data = base64.b64decode(answer.choices[0].message.audio.data)
    seconds = answer.usage.completion_tokens_details.audio_tokens * SECONDS_PER_AUDIO_TOKEN
    with av.open(io.BytesIO(data), format=container) as media:
        frames = list(media.decode(audio=0))
    rate = frames[0].sample_rate
    decoded = sum(f.samples for f in frames)
    assert abs(decoded - seconds * rate) < frame * rate / RATE + 1
    loud = max(abs(int(v)) for f in frames for v in f.to_ndarray().ravel()[::97])
    assert loud > 0 if fmt == "flac" else loud == 0  # flac is lossless speech; the others silence


def test_a_token_cap_cuts_the_spoken_answer(client: Any) -> None:
    answer = spoken(client, "pcm16", max_completion_tokens=20)
    assert answer.usage.completion_tokens <= 20
    assert answer.choices[0].finish_reason == "length"
    audio_tokens = answer.usage.completion_tokens_details.audio_tokens
    assert audio_tokens == 6 * 2  # 20 // 7 spoken tokens
    pcm = base64.b64decode(answer.choices[0].message.audio.data)
    assert len(pcm) == 2 * round(audio_tokens * SECONDS_PER_AUDIO_TOKEN * RATE)


def test_input_audio_is_billed_as_prompt_audio_tokens(client: Any) -> None:
    part = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is said here?"}, part]}]
    answer = client.chat.completions.create(model="gpt-4o-audio-preview", messages=messages)
    details = answer.usage.prompt_tokens_details
    assert 0 < details.audio_tokens < answer.usage.prompt_tokens
    assert answer.usage.completion_tokens_details.audio_tokens == 0


def test_a_stream_takes_pcm16_only(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        spoken(client, "wav", stream=True)
    assert (info.value.param, info.value.code) == ("audio.format", "unsupported_value")
    assert info.value.body["message"] == (
        "Unsupported value: 'audio.format' does not support 'wav' when stream=true. Supported values are: 'pcm16'."
    )


def test_the_stream_sends_audio_deltas_as_recorded_and_adds_up_to_the_json_answer(base_url: str) -> None:
    body = spoken_body("gpt-4o-audio-preview", "alloy", stream_options={"include_usage": True})
    chunks = events(raw_stream(base_url, body)[0])
    answer = post_chat(base_url, {k: v for k, v in body.items() if k != "stream_options"}).json()
    want = answer["choices"][0]["message"]["audio"]
    choices = [c["choices"][0] for c in chunks if c["choices"]]
    assert all("logprobs" not in c and c["finish_reason"] is None for c in choices)
    deltas = [c["delta"] for c in choices]
    assert deltas[0] == {"role": "assistant", "refusal": None}
    assert deltas[1] == {"content": None, "audio": {"id": want["id"], "transcript": deltas[1]["audio"]["transcript"]}}
    first_data = next(i for i, d in enumerate(deltas) if "data" in d.get("audio", {}))
    assert deltas[first_data] == {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "audio": {"id": want["id"], "data": deltas[first_data]["audio"]["data"]},
    }
    assert all(list(d) == ["audio"] and list(d["audio"]) == ["transcript"] for d in deltas[2:first_data])
    assert all(list(d) == ["audio"] and list(d["audio"]) == ["data"] for d in deltas[first_data + 1 : -1])
    assert deltas[-1] == {"audio": {"expires_at": want["expires_at"]}}
    assert "".join(d["audio"].get("transcript", "") for d in deltas[1:]) == want["transcript"]
    assert "".join(d["audio"].get("data", "") for d in deltas[1:]) == want["data"]
    assert chunks[-1]["usage"] == answer["usage"]
    assert answer["usage"]["completion_tokens_details"]["audio_tokens"] > 0


def test_the_sdk_streams_the_audio_deltas(client: Any) -> None:
    stream = spoken(client, "pcm16", model="gpt-4o-mini-audio-preview", stream=True)
    transcript, data, expires = "", "", None
    for chunk in stream:
        audio = chunk.choices[0].delta.audio
        if audio is not None:
            transcript += audio.transcript or ""
            data += audio.data or ""
            expires = audio.expires_at or expires
    answer = spoken(client, "pcm16", model="gpt-4o-mini-audio-preview").choices[0].message.audio
    assert (transcript, base64.b64decode(data), expires) == (
        answer.transcript,
        base64.b64decode(answer.data),
        answer.expires_at,
    )


def test_a_tool_call_is_not_spoken(client: Any) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
    answer = spoken(client, "wav", tools=[tool], tool_choice="required")
    message = answer.choices[0].message
    assert message.tool_calls and message.audio is None
    assert answer.usage.completion_tokens_details.audio_tokens == 0


@pytest.mark.parametrize("cap", [None, 1, 8, 30])
@pytest.mark.parametrize("size", [1, 3])
def test_the_event_count_of_a_spoken_stream_is_its_events(cap: int | None, size: int) -> None:
    body = spoken_body("gpt-4o-audio-preview", "ash", n=2)
    if cap is not None:
        body["max_completion_tokens"] = cap
    plan = Planner(ModelCatalog()).seeded(body)
    opts = StreamOptions(include_usage=True, tokens_per_chunk=size)
    rendered = stream_events(plan, opts)
    assert event_count(plan, opts) == len(rendered)
    for choice in plan.choices:  # the audio id is sent even when nothing could be spoken
        assert choice.audio is not None
        assert sum(choice.audio.id.encode() in event for event in rendered) == 2 - (not choice.audio.data)


def test_a_request_speaks_at_most_five_minutes(client: Any) -> None:
    long_text = {"type": "string", "minLength": 20_000, "maxLength": 20_000}
    schema = {"type": "object", "properties": {"a": long_text}, "required": ["a"], "additionalProperties": False}
    response_format = {"type": "json_schema", "json_schema": {"name": "long", "strict": True, "schema": schema}}
    answer = spoken(client, "pcm16", response_format=response_format, n=2)
    audio_tokens = answer.usage.completion_tokens_details.audio_tokens
    assert audio_tokens == 6 * MAX_SPOKEN_TOKENS
    assert [c.finish_reason for c in answer.choices] == ["length", "length"]
    assert sum(len(base64.b64decode(c.message.audio.data)) for c in answer.choices) == 2 * 7_200 * MAX_SPOKEN_TOKENS


def test_the_voice_and_the_format_do_not_change_the_words(client: Any) -> None:
    """A client audit: ``audio.format`` and ``audio.voice`` were part of what decides the text, so a
    stream (pcm16 only) never said what a wav answer to the same prompt said."""
    wav = spoken(client, "wav").choices[0].message.audio.transcript
    assert spoken(client, "mp3").choices[0].message.audio.transcript == wav
    other_voice = client.chat.completions.create(
        model="gpt-4o-audio-preview",
        messages=HELLO,
        modalities=["text", "audio"],
        audio={"voice": "coral", "format": "wav"},
    )
    assert other_voice.choices[0].message.audio.transcript == wav
    streamed = "".join(
        chunk.choices[0].delta.audio.transcript or ""
        for chunk in spoken(client, "pcm16", stream=True)
        if chunk.choices and chunk.choices[0].delta.audio is not None
    )
    assert streamed == wav
