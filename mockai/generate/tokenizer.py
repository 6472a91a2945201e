"""mockai's own deterministic tokenizer.

Not OpenAI's BPE: a small regular-expression tokenizer in the same spirit (a word with its leading
space is one token, long words are split, digits go in groups of up to three, punctuation stands
alone).  It is stable: tokenizing the concatenation of tokens gives the same tokens back, which
lets a stream's deltas be exactly the tokens counted in ``usage``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from mockai.core.json_budget import emptied_below
from mockai.core.json_text import ascii_compact_text
from mockai.core.memo import Memo
from mockai.core.model_capabilities import capabilities
from mockai.generate.image_tokens import image_tokens
from mockai.generate.tool_prompt import tools_text

__all__ = [
    "count_prompt_tokens",
    "count_tokens",
    "message_tokens",
    "offered_tools_tokens",
    "prompt_tokens_from",
    "tokenize",
]

# Han ideographs, kana, hangul, and CJK punctuation and full-width forms are a token each: letters
# in runs of up to 8 made Chinese and Japanese count 0.25-0.5 of o200k's tokens, so a prompt over the
# context window was answered; one a character counts 1.2-1.4 of them (o200k itself takes about 0.8
# a character), so the window's refusal comes a little early rather than never.
_CJK = (
    "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
    "\U00020000-\U0003ffff"  # (the ideographs of the supplementary planes, Extension B on)
)
_TOKEN = re.compile(rf" ?[{_CJK}]| ?[^\W\d_{_CJK}]{{1,8}}| ?\d{{1,3}}| ?[^\s\w]| ?_|\s+(?=\S)|\s+")
# The same tokens for ASCII text, in explicit classes (a third faster than Unicode's categories):
# letters, digits, and the characters Unicode calls whitespace (\x1c to \x1f among them).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
_ASCII_TOKEN = re.compile(
    rf" ?[A-Za-z]{{1,8}}| ?[0-9]{{1,3}}| ?[^{_SPACE}A-Za-z0-9_]| ?_|[{_SPACE}]+(?=[^{_SPACE}])|[{_SPACE}]+"
)


def _pattern_for(text: str) -> re.Pattern[str]:
    return _ASCII_TOKEN if text.isascii() else _TOKEN


def tokenize(text: str) -> list[str]:
    """Split ``text`` into tokens whose concatenation is ``text``."""
    return _pattern_for(text).findall(text)


def count_tokens(text: str) -> int:
    if len(text) < _REMEMBERED_FROM:
        return len(_pattern_for(text).findall(text))
    count = _counted.get(text)
    if count is None:
        count = len(tokenize(text)) if len(text) <= _CHUNK else _count_in_chunks(text)
        _counted.put(text, count)
    return count


# Counting costs about 25 ns a character (a 4 KB system prompt: 110 us, twice what the rest of a
# distinct request costs), and a load test sends the same long system prompt, tool list or
# document again and again with a different question.  So the counts of texts from this length on
# are remembered, once a text is seen a second time (a text seen once is likely a question that
# will not repeat): a repeated text then costs its hash.  Bounded by entries and characters; shared
# by every server of the process (the count is a pure function of the text).
_REMEMBERED_FROM = 128
_counted: Memo[str, int] = Memo(4096, 16 << 20, lambda text, _: 64 + len(text), second_sight=True)


# A long text is counted a piece at a time: one regular-expression call over megabytes holds the
# interpreter for a second, so a thread counting it (mockai.server.pipeline reads large requests
# off the event loop) would still stall every other request.  Pieces end where a token surely
# ends, whatever follows: after a punctuation mark, "_" or a CJK character (one-character tokens),
# or after any other non-space character followed by whitespace (a run of letters or digits ends
# there).  A token never looks behind where it starts, so the pieces' counts add up to the whole
# text's.  Where none comes within a chunk (megabytes of letters or digits with no space: a hostile
# audit held the loop 0.5 s on one regex call), the run is cut where its tokens end: every 8 letters
# or 3 digits from where it starts.
_CHUNK = 1 << 16
_TOKEN_END = re.compile(rf"[^\s\w]|_|\S(?=\s)|[{_CJK}]")
_LETTERS = re.compile(rf"[^\W\d_{_CJK}]+")
_DIGITS = re.compile(r"\d+")


def _count_in_chunks(text: str) -> int:
    total, start, size = 0, 0, len(text)
    while start < size:
        end = start + _CHUNK
        if end < size:
            found = _TOKEN_END.search(text, end, end + _CHUNK)
            end = found.end() if found is not None else _within_run(text, start, end)
        else:
            end = size
        piece = text[start:end]
        total += _pattern_for(piece).subn("", piece)[1]  # (counts without making the tokens)
        start = end
    return total


def _within_run(text: str, start: int, end: int) -> int:
    """Where to cut ``text`` at or after ``end`` (``start``: the piece's start, itself a token's):
    inside the run of letters or digits that ``end`` falls in, at a token's end; else at the next
    token end, wherever it is."""
    backwards = text[end - 1 : start - 1 if start else None : -1]  # (the piece, last character first)
    for run, length in ((_LETTERS, 8), (_DIGITS, 3)):
        found = run.match(backwards)
        if found is not None and found.end() >= length:
            run_start = end - found.end()
            return run_start + (end - run_start) // length * length
    found = _TOKEN_END.search(text, end)
    return found.end() if found is not None else len(text)


def _json_tokens(value: Any) -> int:
    """The tokens of ``value`` as compact JSON; a value nested deeper than the encoder goes is
    counted as far as it goes (64 levels)."""
    try:
        return count_tokens(ascii_compact_text(value))
    except RecursionError:
        return count_tokens(json.dumps(emptied_below(value, 64), separators=(",", ":")))


# Per-message overhead as OpenAI documents for its chat format: 3 tokens a message, 1 for a name,
# 3 to prime the reply.
_PER_MESSAGE = 3
_PER_NAME = 1
_REPLY_PRIMING = 3


def _content_tokens(content: Any, model: str) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return count_tokens(content)
    total = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("text"), str):
                total += count_tokens(part["text"])
            elif kind == "refusal" and isinstance(part.get("refusal"), str):
                total += count_tokens(part["refusal"])
            elif kind == "image_url":
                total += image_tokens(part.get("image_url"), capabilities(model))
            elif kind == "input_audio":
                total += 50
            elif kind == "file":
                total += 100
    return total


def count_prompt_tokens(
    messages: Iterable[Mapping[str, Any]], tools: Any = None, functions: Any = None, model: str = ""
) -> int:
    """Prompt tokens of a request: message contents, names, tool calls, and offered tools; images
    at ``model``'s price (:mod:`mockai.generate.image_tokens`)."""
    return prompt_tokens_from([offered_tools_tokens(tools, functions), *(message_tokens(m, model) for m in messages)])


