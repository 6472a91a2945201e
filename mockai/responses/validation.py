"""Validation of a ``POST /v1/responses`` body, with the real API's error for each fault.

In order: the body is a JSON object; ``model`` is there; no unknown top-level parameter; the
request schema (:mod:`mockai.responses.request_schema`, worded by the chat surface's
:func:`~mockai.chat.request_schema.first_fault`); the rules across fields (a named tool choice
names an offered tool, a function result answers a call of the input, a reasoning item is
followed by its item); then, once the chat view is known, the model's rules:

* the Responses API's own wording where it is recorded (api_behaviour §6a): sampling parameters
  on a reasoning model, the context window (param ``input``), an unknown model (400, param
  ``model``, when the server checks models);
* the chat surface's rules by model (:func:`mockai.chat.model_rules.check_model_rules`) and on the
  JSON Schemas the request carries (:func:`mockai.chat.schema_rules.check_request_schemas`), run
  on the chat view and reported at the Responses parameter (``tools[0].parameters``,
  ``text.format``, ``reasoning.effort``, ``input``, …).

Pure: no aiohttp.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from mockai.chat.model_rules import check_model_rules
from mockai.chat.request_schema import unknown_parameter, validated
from mockai.chat.schema_rules import check_request_schemas
from mockai.core.errors import APIError
from mockai.core.model_capabilities import capabilities
from mockai.responses.request_schema import REQUEST_SCHEMA

__all__ = ["TOP_LEVEL", "as_responses_error", "model_not_found", "validate_model_rules", "validate_responses_request"]

_VALIDATOR: Any = jsonschema_rs.validator_for(REQUEST_SCHEMA)
TOP_LEVEL: frozenset[str] = frozenset(REQUEST_SCHEMA["properties"])  # the parameters /v1/responses takes
_SAMPLING = (("temperature", 1), ("top_p", 1))


def validate_responses_request(body: object) -> dict[str, Any]:
    """Return ``body`` if it is a valid Responses request, else raise the API's :class:`APIError`."""
    return validated(body, _VALIDATOR, _top_level_fault, _check_cross_field)


def model_not_found(model: str) -> APIError:
    """An unknown model on /v1/responses: a 400 naming ``model`` [R:30], also for streams [R:31]."""
    return APIError(400, f"The requested model '{model}' does not exist.", param="model", code="model_not_found")


def _top_level_fault(body: dict[Any, Any]) -> APIError | None:
    if "model" not in body:
        return APIError.missing_required("model")
    return unknown_parameter(body, TOP_LEVEL)


# --- rules across fields ------------------------------------------------------------------------


def _check_cross_field(body: dict[str, Any]) -> None:
    if not body["model"]:
        raise APIError.missing_required("model")
    get = body.get
    if all(get(name) is None for name in ("input", "previous_response_id", "prompt", "conversation")):
        raise APIError.missing_required("input")
    if get("previous_response_id") is not None and get("conversation") is not None:
        raise APIError(
            400,
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or "
            "'conversation'.",
            param="previous_response_id",
            code="mutually_exclusive_parameters",
        )
    if get("stream_options") is not None and get("stream") is not True:
        raise APIError(
            400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
        )
    choice = get("tool_choice")
    if isinstance(choice, dict) and choice["type"] in ("function", "custom"):
        offered = [t for t in get("tools") or () if t["type"] == choice["type"]]
        if not any(t.get("name") == choice["name"] for t in offered):
            raise APIError(
                400,
                f"Tool choice '{choice['name']}' not found in 'tools' parameter.",
                param="tool_choice",
                code="invalid_value",
            )
    items = get("input")
    if isinstance(items, list) and items and items[-1].get("type") == "reasoning":
        # (Tool calls and their outputs are paired on the whole conversation, stored chain
        # included: mockai.responses.surface.request_view.)
        raise APIError(
            400,
            f"Item '{items[-1].get('id', '')}' of type 'reasoning' was provided without its required following item.",
            param="input",
        )


# --- rules of the model ---------------------------------------------------------------------------


def validate_model_rules(body: Mapping[str, Any], view: dict[str, Any]) -> None:
    """The model's rules for ``body``, whose chat view is ``view``."""
    caps = capabilities(str(body["model"]))
    if not caps.sampling:
        for name, default in _SAMPLING:
            value = body.get(name)
            if value is not None and value != default:
                raise APIError(400, f"Unsupported parameter: '{name}' is not supported with this model.", param=name)
    if body.get("max_output_tokens") is not None and body["max_output_tokens"] > caps.max_output_tokens:
        asked = body["max_output_tokens"]
        raise APIError(
            400,
            f"Invalid 'max_output_tokens': integer above maximum value. Expected a value <= "
            f"{caps.max_output_tokens}, but got {asked} instead.",
            param="max_output_tokens",
            code="integer_above_max_value",
        )
    try:
        check_model_rules(view)
        check_request_schemas(view)
    except APIError as error:
        raise as_responses_error(error, body) from None


# The chat view's names for the Responses parameters (the messages are the input).
_RENAMED = {
    "reasoning_effort": "reasoning.effort",
    "verbosity": "text.verbosity",
    "max_completion_tokens": "max_output_tokens",
    "response_format": "text.format",
}
_TOOL_PARAM = re.compile(r"^tools\[(\d+)\]\.(?:function|custom)\.")


def as_responses_error(error: APIError, body: Mapping[str, Any]) -> APIError:
    """``error``, raised on the chat view of ``body``, at the Responses parameter it is about."""
    if error.message.startswith("'messages' must contain the word 'json'"):
        return APIError(
            400,
            "Response input messages must contain the word 'json' in some form to use 'text.format' of type "
            "'json_object'.",
            param="input",
        )
    if error.code == "context_length_exceeded":  # the chat check, in the Responses API's words [R:33]
        return APIError(
            400,
            "Your input exceeds the context window of this model. Please adjust your input and try again.",
            param="input",
            code="context_length_exceeded",
        )
    param = error.param
    if param is None:
        return error
    message = error.message
    for chat_name, name in _RENAMED.items():
        if param == chat_name:
            param = name
        message = message.replace(f"'{chat_name}'", f"'{name}'")
    if param.startswith("messages"):
        param = "input"
    found = _TOOL_PARAM.match(param)
    if found is not None:
        index = _tool_index(body, int(found.group(1)))
        param = f"tools[{index}].{param[found.end() :]}"
    error.param, error.message = param, message
    error.args = (message,)
    return error


def _tool_index(body: Mapping[str, Any], chat_index: int) -> int:
    """The index in ``tools`` of the chat view's ``chat_index``-th tool (function and custom ones)."""
    seen = -1
    for index, tool in enumerate(body.get("tools") or ()):
        if tool.get("type") in ("function", "custom"):
            seen += 1
            if seen == chat_index:
                return index
    return chat_index
