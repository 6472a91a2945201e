"""The formats chat audio output is asked for, written without an audio library.

From the 60 ms blocks of :mod:`mockai.generate.speech` (24 kHz, 16-bit, mono):

* ``pcm16``: the raw samples, little-endian (what the real API streams);
* ``wav``: a 44-byte RIFF header and the samples;
* ``flac``: a STREAMINFO block and one frame per block, tones as VERBATIM subframes and silence as
  CONSTANT ones (lossless: it decodes to the same samples as ``pcm16``);
* ``mp3``, ``opus``, ``aac``: an encoder for these is a library of its own, so they carry
  *silence* of the transcript's length instead of the tones: MPEG-2 Layer III frames with empty
  side information (32 kbit/s), an Ogg Opus stream of 20 ms CELT silence frames, and ADTS AAC-LC
  frames whose single channel element has no scale factor bands.  Each decodes (the tests decode
  them with FFmpeg's decoders) to silence as long as the speech.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from functools import lru_cache

from mockai.generate.speech import BLOCK_SAMPLES, SAMPLE_RATE, SILENCE, block

__all__ = ["FORMATS", "encode"]

FORMATS = ("wav", "aac", "mp3", "flac", "opus", "pcm16")


def encode(blocks: Sequence[int], fmt: str) -> bytes:
    """The audio of ``blocks`` (:func:`mockai.generate.speech.speech_blocks`) as ``fmt``."""
    samples = len(blocks) * BLOCK_SAMPLES
    if fmt == "flac":
        return _flac(blocks)
    if fmt == "mp3":
        return _MP3_FRAME * -(-samples // 576)
    if fmt == "opus":
        return _ogg_opus(samples)
    if fmt == "aac":
        return _ADTS_FRAME * -(-samples // 1024)
    pcm = b"".join(block(kind) for kind in blocks)
    return _wav_header(len(pcm)) + pcm if fmt == "wav" else pcm


def _wav_header(size: int) -> bytes:
    fmt_chunk = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16)
    return struct.pack("<4sI4s", b"RIFF", 36 + size, b"WAVE") + fmt_chunk + struct.pack("<4sI", b"data", size)


# --- FLAC -----------------------------------------------------------------------------------------


def _crc_table(poly: int, width: int) -> tuple[int, ...]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
        table.append(crc & mask)
    return tuple(table)


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


@lru_cache(maxsize=4)
def _carry(length: int) -> tuple[int, ...]:
    """``_crc16(bytes(length), 1 << i)`` for each bit i: the CRC is linear in its start value, so
    ``_crc16(body, start) == _crc16(body) ^ (xor of these for start's bits)``."""
    return tuple(_crc16(bytes(length), 1 << bit) for bit in range(16))


@lru_cache(maxsize=16)
def _subframe(kind: int) -> tuple[bytes, int]:
    """A block's subframe (CONSTANT 0 for silence, else VERBATIM big-endian) and its own CRC-16."""
    if kind == SILENCE:
        body = b"\x00\x00\x00"
    else:
        samples = array("h")
        samples.frombytes(block(kind))
        if sys.byteorder == "little":
            samples.byteswap()
        body = b"\x02" + samples.tobytes()
    return body, _crc16(body)


def _utf8_number(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
    if n < 0x10000:
        return bytes([0xE0 | n >> 12, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])
    return bytes([0xF0 | n >> 18, 0x80 | (n >> 12) & 0x3F, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])


def _flac(blocks: Sequence[int]) -> bytes:
    total = len(blocks) * BLOCK_SAMPLES
    info = struct.pack(">HH", BLOCK_SAMPLES, BLOCK_SAMPLES) + bytes(6)
    info += ((SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | total).to_bytes(8, "big") + bytes(16)
    out = [b"fLaC", bytes([0x80, 0, 0, len(info)]), info]
    # sync + fixed block size; block size from the header's end; 24 kHz; mono; 16 bits per sample
    fixed = b"\xff\xf8\x77\x08"
    size = struct.pack(">H", BLOCK_SAMPLES - 1)
    for number, kind in enumerate(blocks):
        header = fixed + _utf8_number(number) + size
        header += bytes([_crc8(header)])
        body, body_crc = _subframe(kind)
        start = _crc16(header)
        carry = _carry(len(body))
        crc = body_crc
        for bit in range(16):
            if start >> bit & 1:
                crc ^= carry[bit]
        out += (header, body, struct.pack(">H", crc))
    return b"".join(out)


# --- silence: MP3, Ogg Opus, ADTS AAC ----------------------------------------------------------

# MPEG-2 Layer III, no CRC, 32 kbit/s, 24 kHz, mono: 72 * 32000 / 24000 = 96 bytes, 576 samples;
# 9 bytes of side information all zero (no main data), the rest zero.
_MP3_FRAME = b"\xff\xf3\x44\xc0" + bytes(92)

# ADTS (MPEG-4, no CRC), AAC-LC, 24 kHz, mono, 11 bytes, fullness 0x7FF; then one raw data block:
# a single channel element (global gain 0, long window, max_sfb 0, no pulse/TNS/gain control) and
# the END element, 32 bits in all.  1024 samples.
_ADTS_FRAME = b"\xff\xf1\x58\x40\x01\x7f\xfc" + b"\x00\x00\x00\x07"

_OPUS_SILENCE = b"\xf8\xff\xfe"  # TOC: CELT fullband 20 ms, mono, one frame; a silent frame
_OPUS_FRAME = 960  # 20 ms at 48 kHz, the rate Opus granule positions count in
_OGG_CRC = _crc_table(0x04C11DB7, 32)


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[(crc >> 24) ^ byte]
    return crc


def _ogg_page(flags: int, granule: int, sequence: int, packets: Sequence[bytes]) -> bytes:
    lacing = bytearray()
    for packet in packets:  # every packet here is shorter than 255 bytes
        lacing.append(len(packet))
    head = struct.pack("<4sBBqIII", b"OggS", 0, flags, granule, 0x6D6F636B, sequence, 0)
    page = bytearray(head + bytes([len(lacing)]) + lacing + b"".join(packets))
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


def _ogg_opus(samples: int) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 0, SAMPLE_RATE, 0, 0)
    vendor = b"mockai"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_ogg_page(0x02, 0, 0, [head]), _ogg_page(0, 0, 1, [tags])]
    end = samples * 48_000 // SAMPLE_RATE  # the last granule trims the last frame to the length
    count = -(-end // _OPUS_FRAME)
    for first in range(0, count, 255):
        last = min(first + 255, count)
        granule = end if last == count else last * _OPUS_FRAME
        flags = 0x04 if last == count else 0
        pages.append(_ogg_page(flags, granule, len(pages), [_OPUS_SILENCE] * (last - first)))
    return b"".join(pages)
