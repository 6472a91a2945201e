"""Validation of a ``POST /v1/responses`` body, with the real API's error for each fault.

In order: the body is a JSON object; ``model`` is there and a string; ``input`` is there (or a
``prompt``); no unknown top-level parameter (with the live API's spelling help); the request
schema (:mod:`mockai.responses.request_schema`, worded by the chat surface's
:func:`~mockai.chat.request_schema.first_fault`) one parameter at a time, in the live API's order
(:data:`REPORT_ORDER`), a missing member of an object before an unknown one, in the Responses
API's own words where they differ from chat's; the rules across fields (an empty ``input``, a
named tool choice names an offered tool, a function result answers a call of the input, a
reasoning item is followed by its item); then, once the chat view is known (after the stored
state is read: a previous response, a conversation), the model's rules:

* the Responses API's own wording where it is recorded (api_behaviour §6a): sampling parameters
  (and penalties) on a reasoning model, logprobs on a reasoning model, the context window (param
  ``input``), an unknown model (400, param ``model``, when the server checks models);
* the chat surface's rules by model (:func:`mockai.chat.model_rules.check_model_rules`) and on the
  JSON Schemas the request carries (:func:`mockai.chat.schema_rules.check_request_schemas`), run
  on the chat view and reported at the Responses parameter (``tools[0].parameters``,
  ``text.format``, ``reasoning.effort``, ``input``, …).

The order, the wording and the spelling help follow a 2026 public probe list of the live API
(``tests/responses/test_live_probes.py``).

Pure: no aiohttp.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from mockai.chat.model_rules import check_model_rules
from mockai.chat.request_schema import first_fault, passes, register_schema
from mockai.chat.schema_rules import check_request_schemas
from mockai.core.errors import APIError, json_type_words
from mockai.core.model_capabilities import capabilities
from mockai.responses.request_schema import ASSISTANT_PARTS, INPUT_PARTS, ITEM_TYPES, REQUEST_SCHEMA, ROLES

__all__ = [
    "REPORT_ORDER",
    "TOP_LEVEL",
    "as_responses_error",
    "model_not_found",
    "validate_model_rules",
    "validate_responses_request",
]

_VALIDATOR: Any = jsonschema_rs.validator_for(REQUEST_SCHEMA)
TOP_LEVEL: frozenset[str] = frozenset(REQUEST_SCHEMA["properties"])  # the parameters /v1/responses takes
# The order in which the live API reports the faults of the parameters, one parameter after the
# other (a 2026 public probe list: "order <a> beats <b>").  Measured: model, input, moderation,
# include, tools, metadata, text, temperature, top_p, presence_penalty, parallel_tool_calls,
# stream, stream_options, background, max_output_tokens, max_tool_calls, reasoning, user,
# safety_identifier, prompt_cache_options, prompt_cache_key, prompt_cache_retention, truncation,
# instructions, store, service_tier, top_logprobs, context_management.  Not measured, placed by
# mockai: previous_response_id, conversation, prompt, tool_choice, frequency_penalty, and the
# parameters newer than the probes (image, background_options, access_programs).
REPORT_ORDER: tuple[str, ...] = (
    "model",
    "input",
    "previous_response_id",
    "conversation",
    "prompt",
    "moderation",
    "include",
    "image",
    "tools",
    "tool_choice",
    "metadata",
    "text",
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "parallel_tool_calls",
    "stream",
    "stream_options",
    "background",
    "background_options",
    "max_output_tokens",
    "max_tool_calls",
    "reasoning",
    "user",
    "safety_identifier",
    "prompt_cache_options",
    "prompt_cache_key",
    "prompt_cache_retention",
    "truncation",
    "instructions",
    "store",
    "service_tier",
    "top_logprobs",
    "context_management",
    "access_programs",
)
assert frozenset(REPORT_ORDER) == TOP_LEVEL and len(REPORT_ORDER) == len(TOP_LEVEL)
_SAMPLING = (("temperature", 1), ("top_p", 1), ("presence_penalty", 0), ("frequency_penalty", 0))


def _variant(name: str, *, open_objects: bool) -> Any:
    """A validator of one parameter at a time (``{name: value}``: no required ``model``); with
    ``open_objects``, one that takes unknown members (the faults besides them)."""
    schema = copy.deepcopy(REQUEST_SCHEMA)
    schema["$id"] = REQUEST_SCHEMA["$id"].replace(".schema.json", f".{name}.schema.json")
    del schema["required"]
    if open_objects:
        _open(schema)
        schema["additionalProperties"] = False  # (the parameters themselves are known)
    register_schema(schema)
    return jsonschema_rs.validator_for(schema)


def _open(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
        for value in node.values():
            _open(value)
    elif isinstance(node, list):
        for value in node:
            _open(value)


_ONE_PARAMETER: Any = _variant("one-parameter", open_objects=False)
_ONE_PARAMETER_OPEN: Any = _variant("one-parameter-open", open_objects=True)


def validate_responses_request(body: object) -> dict[str, Any]:
    """Return ``body`` if it is a valid Responses request, else raise the API's :class:`APIError`."""
    if not isinstance(body, dict):
        # A JSON body that is not an object: answered as a body that is not JSON (as on chat).
        raise APIError.invalid_json()
    valid = passes(_VALIDATOR, body)
    if not valid or "input" not in body:
        fault = _first_fault(body)
        if fault is not None:
            raise fault
        if not valid:  # pragma: no cover - every fault of the schema is one of a parameter
            raise _reworded(first_fault(_VALIDATOR, body), body)
    _check_cross_field(body)
    return body


