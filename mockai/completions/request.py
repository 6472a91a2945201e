"""A ``POST /v1/completions`` body, checked as the real API checks it, and what it asks for.

The structure is the official ``CreateCompletionRequest`` (openapi.yaml, line ~33821): ``model``
and ``prompt`` required; ``prompt`` a string, an array of strings, an array of token ids or an
array of token-id arrays; ``best_of`` 0..20, ``logprobs`` 0..5, ``max_tokens`` >= 0 (default 16),
``n`` 1..128, penalties -2..2, ``temperature`` 0..2, ``top_p`` 0..1, ``stop`` up to 4 sequences.
It is checked with chat's machinery (:func:`mockai.chat.request_schema.validated`), so a fault reads
as the API words it on chat: ``Unknown parameter: 'foo'.``, ``Invalid type for 'echo': expected a
boolean, but got a string instead.``, the range errors.

The model: a chat model (gpt-4o-mini, gpt-3.5-turbo, o3, …) is the live API's 404 ``This is a chat
model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?``
(quoted whole in public reports 2023-2025, and pinned live for a gpt-5 model in a public changelog
of 2026-09); an unknown id is answered as a completion model, unless ``--strict-models``.

Not recorded, worded as the API words such rules elsewhere: ``best_of`` below ``n`` and
``stream_options`` without ``stream``.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from mockai.chat.request_schema import register_schema, unknown_parameter, validated
from mockai.core.errors import APIError
from mockai.core.model_catalog import DEFAULT_CATALOG, RETIRED, is_not_chat_model
from mockai.core.records import record
from mockai.generate.tokenizer import count_tokens

__all__ = [
    "COMPLETION_MODELS",
    "DEFAULT_MAX_TOKENS",
    "REQUEST_SCHEMA",
    "CompletionRequest",
    "Prompt",
    "is_completion_model",
    "read_completion_request",
]

# The models the endpoint serves (the spec's enum for ``model``, and the snapshot of the instruct one).
COMPLETION_MODELS = ("gpt-3.5-turbo-instruct", "gpt-3.5-turbo-instruct-0914", "davinci-002", "babbage-002")
DEFAULT_MAX_TOKENS = 16  # the spec's default: seeded answers usually stop with "length"

# One prompt: a text, or the token ids of one.
Prompt = str | tuple[int, ...]

_NULLABLE_NUMBER = {"type": ["number", "null"]}
_TOKEN_IDS = {"type": "array", "minItems": 1, "items": {"type": "integer"}}

REQUEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://mockai.invalid/schemas/create_completion_request.schema.json",
    "type": "object",
    "required": ["model", "prompt"],
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string"},
        "prompt": {
            "type": ["string", "array", "null"],
            "anyOf": [
                {"type": ["string", "null"]},
                {"type": "array", "items": {"type": "string"}},
                _TOKEN_IDS,
                {"type": "array", "minItems": 1, "items": _TOKEN_IDS},
            ],
        },
        "best_of": {"type": ["integer", "null"], "minimum": 0, "maximum": 20},
        "echo": {"type": ["boolean", "null"]},
        "frequency_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "logit_bias": {
            "type": ["object", "null"],
            "additionalProperties": {"type": "integer", "minimum": -100, "maximum": 100},
        },
        "logprobs": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
        "max_tokens": {"type": ["integer", "null"], "minimum": 0},
        "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 128},
        "presence_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "seed": {"type": ["integer", "null"], "minimum": -9223372036854775808, "maximum": 9223372036854775807},
        "stop": {"type": ["string", "array", "null"], "minItems": 1, "maxItems": 4, "items": {"type": "string"}},
        "stream": {"type": ["boolean", "null"]},
        "stream_options": {
            "type": ["object", "null"],
            "properties": {"include_usage": {"type": "boolean"}, "include_obfuscation": {"type": "boolean"}},
        },
        "suffix": {"type": ["string", "null"]},
        "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
        "top_p": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "user": {"type": ["string", "null"]},
    },
}
register_schema(REQUEST_SCHEMA)
_VALIDATOR: Any = jsonschema_rs.validator_for(REQUEST_SCHEMA)
_TOP_LEVEL = frozenset(REQUEST_SCHEMA["properties"])
# Families the chat endpoint serves: sent here, the live 404 below.
_CHAT_PREFIXES = ("gpt-", "chatgpt-", "o1", "o3", "o4", "ft:gpt-", "computer-use")
_KNOWN = {m.id for m in (*DEFAULT_CATALOG, *RETIRED)}
_CHAT_MODEL = (
    "This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?"
)


@record
class CompletionRequest:
    """What a valid body asks for (the body itself is kept for the seeded keys)."""

    model: str
    prompts: tuple[Prompt, ...]
    n: int
    max_tokens: int
    logprobs: int | None
    echo: bool
    stops: tuple[str, ...]
    stream: bool
    include_usage: bool

    @property
    def prompt_tokens(self) -> int:
        return sum(count_tokens(p) if isinstance(p, str) else len(p) for p in self.prompts)


def is_completion_model(model: str) -> bool:
    """Whether ``model`` is one the endpoint serves (a fine-tune of one too)."""
    base = model.removeprefix("ft:")
    return base.startswith(COMPLETION_MODELS)


def _is_chat_model(model: str) -> bool:
    if is_completion_model(model):
        return False
    return model.startswith(_CHAT_PREFIXES) or (model in _KNOWN and not is_not_chat_model(model))


def validate_completion_request(body: object) -> dict[str, Any]:
    """``body`` if it is a valid request, else the API's :class:`APIError`."""
    return validated(body, _VALIDATOR, _top_level_fault, _check_cross_field)


