"""A JSON Schema the prompt tells the model to follow, and the seeded answer that follows it.

JSON mode (``response_format: {"type": "json_object"}``) only promises *some* JSON object; the
libraries that use it (instructor's ``Mode.JSON``, LangChain's and LlamaIndex's JSON-mode parsers,
hand-written prompts) put the schema in a system, developer or user message and validate the
answer against it, as a real model follows it.  So when such a message holds a JSON Schema of an
object (inline, or fenced in ````` or `````json``; pydantic's ``model_json_schema()`` with
``$defs``/``$ref`` included), :func:`followed_answer` is a value valid against it, drawn by
:mod:`mockai.generate.jsongen` as for ``json_schema`` response formats.

Without a response format, the answer follows the schema only when a message also *asks* for the
answer in a `````json`` block (instructor's ``Mode.MD_JSON``: "Return the correct JSON response
within a ```json codeblock"): an instruction verb before a `````json`` that opens no block.  A
schema pasted for discussion, or a ```json block of data, changes nothing
(``tests/chat/test_ordinary_prompts.py`` pins 235 ordinary prompts' answers).

Cheap and bounded: nothing is parsed unless ``json_object`` is asked or a `````json`` instruction is
present and a message names a schema keyword; at most :data:`_ATTEMPTS` JSON objects, each read
within :data:`_WINDOW` characters, are tried per request, later messages first.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mockai.chat.prose_keys import prose_schema
from mockai.generate import text as textgen
from mockai.generate.jsongen import generator as jsongen

__all__ = ["followed_answer", "json_block_requested", "prompt_schema"]

_ATTEMPTS = 64  # JSON objects decoded per request, at most
_WINDOW = 65_536  # characters one object is read within
_ROLES = ("system", "developer", "user")
_MARKERS = ('"properties"', '"$ref"')
_OBJECT_START = re.compile(r'\{\s*"')
# "Return the correct JSON response within a ```json codeblock": a verb, then a ```json that
# opens no block (a block's opening fence ends its line).
_BLOCK_INSTRUCTION = re.compile(
    r"\b(?:return|respond|reply|answer|output|give|provide|wrap|put|enclose|format)\b"
    r"[^\n.]{0,80}?```json(?![ \t]*\r?\n)",
    re.IGNORECASE,
)
_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$defs", "definitions", "$ref", "$comment", "$anchor", "title", "description", "type",
        "properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties",
        "maxProperties", "dependentRequired", "dependentSchemas", "unevaluatedProperties", "allOf", "anyOf",
        "oneOf", "not", "if", "then", "else", "examples", "default", "const", "enum", "readOnly", "writeOnly",
        "deprecated",
    }
)  # fmt: skip
_WRAPPER_KEYS = frozenset({"name", "description", "strict", "schema"})  # a json_schema response format's spec
_decode = json.JSONDecoder().raw_decode


def followed_answer(body: Mapping[str, Any], rng: random.Random, budget: jsongen.WorkBudget) -> str | None:
    """The seeded answer that follows a JSON Schema given in the prompt (compact JSON for
    ``json_object``, a `````json`` block when a message asks for one), or ``None``: no schema
    asked for, or none can be generated within the request's budget (``rng`` is then left as it
    was, so the usual answer is drawn as before)."""
    fmt = body.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    messages = body.get("messages")
    if not isinstance(messages, (list, Sequence)) or kind not in ("json_object", "text", None):  # (a list: quick)
        return None
    if kind != "json_object" and not json_block_requested(messages):
        return None
    schema = prompt_schema(messages)
    if schema is None and kind == "json_object":  # keys named in words ("with keys title and year")
        schema = prose_schema(messages)
    if schema is None:
        return None
    state = rng.getstate()
    try:
        value = jsongen.generate(schema, rng, words=textgen.phrase, budget=budget)
    except jsongen.UnsatisfiableSchema:
        value = None
    if not isinstance(value, dict):
        rng.setstate(state)
        return None
    if kind == "json_object":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"


def json_block_requested(messages: Sequence[Any]) -> bool:
    """Whether a system or developer message, or the last user message, asks for the answer in
    a `````json`` block."""
    # One pass over the texts; which messages count is only asked of a text that asks (the usual
    # prompt holds no ```json at all: a substring test per message, nothing else).
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        if isinstance(content, str):
            asks = "```json" in content and _BLOCK_INSTRUCTION.search(content) is not None
        else:
            asks = any("```json" in text and _BLOCK_INSTRUCTION.search(text) for text in _texts(message))
        if asks and (message.get("role") in ("system", "developer") or i == _last_user(messages)):
            return True
    return False


def _last_user(messages: Sequence[Any]) -> int:
    """The index of the last user message, or -1."""
    return max((i for i, m in enumerate(messages) if isinstance(m, Mapping) and m.get("role") == "user"), default=-1)


def prompt_schema(messages: Sequence[Any]) -> dict[str, Any] | None:
    """The JSON Schema of an object that the latest system, developer or user message holding one
    gives (its last one), or ``None``."""
    attempts = [_ATTEMPTS]
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            continue
        found = None
        for text in _texts(message):
            for schema in _schemas_in(text, attempts):
                found = schema
        if found is not None or attempts[0] <= 0:
            return found
    return None


def _texts(message: Mapping[str, Any]) -> Iterator[str]:
    content = message.get("content")
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str):
                yield part["text"]


def _schemas_in(text: str, attempts: list[int]) -> Iterator[dict[str, Any]]:
    """The object schemas written in ``text``, in order; each decode spends one of ``attempts``."""
    if not any(marker in text for marker in _MARKERS):
        return
    position = 0
    while attempts[0] > 0:
        start = _OBJECT_START.search(text, position)
        if start is None:
            return
        attempts[0] -= 1
        try:
            value, length = _decode(text[start.start() : start.start() + _WINDOW])
        except (ValueError, RecursionError):
            position = start.start() + 1
            continue
        position = start.start() + length
        schema = _object_schema(value)
        if schema is not None:
            yield schema


def _object_schema(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a JSON Schema of an object (or a ``json_schema`` format's spec holding
    one), else ``None``.  Data that merely has a ``type`` or ``properties`` key is not one: every
    key must be a schema keyword, and ``properties`` must map names to schemas."""
    if not isinstance(value, dict):
        return None
    if "schema" in value and set(value) <= _WRAPPER_KEYS:
        return _object_schema(value["schema"])
    if not set(value) <= _KEYWORDS:
        return None
    type_ = value.get("type", "object")
    if type_ != "object" and not (isinstance(type_, list) and "object" in type_):
        return None
    properties = value.get("properties")
    ref, defs = value.get("$ref"), value.get("$defs", value.get("definitions"))
    if isinstance(properties, dict) and properties:
        schema = all(isinstance(s, (dict, bool)) for s in properties.values())
    else:
        schema = isinstance(ref, str) and ref.startswith("#") and isinstance(defs, dict)
    return {"type": "object", **value} if schema else None