def model_not_found(model: str) -> APIError:
    """An unknown model on /v1/responses: a 400 naming ``model`` [R:30], also for streams [R:31]."""
    return APIError(400, f"The requested model '{model}' does not exist.", param="model", code="model_not_found")


def _first_fault(body: dict[Any, Any]) -> APIError | None:
    """The fault of ``body`` the live API reports first, before the rules across fields."""
    if "model" not in body:
        return APIError.missing_required("model")
    fault = _parameter_fault(body, "model")
    if fault is not None:
        return fault
    if "input" not in body and body.get("prompt") is None:
        # Even with a previous_response_id (the probe list); a prompt may carry the input.
        return APIError.missing_required("input")
    fault = _unknown_parameter(body)
    if fault is not None:
        return fault
    for name in REPORT_ORDER[1:]:
        if name in body:
            fault = _parameter_fault(body, name)
            if fault is not None:
                return fault
    return None


def _parameter_fault(body: dict[Any, Any], name: str) -> APIError | None:
    """The first fault of the parameter ``name``: in one object, a missing member before an
    unknown one (``{"type": "function", "function": {…}}`` misses ``name``)."""
    one = {name: body[name]}
    if passes(_ONE_PARAMETER, one):
        return None
    fault = first_fault(_ONE_PARAMETER, one)
    if fault.code == "unknown_parameter" and fault.param is not None and not passes(_ONE_PARAMETER_OPEN, one):
        other = first_fault(_ONE_PARAMETER_OPEN, one)
        same_object = other.param is not None and other.param.rpartition(".")[0] == fault.param.rpartition(".")[0]
        if other.code == "missing_required_parameter" and same_object:
            fault = other
    return _reworded(fault, body)


# --- unknown parameters --------------------------------------------------------------------------

_MESSAGES_MOVED = (
    "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. Try again "
    "with the new parameter. See the API documentation for more information: "
    "https://platform.openai.com/docs/api-reference/responses/create."
)
_SUGGESTION_DISTANCE = 2  # the live API suggests the known parameters at most 2 edits away


def _unknown_parameter(body: dict[Any, Any]) -> APIError | None:
    """The first top-level key of ``body`` (in body order) that is not a parameter: ``messages``
    in its own words; another with the known parameters it is a near miss of (``Did you mean
    'store'?``: at most 2 edits away, nearest first, never one the body already has)."""
    for key in body:
        if key in TOP_LEVEL:
            continue
        name = str(key)
        if name == "messages":
            return APIError(400, _MESSAGES_MOVED, param=None, code="unsupported_parameter")
        near = _near_misses(name, body)
        hint = f" Did you mean {_choices(near, 'or')}?" if near else ""
        return APIError(400, f"Unknown parameter: '{name}'.{hint}", param=name, code="unknown_parameter")
    return None


