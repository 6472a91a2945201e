"""Deterministic speech-like audio for a transcript: one short tone per token, then a pause.

Not speech, but audio a player plays and a decoder decodes, whose length follows the transcript
as spoken audio would: each token lasts :data:`TOKEN_MS` (about 150 words a minute), 240 ms of a
tone whose pitch is drawn from the token's text, then 60 ms of silence.  Samples are 16-bit signed,
mono, at 24 kHz, which is what the real API's ``pcm16`` output is (the audio guide).

A token's tone is made of whole cycles in whole 60 ms blocks (every period below divides
:data:`BLOCK_SAMPLES`), so each 60 ms block of the output is one of a few identical blocks; the
FLAC encoder (:mod:`mockai.generate.audio_formats`) relies on that to stay fast.
"""

from __future__ import annotations

import math
import sys
import zlib
from array import array
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["BLOCK_SAMPLES", "SAMPLE_RATE", "TOKEN_MS", "speech_blocks", "speech_pcm"]

SAMPLE_RATE = 24_000
TOKEN_MS = 300
BLOCK_SAMPLES = SAMPLE_RATE * 60 // 1000  # 1440: one 60 ms block
_TONE_BLOCKS = 4  # 240 ms of tone, then one block of silence
# Samples per cycle (750 Hz down to 250 Hz); each divides BLOCK_SAMPLES.
_PERIODS = (32, 36, 40, 45, 48, 60, 72, 80, 90, 96)
_AMPLITUDE = 6_000
SILENCE = 0  # the block index of silence in speech_blocks


@lru_cache(maxsize=len(_PERIODS) + 1)
def block(kind: int) -> bytes:
    """One 60 ms block as little-endian pcm16: silence (``kind`` 0) or the tone of ``_PERIODS[kind - 1]``."""
    if kind == SILENCE:
        return bytes(2 * BLOCK_SAMPLES)
    period = _PERIODS[kind - 1]
    cycle = array("h", (round(_AMPLITUDE * math.sin(2 * math.pi * i / period)) for i in range(period)))
    if sys.byteorder == "big":
        cycle.byteswap()
    return cycle.tobytes() * (BLOCK_SAMPLES // period)


def speech_blocks(tokens: Sequence[str]) -> list[int]:
    """The blocks (see :func:`block`) that speak ``tokens``, :data:`TOKEN_MS` per token."""
    kinds: list[int] = []
    for token in tokens:
        tone = 1 + zlib.crc32(token.encode()) % len(_PERIODS)
        kinds.extend([tone] * _TONE_BLOCKS)
        kinds.append(SILENCE)
    return kinds


def speech_pcm(tokens: Sequence[str]) -> bytes:
    """``tokens`` spoken: 16-bit little-endian mono samples at :data:`SAMPLE_RATE`."""
    return b"".join(block(kind) for kind in speech_blocks(tokens))
