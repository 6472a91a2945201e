"""What the real API refuses for a model although the request's shape is valid (issue 12).

Called by :mod:`mockai.chat.validation` once the schema and the cross-field rules pass.  The model's
:class:`~mockai.core.model_capabilities.Capabilities` are looked up once per request (memoised per
id), and the cheap top-level checks run before the one walk over the messages.

Where each wording comes from is said at each rule:

* [conf] ``../shared/conformance/api_behaviour.md`` §2, recorded or quoted from real traffic;
* [issue] the wording quoted in issue 12 (tried against the real API by the issue's author);
* [quoted] quoted from the real API in a public report, named at the rule;
* [style] not recorded: the closest recorded message shape (``Unsupported value: …`` /
  ``Unsupported parameter: …`` / ``Invalid value: …`` / ``Missing required parameter: …``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from mockai.core.errors import APIError
from mockai.core.json_text import ascii_compact_text
from mockai.core.model_capabilities import Capabilities, capabilities
from mockai.generate.tokenizer import count_prompt_tokens, offered_tools_tokens

__all__ = ["check_model_rules", "unsupported_by_model"]

# (parameter, its default): values other than the default are refused by models without sampling.
_SAMPLING_DEFAULTS = (("temperature", 1), ("top_p", 1), ("presence_penalty", 0), ("frequency_penalty", 0))
_MAX_LOGIT_BIAS_KEYS = 1024  # [issue]
_IMAGE_URL_SCHEMES = ("http://", "https://")


def check_model_rules(body: dict[str, Any]) -> None:
    """Raise the real API's error for the first rule ``body`` breaks for its model, if any."""
    refused = unsupported_by_model(body)
    if refused is not None:
        raise refused
    caps = capabilities(body["model"])
    _check_parameters(body, caps)
    if body.get("logit_bias"):
        _check_logit_bias(body["logit_bias"])
    if body.get("prediction") is not None:
        _check_prediction(body, caps)
    modalities = body.get("modalities")
    if modalities and "audio" in modalities:
        _check_audio_output(body, caps)
    _check_messages(body, caps)


def unsupported_by_model(body: Mapping[str, Any]) -> APIError | None:
    """The two refusals recorded first: web search options and the system role."""
    model = str(body.get("model", ""))
    if body.get("web_search_options") is not None and "search" not in model:
        # [conf] recording 32: only the *-search-* models take web search options.
        return APIError(400, "Web search options not supported with this model.", param="web_search_options")
    if not capabilities(model).system_role:
        for i, message in enumerate(body.get("messages") or ()):
            role = message.get("role") if isinstance(message, Mapping) else None
            if role in ("system", "developer"):
                # [conf] recording 30 (o1-mini).
                return APIError(
                    400,
                    f"Unsupported value: 'messages[{i}].role' does not support '{role}' with this model.",
                    param=f"messages[{i}].role",
                    code="unsupported_value",
                )
    return None


# --- top-level parameters ---------------------------------------------------------------------


def _check_parameters(body: dict[str, Any], caps: Capabilities) -> None:
    get = body.get
    samples = caps.takes_sampling(get("reasoning_effort"))  # (gpt-5.1 and later at effort none)
    if not samples:
        for name, default in _SAMPLING_DEFAULTS:
            value = get(name)
            if value is not None and value != default:
                raise _only_default(name, value, default)  # [issue] (temperature on gpt-5)
    if not (caps.logprobs or samples) and get("logprobs") is True:
        raise _only_default("logprobs", True, False)  # [issue] shape; today it was dropped
    if not caps.n and (get("n") or 1) > 1:
        raise _only_default("n", get("n"), 1)  # [style]
    if not caps.max_tokens_param and get("max_tokens") is not None:
        # [issue] (o-series)
        raise APIError(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            param="max_tokens",
            code="unsupported_parameter",
        )
    for name in ("max_tokens", "max_completion_tokens"):
        asked = get(name)
        if asked is not None and asked > caps.max_output_tokens:
            # [conf] "max_tokens above the model cap" (code invalid_value, 2025)
            raise APIError(
                400,
                f"{name} is too large: {asked}. This model supports at most {caps.max_output_tokens} "
                f"completion tokens, whereas you provided {asked}.",
                param=name,
                code="invalid_value",
            )
    _check_reasoning_parameters(body, caps)
    if not caps.tools and (get("tools") or get("functions")):
        raise _unsupported_parameter("tools" if get("tools") else "functions")  # [style]