def _near_misses(name: str, body: Mapping[Any, Any]) -> list[str]:
    found: list[tuple[int, int, str]] = []
    for rank, known in enumerate(REPORT_ORDER):
        if known in body or abs(len(known) - len(name)) > _SUGGESTION_DISTANCE:
            continue  # (a key of another length is never near: no distance is measured for it)
        distance = _edit_distance(name, known)
        if distance <= _SUGGESTION_DISTANCE:
            found.append((distance, rank, known))
    return [known for _, _, known in sorted(found)]


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def _choices(values: tuple[str, ...] | list[str], conjunction: str) -> str:
    """``'a', 'b', and 'c'`` / ``'a' and 'b'`` (or with "or"), as the live API lists values."""
    shown = [f"'{value}'" for value in values]
    if len(shown) <= 2:
        return f" {conjunction} ".join(shown)
    return f"{', '.join(shown[:-1])}, {conjunction} {shown[-1]}"


# --- the Responses API's words ---------------------------------------------------------------------

_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
_INCLUDABLE: list[str] = REQUEST_SCHEMA["properties"]["include"]["items"]["enum"]


def _abbreviated(value: str) -> str:
    """A long name as the live API cuts it in some messages: ``'pre..._id'``."""
    return value if len(value) <= 16 else f"{value[:3]}...{value[-3:]}"


# What a parameter's type fault says it expected, where the Responses API words it its own way.
_EXPECTED = {
    "input": "one of a string or array of input items",
    "tools": "an array of tools",
    "metadata": "a metadata object",
    "tool_choice": f"one of an object or {_choices(['none', 'auto', 'required'], 'or')}",
    "include": f"an array of one of {_choices([_abbreviated(value) for value in _INCLUDABLE], 'or')}",
    "reasoning.effort": f"one of one of {_choices(_EFFORTS, 'or')} or integer",
}
_INTEGER_EFFORT = f"one of {_choices(['minimal', 'low', 'medium', 'high'], 'or')}"  # (sic: measured)
_ITEM = re.compile(r"^input\[(\d+)\]$")
_PART = re.compile(r"^input\[(\d+)\]\.content\[(\d+)\]$")
_PATH_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _reworded(error: APIError, body: Mapping[str, Any]) -> APIError:
    """``error`` (as the chat surface words a fault of the schema) in the Responses API's words."""
    param = error.param
    if param is None:
        return error
    if error.code == "invalid_type":
        value = _value_at(body, param)
        expected = _EXPECTED.get(param)
        if param in ("model", "input") and value is None:
            expected, got = "a string", "an object"  # a null parameter is "an object" here
        else:
            got = json_type_words(value)
            if _ITEM.match(param):
                expected = "an input item"
            elif param == "reasoning.effort" and isinstance(value, int) and not isinstance(value, bool):
                expected = _INTEGER_EFFORT
        if expected is None:
            return error
        return APIError(
            400,
            f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
            param=param,
            code=error.code,
        )
    if error.code == "invalid_value" and error.message == f"Invalid value for '{param}'.":
        return _wrong_kind(param, body) or error
    return error


def _wrong_kind(param: str, body: Mapping[str, Any]) -> APIError | None:
    """The fault the request schema marks with a ``false`` schema: an item of no known ``type``, a
    message of no known ``role``, a part its message's role does not take."""
    shown: Any
    choices: tuple[str, ...]
    item = _ITEM.match(param)
    part = _PART.match(param)
    if item is not None:
        value = _value_at(body, param)
        if not isinstance(value, Mapping):
            return None
        kind = value.get("type")
        if "type" in value and kind not in ITEM_TYPES and kind is not None:
            shown, choices = kind, ITEM_TYPES
        else:
            shown, choices = value.get("role"), ROLES
    elif part is not None:
        message = _value_at(body, f"input[{part.group(1)}]")
        role = message.get("role") if isinstance(message, Mapping) else None
        value = _value_at(body, param)
        shown = value.get("type") if isinstance(value, Mapping) else None
        choices = ASSISTANT_PARTS if role == "assistant" else INPUT_PARTS
    else:
        return None
    shown = shown if isinstance(shown, str) else ""  # (a type or role that is not a string: '')
    message_text = f"Invalid value: '{shown}'. Supported values are: {_choices(choices, 'and')}."
    return APIError(400, message_text, param=param, code="invalid_value")


