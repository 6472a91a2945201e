"""``POST /v1/responses/input_tokens``: how many input tokens a Response to the request would count.

The body takes the parameters of the spec's ``TokenCountsBody`` (a Responses request's input, its
instructions, tools, text format, reasoning, conversation state); any other is the real
``Unknown parameter`` 400, and the values are checked as ``POST /v1/responses`` checks them.  The
count is the ``usage.input_tokens`` that the same request to ``POST /v1/responses`` reports (its chat
view's prompt tokens: a stored conversation continued counts the whole conversation), so a test
can budget a prompt with it and find the same figure in the answer.  The answer is
``{"object": "response.input_tokens", "input_tokens": N}``.
"""

from __future__ import annotations

from typing import Any

from mockai.core.errors import APIError, json_type_words, unknown_parameter
from mockai.core.json_text import indented_bytes
from mockai.generate.tokenizer import count_prompt_tokens
from mockai.responses.validation import TOP_LEVEL, validate_responses_request

__all__ = ["COUNTED", "count_body", "input_tokens", "validate_count_request"]

# TokenCountsBody's parameters (spec), as /v1/responses knows them.
COUNTED = frozenset(
    {
        "model",
        "input",
        "previous_response_id",
        "tools",
        "text",
        "reasoning",
        "truncation",
        "instructions",
        "conversation",
        "tool_choice",
        "parallel_tool_calls",
    }
    & TOP_LEVEL
) | {"personality"}
# ``personality`` (a style preset, "friendly", "pragmatic", …: the SDK 3.57's input_tokens params;
# /v1/responses does not take it): a string of at most 64 characters, which counts no token.
_PERSONALITY_LENGTH = 64
# ``model`` may be left out or null: the count is the same for every model mockai knows.
_ANY_MODEL = "gpt-4o"


def validate_count_request(body: object) -> dict[str, Any]:
    """``body`` if it is a valid request to count (with a model: the one given, or any), else the
    API's error."""
    if isinstance(body, dict):
        fault = unknown_parameter(body, COUNTED)
        if fault is not None:
            raise fault
        if body.get("model") is None:
            body = {**body, "model": _ANY_MODEL}
        if "personality" in body:
            _check_personality(body["personality"])
            body = {k: v for k, v in body.items() if k != "personality"}
    return validate_responses_request(body)


def _check_personality(value: Any) -> None:
    if not isinstance(value, str):
        raise APIError.invalid_type("personality", "a string", json_type_words(value))
    if len(value) > _PERSONALITY_LENGTH:
        raise APIError(
            400,
            f"Invalid 'personality': string too long. Expected a string with maximum length "
            f"{_PERSONALITY_LENGTH}, but got a string with length {len(value)} instead.",
            param="personality",
            code="string_above_max_length",
        )


def input_tokens(view: dict[str, Any]) -> int:
    """The input tokens of a Response whose chat view is ``view`` (what its ``usage`` reports)."""
    return count_prompt_tokens(
        view.get("messages") or (), view.get("tools"), view.get("functions"), str(view.get("model", ""))
    )


def count_body(tokens: int) -> bytes:
    """The answer's bytes, laid out as a Response's (2-space indent, no trailing newline)."""
    return indented_bytes({"object": "response.input_tokens", "input_tokens": tokens})[:-1]