def prompt_tokens_from(shares: Iterable[int]) -> int:
    """:func:`count_prompt_tokens` from the shares already counted: the offered tools'
    (:func:`offered_tools_tokens`) and every message's (:func:`message_tokens`)."""
    return _REPLY_PRIMING + sum(shares)


def message_tokens(message: Mapping[str, Any], model: str = "") -> int:
    """One message's share of :func:`count_prompt_tokens` (for ``model``: what its images cost)."""
    total = _PER_MESSAGE + _content_tokens(message.get("content"), model)
    if message.get("name"):
        total += _PER_NAME
    tool_calls = message.get("tool_calls")
    if tool_calls:
        total += _json_tokens(tool_calls)
    function_call = message.get("function_call")
    if function_call:
        total += _json_tokens(function_call)
    return total


def offered_tools_tokens(tools: Any = None, functions: Any = None) -> int:
    """The offered tools' (and legacy functions') share of :func:`count_prompt_tokens`: the tokens
    of the text they are shown to the model as (:mod:`mockai.generate.tool_prompt`).  An agent
    offers the same tools on every turn: the count is remembered by their JSON."""
    if not tools and not functions:
        return 0
    try:
        key: bytes | None = orjson.dumps([tools, functions])
    except (TypeError, orjson.JSONEncodeError):  # (integers beyond 64 bits, nesting beyond 255)
        key = None
    if key is not None:
        known = _tools_counted.get(key)
        if known is not None:
            return known
    try:
        count = count_tokens(tools_text(tools, functions))
    except RecursionError:  # (a tool that is not a function, nested deeper than json writes)
        count = sum(_json_tokens(offered) for offered in (tools, functions) if offered)
    if key is not None:
        _tools_counted.put(key, count)
    return count


_tools_counted: Memo[bytes, int] = Memo(1024, 8 << 20, lambda key, _: 64 + len(key), second_sight=True)