def _value_at(body: Any, param: str) -> Any:
    """The value of ``body`` at ``param`` (``input[0].content``); None when there is none."""
    node = body
    for index, key in _PATH_STEP.findall(param):
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        else:
            node = node.get(key) if isinstance(node, Mapping) else None
    return node


# --- rules across fields ------------------------------------------------------------------------


_NOTHING_TO_ANSWER = "One of \"input\" or \"previous_response_id\" or 'prompt' or 'conversation' must be provided."
_STATE = ("previous_response_id", "prompt", "conversation")  # what a request may answer without input
_EXCLUSIVE = (
    f"Mutually exclusive parameters: ''. Ensure you are only providing one of: "
    f"{_choices([_abbreviated('previous_response_id'), 'conversation'], 'or')}."
)


def _check_cross_field(body: dict[str, Any]) -> None:
    if not body["model"]:
        raise model_not_found(body["model"])
    get = body.get
    if get("previous_response_id") is not None and get("conversation") is not None:
        raise APIError(400, _EXCLUSIVE, param=None, code="mutually_exclusive_parameters")
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
    get = body.get
    if get("input") in ("", []) and all(get(name) is None for name in _STATE):
        # Nothing to answer: after the stored state is read, before the model's rules (the probe list).
        raise APIError(400, _NOTHING_TO_ANSWER, param=None, code="missing_required_parameter")
    caps = capabilities(str(body["model"]))
    reasoning = get("reasoning")
    samples = caps.takes_sampling(reasoning.get("effort") if isinstance(reasoning, Mapping) else None)
    if not samples:
        for name, default in _SAMPLING:
            value = body.get(name)
            if value is not None and value != default:
                raise APIError(400, f"Unsupported parameter: '{name}' is not supported with this model.", param=name)
    retention = get("prompt_cache_retention")
    if retention is not None and retention not in caps.prompt_cache_retentions:
        raise APIError(
            400,
            f"This model is compatible only with {caps.prompt_cache_retentions[0]} extended prompt caching",
            param="prompt_cache_retention",
            code="invalid_parameter",
        )
    if caps.reasoning and not (caps.logprobs or samples):  # (after the sampling parameters: the probe list)
        include = body.get("include") or ()
        wants = "message.output_text.logprobs" in include
        if wants or body.get("top_logprobs") not in (None, 0):
            raise APIError(
                400,
                "logprobs are not supported with reasoning models.",
                param="include" if wants else "top_logprobs",
                code="unsupported_parameter",
            )
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
    if param == "reasoning.effort" and error.code == "unsupported_value":
        message = _unsupported_effort(body)
    found = _TOOL_PARAM.match(param)
    if found is not None:
        index = _tool_index(body, int(found.group(1)))
        param = f"tools[{index}].{param[found.end() :]}"
    error.param, error.message = param, message
    error.args = (message,)
    return error


def _unsupported_effort(body: Mapping[str, Any]) -> str:
    """An effort the model does not take, in the Responses API's words (the probe list: "'minimal'
    is not supported with the 'gpt-5.x' model")."""
    model = str(body.get("model"))
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
    efforts = _choices(capabilities(model).efforts, "and")
    return f"Unsupported value: '{effort}' is not supported with the '{model}' model. Supported values are: {efforts}."


def _tool_index(body: Mapping[str, Any], chat_index: int) -> int:
    """The index in ``tools`` of the chat view's ``chat_index``-th tool (function and custom ones)."""
    seen = -1
    for index, tool in enumerate(body.get("tools") or ()):
        if tool.get("type") in ("function", "custom"):
            seen += 1
            if seen == chat_index:
                return index
    return chat_index
