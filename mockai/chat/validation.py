"""Validation of a Chat Completions request body, with the real API's error for each fault.

The structure is checked against the request schema (:mod:`mockai.chat.request_schema`), compiled
once at import with ``jsonschema_rs``: a valid body costs one ``is_valid`` call plus the few
cross-field rules below.  Of an invalid body the first fault by a fixed order is reported:

1. a missing ``model``, then a missing ``messages``;
2. an unknown top-level parameter (the first, in body order);
3. the schema's errors, in the order :func:`mockai.chat.request_schema.first_fault` gives them;

then, once the schema passes, the cross-field rules of :func:`_check_cross_field`, the rules of the
model (:func:`mockai.chat.model_rules.check_model_rules`), and last the
JSON Schemas the request carries (:func:`mockai.chat.schema_rules.check_request_schemas`).
:func:`validate_metadata` checks a ``metadata`` value alone, as a request carrying it is checked.

Pure: no aiohttp, and nothing here reads outside the package.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from mockai.chat.model_rules import check_model_rules
from mockai.chat.request_schema import REQUEST_SCHEMA, first_fault, passes, validated
from mockai.chat.schema_rules import check_request_schemas
from mockai.core.errors import APIError, unknown_parameter
from mockai.core.model_capabilities import capabilities
from mockai.core.model_catalog import is_not_chat_model

__all__ = ["REQUEST_SCHEMA", "validate_chat_request", "validate_metadata"]

_VALIDATOR: Any = jsonschema_rs.validator_for(REQUEST_SCHEMA)
_TOP_LEVEL: frozenset[str] = frozenset(REQUEST_SCHEMA["properties"])
# ``metadata`` alone, at the same place as in the request schema (so its errors read the same).
_METADATA_VALIDATOR: Any = jsonschema_rs.validator_for(
    {
        "$schema": REQUEST_SCHEMA["$schema"],
        "$id": REQUEST_SCHEMA["$id"],
        "type": "object",
        "properties": {"metadata": REQUEST_SCHEMA["properties"]["metadata"]},
    }
)


def validate_chat_request(body: object) -> dict[str, Any]:
    """Return ``body`` if it is a valid Chat Completions request, else raise the API's :class:`APIError`."""
    return validated(body, _VALIDATOR, _top_level_fault, _check_cross_field)


def validate_metadata(value: Any) -> None:
    """Raise the error a Chat Completions request with this ``metadata`` gets, if any (stored
    completions take the same metadata on update as on create)."""
    body = {"metadata": value}
    if not passes(_METADATA_VALIDATOR, body):
        raise first_fault(_METADATA_VALIDATOR, body)


def _top_level_fault(body: dict[Any, Any]) -> APIError | None:
    if "model" not in body:
        return APIError.missing_model()
    if "messages" not in body:
        return APIError.missing_required("messages")
    return unknown_parameter(body, _TOP_LEVEL)


# --- cross-field rules (the schema has passed, so every shape below is known) -----------------


def _check_cross_field(body: dict[str, Any]) -> None:
    if not body["model"]:
        raise APIError.missing_model()
    if is_not_chat_model(body["model"]):
        raise APIError(404, _NOT_A_CHAT_MODEL, param="model", auth_layer=True)  # (as model_not_found's 404)
    if not capabilities(body["model"]).chat:
        raise APIError(404, _RESPONSES_ONLY_MODEL, param="model", auth_layer=True)
    get = body.get
    if get("top_logprobs") is not None and get("logprobs") is not True:
        raise _only_when_enabled("top_logprobs", "logprobs")
    if get("stream_options") is not None and get("stream") is not True:
        raise _only_when_enabled("stream_options", "stream")
    if "tool_choice" in body:
        _check_tool_choice(body["tool_choice"], get("tools"))
    if get("parallel_tool_calls") is not None and get("tools") is None:  # (quoted in public reports, 2025-26)
        raise _invalid_value("parallel_tool_calls", "'parallel_tool_calls' is only allowed when 'tools' are specified.")
    if "function_call" in body:
        _check_function_call(body["function_call"], get("functions"))
    _check_tool_messages(body["messages"])
    check_model_rules(body)
    check_request_schemas(body)


def _check_tool_choice(choice: str | dict[str, Any], tools: list[dict[str, Any]] | None) -> None:
    if tools is None:
        raise _invalid_value("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.")
    if not isinstance(choice, dict) or choice["type"] == "allowed_tools":
        return
    kind = "custom" if choice["type"] == "custom" else "function"
    wanted = choice[kind]["name"]
    if not any(tool["type"] == kind and tool[kind]["name"] == wanted for tool in tools):
        raise _invalid_value("tool_choice", f"Tool choice '{wanted}' not found in 'tools' list.")


def _check_function_call(call: str | dict[str, Any], functions: list[dict[str, Any]] | None) -> None:
    if functions is None:
        raise _invalid_value("function_call", "'function_call' is only allowed when 'functions' are specified.")
    if isinstance(call, dict) and not any(function["name"] == call["name"] for function in functions):
        raise _invalid_value("function_call", f"Function call '{call['name']}' not found in 'functions' list.")


def _only_when_enabled(param: str, switch: str) -> APIError:
    return APIError(400, f"The '{param}' parameter is only allowed when '{switch}' is enabled.", param=param)


# The live API's answer to a model of another endpoint (embeddings, moderations, audio, images, the
# legacy completions) on chat, quoted whole in public reports from 2023 to 2026 (code null).
_NOT_A_CHAT_MODEL = (
    "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
    "Did you mean to use v1/completions?"
)


# The live API's answer to a Responses-only model (o1-pro, o3-pro, gpt-5-pro, codex, ...) on chat,
# quoted whole in public code and reports of 2025-26 (a 404, as the answer above).
_RESPONSES_ONLY_MODEL = "This model is only supported in v1/responses and not in v1/chat/completions."


def _invalid_value(param: str, why: str) -> APIError:
    return APIError(400, f"Invalid value for '{param}': {why}", param=param)


def _check_tool_messages(messages: list[dict[str, Any]]) -> None:
    """Tool messages answer the tool calls of the assistant message just before them, all of them."""
    offered: set[str] = set()  # the call ids the current run of tool messages may answer
    pending: dict[str, None] = {}  # those not answered yet, in call order
    asked_at = -1
    for index, message in enumerate(messages):
        role = message["role"]
        if role == "tool":
            call_id = message["tool_call_id"]
            if call_id not in offered:
                raise APIError(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                    "message with 'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.pop(call_id, None)
            continue
        if pending:
            raise _unanswered(asked_at, pending)
        offered = set()
        calls = message.get("tool_calls") if role == "assistant" else None
        if calls:
            ids = [call["id"] for call in calls]
            offered, pending, asked_at = set(ids), dict.fromkeys(ids), index
    if pending:
        raise _unanswered(asked_at, pending)


def _unanswered(index: int, pending: dict[str, None]) -> APIError:
    return APIError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}",
        param=f"messages.[{index}].role",
    )