def _check_reasoning_parameters(body: dict[str, Any], caps: Capabilities) -> None:
    effort = body.get("reasoning_effort")
    if effort is not None:
        if not caps.reasoning:
            raise _unsupported_parameter("reasoning_effort")  # [style]; the issue says only "rejected"
        if effort not in caps.efforts:
            raise _unsupported_value("reasoning_effort", effort, caps.efforts)  # [style]
    verbosity = body.get("verbosity")
    if verbosity is not None and not caps.verbosity and verbosity != "medium":
        # [style]: models without the parameter take only its default.
        raise _unsupported_value("verbosity", verbosity, ("medium",))


def _check_logit_bias(bias: dict[str, Any]) -> None:
    # [style] for both; the issue says only that the real API refuses them.
    for key in bias:
        if not (key.isascii() and key.isdigit()):
            raise APIError(
                400,
                f"Invalid key in 'logit_bias': '{key}'. Keys must be token ids (integers as strings).",
                param="logit_bias",
                code="invalid_value",
            )
    if len(bias) > _MAX_LOGIT_BIAS_KEYS:
        raise APIError(
            400,
            f"Invalid 'logit_bias': too many keys. Expected an object with at most {_MAX_LOGIT_BIAS_KEYS} "
            f"keys, but got an object with {len(bias)} keys instead.",
            param="logit_bias",
            code="invalid_value",
        )


def _check_prediction(body: dict[str, Any], caps: Capabilities) -> None:
    # [style] all three; the predicted-outputs guide lists the limits (no n > 1, no tools).
    if not caps.predicted_outputs:
        raise _unsupported_parameter("prediction")
    if (body.get("n") or 1) > 1:
        raise APIError(
            400,
            f"Unsupported value: 'n' does not support {body['n']} with predicted outputs. "
            "Only the default (1) value is supported.",
            param="n",
            code="unsupported_value",
        )
    if body.get("tools") or body.get("functions"):
        name = "tools" if body.get("tools") else "functions"
        raise APIError(
            400,
            f"Unsupported parameter: '{name}' is not supported with predicted outputs.",
            param=name,
            code="unsupported_parameter",
        )


def _check_audio_output(body: dict[str, Any], caps: Capabilities) -> None:
    # [style] all three; the issue says only that the real API refuses them.
    if not caps.audio_output:
        raise _unsupported_value("modalities", "audio", ("text",))
    audio = body.get("audio")
    if audio is None:
        raise APIError(
            400,
            "Missing required parameter: 'audio'. It is required when 'modalities' includes 'audio'.",
            param="audio",
            code="missing_required_parameter",
        )
    voice = audio["voice"]
    if isinstance(voice, str) and voice not in caps.voices:
        raise APIError(
            400, f"Invalid value: '{voice}'. {_supported(caps.voices)}", param="audio.voice", code="invalid_value"
        )
    if body.get("stream") and audio["format"] != "pcm16":
        # [quoted] the real API's answer relayed in public (Agent-Field/agentfield#584, 2026-05)
        raise APIError(
            400,
            f"Unsupported value: 'audio.format' does not support '{audio['format']}' when stream=true. "
            "Supported values are: 'pcm16'.",
            param="audio.format",
            code="unsupported_value",
        )


# --- the messages: content parts, empty assistant messages, the word json, the context window ---


def _check_messages(body: dict[str, Any], caps: Capabilities) -> None:
    messages: list[dict[str, Any]] = body["messages"]
    wants_json = (body.get("response_format") or {}).get("type") == "json_object"
    saw_json = False
    chars = 0  # an upper bound of the prompt's tokens: a token is at least one character
    for i, message in enumerate(messages):
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content) + 8
            if wants_json and not saw_json:
                saw_json = "json" in content.lower()
        elif isinstance(content, list):
            chars += _check_parts(i, content, caps)
            if wants_json and not saw_json:
                saw_json = any("json" in str(part.get("text", "")).lower() for part in content)
        elif message["role"] == "assistant" and not _says_something(message):
            # [issue] (param messages.[N].content, code null)
            raise APIError(
                400, "Invalid value for 'content': expected a string, got null.", param=f"messages.[{i}].content"
            )
    if wants_json and not saw_json:
        # [issue] (param messages, code null)
        raise APIError(
            400,
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            param="messages",
        )
    requested = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    if chars + _carried_tokens_bound(body, messages) + requested > caps.context_window // 2:
        _check_context(body, caps, requested)


def _says_something(message: dict[str, Any]) -> bool:
    return bool(
        message.get("tool_calls") or message.get("function_call") or message.get("refusal") or message.get("audio")
    )