def _top_level_fault(body: dict[Any, Any]) -> APIError | None:
    if "model" not in body:
        return APIError.missing_model()
    if "prompt" not in body:
        return APIError.missing_required("prompt")
    return unknown_parameter(body, _TOP_LEVEL)


def _check_cross_field(body: dict[str, Any]) -> None:
    model = body["model"]
    if not model:
        raise APIError.missing_model()
    if _is_chat_model(model):
        raise APIError(404, _CHAT_MODEL, param="model", auth_layer=True)  # (as chat's 404 for the reverse)
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise APIError(
            400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
        )
    n, best_of = body.get("n") or 1, body.get("best_of")
    if best_of is not None and best_of < n:
        raise APIError(400, "best_of must be greater than or equal to n.", param="best_of")


def _prompts(value: Any) -> tuple[Prompt, ...]:
    """The prompts of a valid ``prompt`` (null: the spec's default, the end-of-text token)."""
    if value is None:
        return ("<|endoftext|>",)
    if isinstance(value, str):
        return (value,)
    if not value:  # ``[]``: one empty prompt (the schema lets an empty array of strings through)
        return ("",)
    if all(isinstance(item, str) for item in value):
        return tuple(value)
    if all(isinstance(item, int) for item in value):
        return (tuple(value),)
    return tuple(tuple(item) for item in value)


def read_completion_request(body: object) -> tuple[dict[str, Any], CompletionRequest]:
    """The valid body and what it asks for; the real API's error for a body it refuses."""
    valid = validate_completion_request(body)
    get = valid.get
    options = get("stream_options") or {}
    max_tokens = get("max_tokens")
    stop = get("stop")
    stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
    asked = CompletionRequest(
        model=valid["model"],
        prompts=_prompts(valid["prompt"]),
        n=get("n") or 1,
        max_tokens=DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens,
        logprobs=get("logprobs"),
        echo=get("echo") is True,
        stops=tuple(s for s in stops if s),
        stream=get("stream") is True,
        include_usage=get("stream") is True and options.get("include_usage") is True,
    )
    return valid, asked