def _carried_tokens_bound(body: dict[str, Any], messages: list[dict[str, Any]]) -> int:
    """An upper bound of the tokens of what a prompt carries besides text: the offered tools' own
    count (what the prompt's count adds for them, remembered), and the compact length of its
    tool calls' JSON, or "too many to bound" for JSON too deep to encode."""
    calls = [
        m.get("tool_calls") or m.get("function_call") for m in messages if "tool_calls" in m or "function_call" in m
    ]
    try:
        json_chars = sum(len(ascii_compact_text(value)) for value in calls if value)
    except (RecursionError, ValueError):
        return sys.maxsize
    return offered_tools_tokens(body.get("tools"), body.get("functions")) + json_chars


def _check_parts(index: int, parts: list[dict[str, Any]], caps: Capabilities) -> int:
    """Check one message's content parts; return an upper bound of their characters."""
    chars = 8
    for j, part in enumerate(parts):
        kind = part.get("type")
        if kind == "text":
            chars += len(part.get("text", ""))
            continue
        chars += 128
        if kind == "image_url":
            _check_image(index, j, part["image_url"]["url"], caps)
        elif kind == "input_audio" and "audio" not in caps.inputs:
            # [conf] recording 31 (content-block type not allowed)
            raise APIError(
                400,
                f"Invalid 'messages[{index}]'. Content blocks are expected to be either text or image_url type.",
                param=f"messages[{index}]",
                code="invalid_value",
            )
        elif kind == "file":
            file = part.get("file") or {}
            if not file.get("file_id") and not file.get("file_data"):
                # [style] the recorded "Missing required parameter" with a nested path
                raise APIError.missing_required(f"messages[{index}].content[{j}].file.file_id")
    return chars


def _check_image(index: int, j: int, url: str, caps: Capabilities) -> None:
    if "image" not in caps.inputs:
        # [issue] wording; the param's odd ``.[`` path follows the recorded tool-message ones [style]
        raise APIError(
            400,
            "Invalid content type. image_url is only supported by certain models.",
            param=f"messages.[{index}].content.[{j}].type",
        )
    where = f"messages[{index}].content[{j}].image_url.url"
    if url.startswith("data:"):
        mime = url[5:].split(";", 1)[0].split(",", 1)[0]
        if not mime.startswith("image/"):
            # [style] not recorded (the issue: a data:text/plain image is refused)
            raise APIError(
                400,
                f"Invalid image URL: '{where}'. Expected a base64-encoded data URL with an image MIME type "
                f"(e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got unsupported MIME type '{mime}'.",
                param=where,
                code="invalid_value",
            )
    elif not url.startswith(_IMAGE_URL_SCHEMES) or len(url) < 9:
        # [style] not recorded (the issue: "not a url" is refused)
        raise APIError(
            400,
            f"Invalid '{where}'. Expected a valid URL, but got a value with an invalid format.",
            param=where,
            code="invalid_value",
        )


def _check_context(body: dict[str, Any], caps: Capabilities, requested: int) -> None:
    """The prompt and the completion tokens asked for must fit the context window."""
    tokens = count_prompt_tokens(body["messages"], body.get("tools"), body.get("functions"), body["model"])
    window = caps.context_window
    # [conf] "context too long" (both quoted variants), counted with mockai's own tokenizer
    if requested and tokens + requested > window:
        raise APIError(
            400,
            f"This model's maximum context length is {window} tokens. However, you requested "
            f"{tokens + requested} tokens ({tokens} in the messages, {requested} in the completion). "
            "Please reduce the length of the messages or completion.",
            param="messages",
            code="context_length_exceeded",
        )
    if tokens > window:
        raise APIError(
            400,
            f"This model's maximum context length is {window} tokens. However, your messages "
            f"resulted in {tokens} tokens. Please reduce the length of the messages.",
            param="messages",
            code="context_length_exceeded",
        )


# --- wordings ---------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _only_default(name: str, value: Any, default: Any) -> APIError:
    return APIError(
        400,
        f"Unsupported value: '{name}' does not support {_shown(value)} with this model. "
        f"Only the default ({_shown(default)}) value is supported.",
        param=name,
        code="unsupported_value",
    )


def _unsupported_parameter(name: str) -> APIError:
    return APIError(
        400,
        f"Unsupported parameter: '{name}' is not supported with this model.",
        param=name,
        code="unsupported_parameter",
    )


def _unsupported_value(name: str, value: str, supported: tuple[str, ...]) -> APIError:
    return APIError(
        400,
        f"Unsupported value: '{name}' does not support '{value}' with this model. {_supported(supported)}",
        param=name,
        code="unsupported_value",
    )


def _supported(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) > 1:
        quoted[-1] = "and " + quoted[-1]
    return f"Supported values are: {', '.join(quoted) if len(quoted) > 2 else ' '.join(quoted)}."
