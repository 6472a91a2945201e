"""validate_chat_request: the real API's error for each fault, and nothing but APIError, ever."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.chat import validation
from mockai.chat.validation import REQUEST_SCHEMA, validate_chat_request, validate_metadata
from mockai.core.errors import APIError
from tests.support.bodies import function_tool, tool_call
from tests.support.reference import SHARED

USER = {"role": "user", "content": "Hello"}


def body(**extra: Any) -> dict[str, Any]:
    """A minimal valid request plus ``extra`` (a value of ``...`` deletes the key)."""
    out: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [USER]}
    out.update(extra)
    return {key: value for key, value in out.items() if value is not ...}


def fn_tool(name: str = "get_weather", description: str | None = None) -> dict[str, Any]:
    return function_tool(name, description=description)


def call(call_id: str, name: str = "get_weather") -> dict[str, Any]:
    return tool_call(call_id, name)


def rejected(request: object) -> APIError:
    with pytest.raises(APIError) as info:
        validate_chat_request(request)
    return info.value


def assert_error(request: object, param: str | None, code: str | None, message: str) -> None:
    error = rejected(request)
    assert (error.status, error.type) == (400, "invalid_request_error")
    assert (error.param, error.code, error.message) == (param, code, message)


# --- missing parameters, unknown parameters, bodies that are not objects ---------------------


@pytest.mark.parametrize("request_body", [[], "hi", 3, None, [{"model": "x"}]])
def test_a_body_that_is_not_an_object_is_answered_as_invalid_json(request_body: object) -> None:
    assert rejected(request_body).message == APIError.invalid_json().message


def test_nan_is_not_json() -> None:
    assert rejected(body(temperature=float("nan"))).message == APIError.invalid_json().message


def test_missing_messages() -> None:
    assert_error(
        body(messages=...),
        "messages",
        "missing_required_parameter",
        "Missing required parameter: 'messages'.",
    )


@pytest.mark.parametrize("model", [..., ""])
def test_missing_or_empty_model(model: Any) -> None:
    assert_error(body(model=model), None, None, "you must provide a model parameter")


def test_missing_model_beats_missing_messages_and_unknown_parameters() -> None:
    assert rejected({"foo": 1}).message == "you must provide a model parameter"
    assert rejected({"model": "m", "foo": 1}).param == "messages"


def test_missing_role() -> None:
    assert_error(
        body(messages=[{"content": "hi"}]),
        "messages[0].role",
        "missing_required_parameter",
        "Missing required parameter: 'messages[0].role'.",
    )


def test_missing_content_part_type() -> None:
    messages = [USER, {"role": "assistant", "content": "hi"}, {"role": "user", "content": [{"text": "x"}]}]
    assert_error(
        body(messages=messages),
        "messages[2].content[0].type",
        "missing_required_parameter",
        "Missing required parameter: 'messages[2].content[0].type'.",
    )


def test_missing_tool_function() -> None:
    assert_error(
        body(tools=[{"type": "function"}]),
        "tools[0].function",
        "missing_required_parameter",
        "Missing required parameter: 'tools[0].function'.",
    )


def test_unknown_parameter() -> None:
    assert_error(body(foo=1, bar=2), "foo", "unknown_parameter", "Unknown parameter: 'foo'.")


def test_an_unknown_parameter_beats_a_bad_value() -> None:
    assert rejected(body(n="abc", zzz=1, messages=[])).message == "Unknown parameter: 'zzz'."


# --- types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "param", "expected", "got"),
    [
        (
            {"messages": [{"role": "user", "content": 7}]},
            "messages[0].content",
            "one of a string or array of objects",
            "an integer",
        ),
        ({"parallel_tool_calls": None}, "parallel_tool_calls", "a boolean", "null"),
        ({"temperature": "hot"}, "temperature", "a decimal", "a string"),
        ({"seed": 1.5}, "seed", "an integer", "a decimal number"),
        ({"n": True}, "n", "an integer", "a boolean"),
        ({"messages": "ping"}, "messages", "an array of objects", "a string"),
        ({"messages": ["ping"]}, "messages[0]", "an object", "a string"),
        ({"tools": {"a": 1}}, "tools", "an array of objects", "an object"),
        ({"stop": 5}, "stop", "one of a string or array of strings", "an integer"),
        (
            {"tool_choice": 7},
            "tool_choice",
            "one of one of 'none', 'auto', or 'required' or object",
            "an integer",
        ),
        (
            {"prompt_cache_retention": {"a": 1}},
            "prompt_cache_retention",
            "one of 'in_memory' or '24h'",
            "an object",
        ),
        ({"response_format": "json"}, "response_format", "an object", "a string"),
        ({"user": {"a": 1}}, "user", "a string", "an object"),
        ({"model": None}, "model", "a string", "null"),
        ({"metadata": {"k": 7}}, "metadata.k", "a string", "an integer"),
        (
            {"messages": [{"role": 5, "content": "x"}]},
            "messages[0].role",
            "one of 'system', 'assistant', 'user', 'function', 'tool', or 'developer'",
            "an integer",
        ),
    ],
)
def test_invalid_type(extra: dict[str, Any], param: str, expected: str, got: str) -> None:
    assert_error(
        body(**extra),
        param,
        "invalid_type",
        f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
    )


def test_a_logit_bias_value_error_names_the_map() -> None:
    message = "Invalid type for 'logit_bias.50256': expected an integer, but got a string instead."
    assert_error(body(logit_bias={"50256": "x"}), "logit_bias", "invalid_type", message)


NULLABLE = [
    "audio",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_tokens",
    "metadata",
    "modalities",
    "moderation",
    "n",
    "prediction",
    "presence_penalty",
    "prompt_cache_key",
    "prompt_cache_retention",
    "reasoning_effort",
    "safety_identifier",
    "seed",
    "service_tier",
    "stop",
    "store",
    "stream",
    "stream_options",
    "temperature",
    "top_logprobs",
    "top_p",
    "user",
    "verbosity",
]


@pytest.mark.parametrize("param", NULLABLE)
def test_null_is_accepted_where_the_api_allows_it(param: str) -> None:
    validate_chat_request(body(**{param: None}))


@pytest.mark.parametrize(
    "param",
    [
        "messages",
        "tools",
        "tool_choice",
        "functions",
        "function_call",
        "response_format",
        "web_search_options",
    ],
)
def test_null_is_a_type_error_elsewhere(param: str) -> None:
    error = rejected(body(**{param: None}))
    assert (error.param, error.code) == (param, "invalid_type")
    assert error.message.endswith(", but got null instead.")


# --- enums -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "param", "value", "supported"),
    [
        (
            {"messages": [USER, USER, {"role": "tooool", "content": "x"}]},
            "messages[2].role",
            "tooool",
            "'system', 'assistant', 'user', 'function', 'tool', and 'developer'",
        ),
        (
            {"reasoning_effort": "extreme"},
            "reasoning_effort",
            "extreme",
            "'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'",
        ),
        ({"verbosity": "loud"}, "verbosity", "loud", "'low', 'medium', and 'high'"),
        (
            {"service_tier": "bogus"},
            "service_tier",
            "bogus",
            "'auto', 'default', 'flex', 'scale', 'priority', and 'fast'",
        ),
        ({"modalities": ["text", "video"]}, "modalities[1]", "video", "'text' and 'audio'"),
        (
            {"response_format": {"type": "yaml"}},
            "response_format.type",
            "yaml",
            "'json_object', 'json_schema', and 'text'",
        ),
        (
            {"tools": [fn_tool()], "tool_choice": "sometimes"},
            "tool_choice",
            "sometimes",
            "'none', 'auto', and 'required'",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "thinking"}]}]},
            "messages[0].content[0].type",
            "thinking",
            "'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'",
        ),
        (
            {"audio": {"voice": "alloy", "format": "ogg"}},
            "audio.format",
            "ogg",
            "'wav', 'aac', 'mp3', 'flac', 'opus', and 'pcm16'",
        ),
    ],
)
def test_invalid_value(extra: dict[str, Any], param: str, value: str, supported: str) -> None:
    assert_error(body(**extra), param, "invalid_value", f"Invalid value: '{value}'. Supported values are: {supported}.")


# --- array and string sizes, patterns ---------------------------------------------------------


def test_too_many_stop_sequences() -> None:
    assert_error(
        body(stop=[str(i) for i in range(9)]),
        "stop",
        "array_above_max_length",
        "Invalid 'stop': array too long. Expected an array with "
        "maximum length 4, but got an array with length 9 instead.",
    )


def test_too_many_tools() -> None:
    assert_error(
        body(tools=[fn_tool(f"f{i}") for i in range(325)]),
        "tools",
        "array_above_max_length",
        "Invalid 'tools': array too long. Expected an array with maximum length 128, "
        "but got an array with length 325 instead.",
    )


@pytest.mark.parametrize("param", ["messages", "tools", "functions"])
def test_empty_arrays(param: str) -> None:
    assert_error(
        body(**{param: []}),
        param,
        "empty_array",
        f"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    )


NAME_PATTERN = "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."


def test_bad_function_name() -> None:
    assert_error(
        body(tools=[fn_tool("get weather")]),
        "tools[0].function.name",
        "invalid_value",
        f"Invalid 'tools[0].function.name': string does not match pattern. {NAME_PATTERN}",
    )


def test_bad_function_name_in_history() -> None:
    messages = [USER, {"role": "assistant", "tool_calls": [call("c1", "get.weather")]}]
    messages.append({"role": "tool", "tool_call_id": "c1", "content": "sunny"})
    assert_error(
        body(messages=messages),
        "messages[1].tool_calls[0].function.name",
        "invalid_value",
        f"Invalid 'messages[1].tool_calls[0].function.name': string does not match pattern. {NAME_PATTERN}",
    )


def test_function_name_too_long() -> None:
    assert_error(
        body(tools=[fn_tool("f" * 70)]),
        "tools[0].function.name",
        "string_above_max_length",
        "Invalid 'tools[0].function.name': string too long. Expected a string with maximum length 64, "
        "but got a string with length 70 instead.",
    )


def test_function_description_too_long() -> None:
    tools = [fn_tool(f"f{i}") for i in range(6)] + [fn_tool("g", description="d" * 2780)]
    assert_error(
        body(tools=tools),
        "tools[6].function.description",
        "string_above_max_length",
        "Invalid 'tools[6].function.description': string too long. "
        "Expected a string with maximum length 1024, "
        "but got a string with length 2780 instead.",
    )


def test_legacy_function_name_pattern() -> None:
    assert rejected(body(functions=[{"name": "a b"}])).param == "functions[0].name"


# --- numeric ranges ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value", "code", "expectation"),
    [
        ("temperature", 3, "decimal_above_max_value", "decimal above maximum value. Expected a value <= 2"),
        (
            "temperature",
            -0.5,
            "decimal_below_min_value",
            "decimal below minimum value. Expected a value >= 0",
        ),
        ("top_p", 1.5, "decimal_above_max_value", "decimal above maximum value. Expected a value <= 1"),
        (
            "frequency_penalty",
            -3,
            "decimal_below_min_value",
            "decimal below minimum value. Expected a value >= -2",
        ),
        (
            "presence_penalty",
            2.5,
            "decimal_above_max_value",
            "decimal above maximum value. Expected a value <= 2",
        ),
        ("n", 0, "integer_below_min_value", "integer below minimum value. Expected a value >= 1"),
        ("n", 129, "integer_above_max_value", "integer above maximum value. Expected a value <= 128"),
        ("max_tokens", 0, "integer_below_min_value", "integer below minimum value. Expected a value >= 1"),
        (
            "max_completion_tokens",
            0,
            "integer_below_min_value",
            "integer below minimum value. Expected a value >= 1",
        ),
        (
            "seed",
            2**64,
            "integer_above_max_value",
            "integer above maximum value. Expected a value <= 9223372036854775807",
        ),
    ],
)
def test_out_of_range(param: str, value: float, code: str, expectation: str) -> None:
    assert_error(body(**{param: value}), param, code, f"Invalid '{param}': {expectation}, but got {value} instead.")


def test_top_logprobs_range() -> None:
    assert_error(
        body(logprobs=True, top_logprobs=21),
        "top_logprobs",
        "integer_above_max_value",
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.",
    )
    assert rejected(body(logprobs=True, top_logprobs=-1)).code == "integer_below_min_value"


@pytest.mark.parametrize(
    ("bias", "code", "expectation"), [(150, "above_max", "<= 100"), (-101, "below_min", ">= -100")]
)
def test_logit_bias_range(bias: int, code: str, expectation: str) -> None:
    # param: the real API names the whole map (issue 12), the message the token.
    word = "above maximum" if code == "above_max" else "below minimum"
    assert_error(
        body(logit_bias={"50256": bias}),
        "logit_bias",
        f"integer_{code}_value",
        f"Invalid 'logit_bias.50256': integer {word} value. Expected a value {expectation}, but got {bias} instead.",
    )


# --- metadata ----------------------------------------------------------------------------------


def test_metadata_too_many_keys() -> None:
    assert_error(
        body(metadata={f"k{i}": "v" for i in range(17)}),
        "metadata",
        "object_above_max_properties",
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
        "but got an object with 17 properties instead.",
    )


def test_metadata_key_too_long() -> None:
    key = "k" * 70
    assert_error(
        body(metadata={key: "v"}),
        f"metadata.{key}",
        "property_name_above_max_length",
        f"Invalid property name in 'metadata': '{key}' is too long. "
        "Expected a string with maximum length 64, "
        "but got a string with length 70 instead.",
    )


def test_metadata_value_too_long() -> None:
    assert_error(
        body(metadata={"k": "x" * 600}),
        "metadata.k",
        "string_above_max_length",
        "Invalid 'metadata.k': string too long. Expected a string with maximum length 512, "
        "but got a string with length 600 instead.",
    )


def test_metadata_at_the_limits_is_accepted() -> None:
    validate_chat_request(body(metadata={f"{i:064d}": "v" * 512 for i in range(16)}))


METADATA_VALUES = [
    None,
    {},
    {"k": "v"},
    {f"k{i}": "v" for i in range(17)},
    {"k" * 70: "v"},
    {"k": "x" * 600},
    {"k": 7},
    {"a": 1, "b": None, "k" * 65: [], "c": "x" * 513},
    {"k": float("nan")},
    {1: "v"},
    [],
    "tag",
    3,
    True,
]


@pytest.mark.parametrize("metadata", METADATA_VALUES, ids=repr)
def test_validate_metadata_gives_the_error_a_request_with_it_gets(metadata: Any) -> None:
    try:
        validate_chat_request(body(metadata=metadata))
    except APIError as error:
        expected: APIError | None = error
    else:
        expected = None
    if expected is None:
        validate_metadata(metadata)
        return
    with pytest.raises(APIError) as info:
        validate_metadata(metadata)
    got = info.value
    assert (got.status, got.body_bytes(), got.headers) == (expected.status, expected.body_bytes(), expected.headers)


# --- content parts a role does not take ----------------------------------------------------------


IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (
            {"role": "system", "content": [IMAGE]},
            "Image URLs are only allowed for messages with role 'user', "
            "but this message with role 'system' contains an image URL.",
        ),
        (
            {"role": "tool", "tool_call_id": "c1", "content": [IMAGE]},
            "Image URLs are only allowed for messages with role 'user', "
            "but this message with role 'tool' contains an image URL.",
        ),
        (
            {"role": "user", "content": [{"type": "refusal", "refusal": "no"}]},
            "Content blocks are expected to be either text or image_url type.",
        ),
        (
            {
                "role": "assistant",
                "content": [{"type": "input_audio", "input_audio": {"data": "AA==", "format": "wav"}}],
            },
            "Content blocks are expected to be either text or refusal type.",
        ),
        (
            {"role": "developer", "content": [{"type": "file", "file": {"file_id": "file-1"}}]},
            "Content blocks are expected to be text type.",
        ),
    ],
)
def test_content_part_not_allowed_for_the_role(message: dict[str, Any], text: str) -> None:
    messages = [USER, {"role": "assistant", "tool_calls": [call("c1")]}, message]
    if message["role"] != "tool":
        messages.insert(2, {"role": "tool", "tool_call_id": "c1", "content": "ok"})
    index = len(messages) - 1
    assert_error(body(messages=messages), f"messages[{index}]", "invalid_value", f"Invalid 'messages[{index}]'. {text}")


# --- response_format -----------------------------------------------------------------------------


def json_schema_format(**json_schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": json_schema}


def test_json_schema_needs_a_name() -> None:
    assert_error(
        body(response_format=json_schema_format(schema={"type": "object"})),
        "response_format.json_schema.name",
        "missing_required_parameter",
        "Missing required parameter: 'response_format.json_schema.name'.",
    )


def test_json_schema_name_pattern_and_length() -> None:
    error = rejected(body(response_format=json_schema_format(name="my schema", schema={})))
    assert error.message == f"Invalid 'response_format.json_schema.name': string does not match pattern. {NAME_PATTERN}"
    assert rejected(body(response_format=json_schema_format(name="s" * 65))).code == "string_above_max_length"


def test_json_schema_schema_must_be_an_object() -> None:
    assert_error(
        body(response_format=json_schema_format(name="s", schema=[])),
        "response_format.json_schema.schema",
        "invalid_type",
        "Invalid type for 'response_format.json_schema.schema': expected an object, but got an array instead.",
    )


# --- cross-field rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("logprobs", [..., False, None])
def test_top_logprobs_needs_logprobs(logprobs: Any) -> None:
    assert_error(
        body(top_logprobs=2, logprobs=logprobs),
        "top_logprobs",
        None,
        "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
    )


@pytest.mark.parametrize("stream", [..., False, None])
def test_stream_options_need_stream(stream: Any) -> None:
    assert_error(
        body(stream_options={"include_usage": True}, stream=stream),
        "stream_options",
        None,
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    )


TOOL_WITHOUT_CALL = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
)


def unanswered(*ids: str) -> str:
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(ids)}"
    )


def tool_reply(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "sunny"}


def test_tool_message_without_tool_calls() -> None:
    messages = [USER, {"role": "assistant", "content": "hi"}, USER, USER, tool_reply("c1")]
    assert_error(body(messages=messages), "messages.[4].role", None, TOOL_WITHOUT_CALL)


def test_tool_message_answering_an_unknown_id() -> None:
    messages = [USER, {"role": "assistant", "tool_calls": [call("c1")]}, tool_reply("c1"), tool_reply("c9")]
    assert_error(body(messages=messages), "messages.[3].role", None, TOOL_WITHOUT_CALL)


def test_tool_message_after_the_run_of_tool_messages_ended() -> None:
    messages = [
        USER,
        {"role": "assistant", "tool_calls": [call("c1")]},
        tool_reply("c1"),
        USER,
        tool_reply("c1"),
    ]
    assert_error(body(messages=messages), "messages.[4].role", None, TOOL_WITHOUT_CALL)


def test_unanswered_tool_calls_at_the_end() -> None:
    messages = [USER, {"role": "assistant", "tool_calls": [call("call_a"), call("call_b")]}]
    assert_error(body(messages=messages), "messages.[1].role", None, unanswered("call_a", "call_b"))


def test_partly_answered_tool_calls_followed_by_another_message() -> None:
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [call("call_a"), call("call_b"), call("call_c")],
    }
    messages = [USER, assistant, tool_reply("call_b"), USER]
    assert_error(body(messages=messages), "messages.[1].role", None, unanswered("call_a", "call_c"))


def test_answered_tool_calls_in_any_order_are_accepted() -> None:
    assistant = {"role": "assistant", "tool_calls": [call("a"), call("b")]}
    validate_chat_request(body(messages=[USER, assistant, tool_reply("b"), tool_reply("a"), USER]))


def test_tool_choice_needs_tools() -> None:
    assert_error(
        body(tool_choice="auto"),
        "tool_choice",
        None,
        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
    )


def test_named_tool_choice_must_name_an_offered_tool() -> None:
    choice = {"type": "function", "function": {"name": "get_time"}}
    assert_error(
        body(tools=[fn_tool()], tool_choice=choice),
        "tool_choice",
        None,
        "Invalid value for 'tool_choice': Tool choice 'get_time' not found in 'tools' list.",
    )
    custom = {
        "type": "custom",
        "custom": {"name": "get_weather"},
    }  # a function of that name is not a custom tool
    assert rejected(body(tools=[fn_tool()], tool_choice=custom)).message.endswith(
        "Tool choice 'get_weather' not found in 'tools' list."
    )


def test_function_call_needs_functions_and_a_known_name() -> None:
    assert_error(
        body(function_call={"name": "f"}),
        "function_call",
        None,
        "Invalid value for 'function_call': 'function_call' is only allowed when 'functions' are specified.",
    )
    assert_error(
        body(functions=[{"name": "g"}], function_call={"name": "f"}),
        "function_call",
        None,
        "Invalid value for 'function_call': Function call 'f' not found in 'functions' list.",
    )
    validate_chat_request(body(functions=[{"name": "f"}], function_call={"name": "f"}))


def test_parallel_tool_calls_without_tools_is_refused() -> None:
    """As the live API refuses it (its message quoted whole in public reports, 2025-2026; the Vercel
    AI SDK sends it with no tools when asked to): it was accepted, and changed the seeded text."""
    error = rejected(body(parallel_tool_calls=False))
    assert error.status == 400 and error.param == "parallel_tool_calls" and error.code is None
    assert error.message == (
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified."
    )
    validate_chat_request(body(parallel_tool_calls=False, tools=[{"type": "function", "function": {"name": "f"}}]))


@pytest.mark.parametrize("model", ["text-embedding-3-small", "omni-moderation-latest", "whisper-1", "davinci-002"])
def test_a_model_of_another_endpoint_is_not_a_chat_model(model: str) -> None:
    """The live API's 404 for a model of another endpoint on chat (quoted whole in public reports,
    2023-2026): chat answered text-embedding-3-small like any model, even with --strict-models."""
    error = rejected(body(model=model))
    assert (error.status, error.param, error.code) == (404, "model", None)
    assert error.message.startswith("This is not a chat model and thus not supported in the v1/chat/completions")


# --- order of reports --------------------------------------------------------------------------


def test_errors_are_reported_in_a_fixed_order() -> None:
    assert rejected(body(n="abc", stop=5, temperature="hot")).param == "n"
    assert rejected(body(temperature=9, stop=5)).param == "stop"
    two = [{"role": "user", "content": 1}, {"content": "x"}]
    assert rejected(body(messages=two)).param == "messages[0].content"
    # A schema fault wins over a cross-field one.
    assert rejected(body(top_logprobs=2, temperature=5)).param == "temperature"


# --- valid requests ----------------------------------------------------------------------------


RICH: dict[str, Any] = {
    "model": "gpt-4o-search-preview",  # web_search_options needs a search model
    "messages": [
        {"role": "developer", "content": [{"type": "text", "text": "Be terse."}], "name": "dev"},
        {"role": "system", "content": "You are helpful."},
        {
            "role": "user",
            "name": "alice",
            "content": [
                {"type": "text", "text": "What is in this image, this audio and this file?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {
                    "type": "file",
                    "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
                },
                {
                    "type": "file",
                    "file": {"file_id": "file-abc"},
                    "prompt_cache_breakpoint": {"mode": "explicit"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "refusal", "refusal": "Not that."},
            ],
            "refusal": None,
            "audio": {"id": "audio_1"},
            "annotations": [],
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"c":"Paris"}'},
                },
                {"id": "call_2", "type": "custom", "custom": {"name": "run_sql", "input": "SELECT 1"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "sunny"}]},
        {"role": "tool", "tool_call_id": "call_2", "content": "1"},
        {"role": "assistant", "content": None, "function_call": {"name": "legacy", "arguments": "{}"}},
        {"role": "function", "name": "legacy", "content": None},
        {"role": "assistant", "content": "Done.", "tool_calls": None},
        {"role": "user", "content": "Thanks"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "strict": True,
                "parameters": {
                    "type": "object",
                    "properties": {"c": {"type": "string", "x-anything": {"goes": [1, None]}}},
                    "required": ["c"],
                    "additionalProperties": False,
                    "$defs": {"weird key!": {"type": "string"}},  # strict: every subschema has a type
                },
            },
        },
        {"type": "custom", "custom": {"name": "run_sql", "description": "SQL", "format": {"type": "text"}}},
        {
            "type": "custom",
            "custom": {
                "name": "calc",
                "format": {"type": "grammar", "grammar": {"definition": "start: NUMBER", "syntax": "lark"}},
            },
        },
    ],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": True,
    "response_format": {
        "type": "json_schema",
        "json_schema": {
            "name": "answer-1",
            "description": "The answer",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "required": ["a"],  # strict: every property required, no others (recording 32)
                "additionalProperties": False,
                "$comment": "any key at all",
            },
        },
    },
    "audio": {"voice": {"id": "voice_123"}, "format": "pcm16"},
    "modalities": ["text", "audio"],
    "frequency_penalty": -2,
    "presence_penalty": 2.0,
    "logit_bias": {"50256": -100, "1": 100},
    "logprobs": True,
    "top_logprobs": 20,
    "max_completion_tokens": 1,
    "max_tokens": 4096,
    "metadata": {"team": "qa"},
    "n": 128,
    "prediction": {"type": "content", "content": [{"type": "text", "text": "draft"}]},
    "prompt_cache_key": "k",
    "prompt_cache_retention": "24h",
    "prompt_cache_options": {"ttl": "30m", "mode": "explicit"},
    "reasoning_effort": "minimal",
    "safety_identifier": "user-1",
    "seed": -(2**63),
    "service_tier": "flex",
    "stop": ["\n\n", "END"],
    "store": True,
    "stream": True,
    "stream_options": {"include_usage": True, "include_obfuscation": False},
    "temperature": 0,
    "top_p": 1,
    "user": "u",
    "verbosity": "low",
    "web_search_options": {
        "search_context_size": "high",
        "user_location": {"type": "approximate", "approximate": {"country": "FR", "city": "Paris"}},
    },
    "moderation": {"model": "omni-moderation-latest", "policy": {"input": {"mode": "block"}, "output": None}},
}


def test_a_rich_request_is_valid_and_returned_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every parameter at once is a valid shape, but no model takes them all together (the real API
    # refuses temperature 0 with reasoning_effort, for one): the rules by model are left out here
    # and tested in tests/chat/test_model_rules.py.
    monkeypatch.setattr(validation, "check_model_rules", lambda request: None)
    assert validate_chat_request(RICH) is RICH
    # The schema means the same to the reference implementation as to jsonschema_rs.
    reference = jsonschema.Draft202012Validator(REQUEST_SCHEMA)
    assert reference.is_valid(RICH)
    assert not reference.is_valid(body(tools=[fn_tool("a b")]))
    assert not reference.is_valid(body(messages=[{"role": "system", "content": [IMAGE]}]))


@pytest.mark.parametrize(
    "extra",
    [
        {"stop": "END"},
        {"tool_choice": "required", "tools": [fn_tool()]},
        {
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {"mode": "auto", "tools": [{"type": "function"}]},
            },
            "tools": [fn_tool()],
        },
        {
            "tool_choice": {"type": "custom", "custom": {"name": "run"}},
            "tools": [{"type": "custom", "custom": {"name": "run"}}],
        },
        {"response_format": {"type": "json_object"}, "messages": [{"role": "user", "content": "In JSON"}]},
        {"response_format": {"type": "text"}},
        {"function_call": "auto", "functions": [{"name": "f", "description": "d", "parameters": {}}]},
        {"audio": {"voice": "alloy", "format": "mp3"}},
        {"prediction": {"type": "content", "content": "draft"}},
        {
            "messages": [
                {"role": "user", "content": ""},
                {"role": "assistant", "refusal": "I can't."},  # with nothing at all the real API refuses it
                {"role": "user", "content": "again"},
            ]
        },
    ],
)
def test_other_valid_shapes(extra: dict[str, Any]) -> None:
    validate_chat_request(body(**extra))


# --- the schema itself --------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert REQUEST_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(REQUEST_SCHEMA)
    assert REQUEST_SCHEMA["additionalProperties"] is False


def official_schema() -> dict[str, Any]:
    path = SHARED / "spec" / "CreateChatCompletionRequest.schema.json"
    if not path.is_file():
        pytest.skip(f"reference material not found at {path}")
    return dict(json.loads(path.read_text("utf-8")))


def test_schema_covers_every_official_request_parameter() -> None:
    defs = official_schema()["$defs"]
    official: set[str] = set()
    pending = [defs["CreateChatCompletionRequest"]]
    while pending:
        node = pending.pop()
        official |= set(node.get("properties", {}))
        for part in node.get("allOf", []):
            pending.append(defs[part["$ref"].rpartition("/")[2]] if "$ref" in part else part)
    assert official <= set(REQUEST_SCHEMA["properties"])
    assert set(REQUEST_SCHEMA["properties"]) - official == set()


def test_enums_match_the_official_schema() -> None:
    defs = official_schema()["$defs"]

    def official_enum(name: str) -> list[str]:
        branch = defs[name]["anyOf"][0] if "anyOf" in defs[name] else defs[name]
        return list(branch["enum"])

    ours = REQUEST_SCHEMA["properties"]
    for param, name in [
        ("reasoning_effort", "ReasoningEffort"),
        ("service_tier", "ServiceTier"),
        ("verbosity", "Verbosity"),
    ]:
        assert [value for value in ours[param]["enum"] if value is not None] == official_enum(name)
    assert ours["modalities"]["items"]["enum"] == defs["ResponseModalities"]["anyOf"][0]["items"]["enum"]
    roles = {branch["$ref"].rpartition("/")[2] for branch in defs["ChatCompletionRequestMessage"]["oneOf"]}
    official_roles = {defs[role]["properties"]["role"]["enum"][0] for role in roles}
    assert set(REQUEST_SCHEMA["$defs"]["Message"]["properties"]["role"]["enum"]) == official_roles


# --- recorded real requests ---------------------------------------------------------------------


def recorded_ok_requests() -> list[tuple[str, Any]]:
    """(name, body) of every recorded chat request the real API answered with 200."""
    if not SHARED.is_dir():
        return []
    found: list[tuple[str, Any]] = []
    for path in sorted((SHARED / "conformance" / "real_traffic").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        request = record["request"]
        if request.get("path") == "/v1/chat/completions" and record["response"]["status"] == 200:
            found.append((path.name, request["body"]))
    for path in sorted((SHARED / "conformance" / "vcr").glob("*.yaml")):
        for index, interaction in enumerate(yaml.safe_load(path.read_text("utf-8")).get("interactions", [])):
            request, response = interaction["request"], interaction["response"]
            status = response.get("status", {}).get("code") if "status" in response else response.get("status_code")
            if "/chat/completions" not in request.get("uri", "") or status != 200:
                continue
            raw = request.get("parsed_body", request.get("body"))
            raw = raw.get("string", raw) if isinstance(raw, dict) and "string" in raw else raw
            found.append((f"{path.name}#{index}", json.loads(raw) if isinstance(raw, (str, bytes)) else raw))
    return found


def test_every_recorded_successful_request_validates() -> None:
    requests = recorded_ok_requests()
    if not requests:
        pytest.skip(f"no recorded traffic under {SHARED} (reference material absent)")
    assert len(requests) >= 17
    for name, request_body in requests:
        try:
            validate_chat_request(request_body)
        except APIError as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{name}: {error!r}")


# --- nothing but APIError ------------------------------------------------------------------------


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
PARAMS = sorted(REQUEST_SCHEMA["properties"])
ROLES = ["system", "developer", "user", "assistant", "tool", "function", "bot"]
IDS = st.sampled_from(["c1", "c2", "c3"])
TOOL_CALL = st.fixed_dictionaries(
    {"id": IDS, "type": st.sampled_from(["function", "custom", "x"])},
    optional={
        "function": st.fixed_dictionaries({"name": st.sampled_from(["f", "g h"]), "arguments": JSON}),
        "custom": JSON,
    },
)
MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(ROLES) | JSON,
        "content": st.text(max_size=4)
        | st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "image_url", "refusal", "zz"])},
                optional={"text": JSON, "image_url": JSON},
            ),
            max_size=2,
        )
        | JSON,
        "tool_calls": st.lists(TOOL_CALL, max_size=3) | JSON,
        "tool_call_id": IDS | JSON,
        "name": JSON,
    },
)
NEAR_VALID = st.fixed_dictionaries(
    {"model": st.just("gpt-4o-mini") | JSON, "messages": st.lists(MESSAGE, max_size=6) | JSON},
    optional={
        **{param: JSON for param in PARAMS if param not in ("model", "messages")},
        "tools": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["function", "custom"])}, optional={"function": JSON, "custom": JSON}
            ),
            max_size=3,
        ),
        "tool_choice": st.sampled_from(["auto", "none"])
        | st.fixed_dictionaries({"type": st.just("function"), "function": JSON}),
    },
)


def check_only_api_errors(request_body: object) -> None:
    try:
        assert validate_chat_request(request_body) is request_body
    except APIError as error:
        assert error.status == 400
        assert error.type == "invalid_request_error"
        if isinstance(request_body, dict):  # finite JSON values are JSON: never the invalid-JSON answer
            assert error.message != APIError.invalid_json().message
            assert error.message.strip()


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_arbitrary_json_only_raises_api_error(value: object) -> None:
    check_only_api_errors(value)


@settings(max_examples=200, deadline=None)
@given(NEAR_VALID)
def test_near_valid_requests_only_raise_api_error(request_body: dict[str, Any]) -> None:
    check_only_api_errors(request_body)


TEXT = st.text(max_size=4)
WELL_FORMED_CALL = st.fixed_dictionaries(
    {
        "id": IDS,
        "type": st.just("function"),
        "function": st.fixed_dictionaries({"name": st.sampled_from(["f", "g"]), "arguments": st.just("{}")}),
    }
)
WELL_FORMED_MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "developer", "user"]), "content": TEXT}),
    st.fixed_dictionaries(
        {"role": st.just("assistant")},
        optional={"content": TEXT | st.none(), "tool_calls": st.lists(WELL_FORMED_CALL, max_size=3)},
    ),
    st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": IDS, "content": TEXT}),
    st.fixed_dictionaries({"role": st.just("function"), "name": st.just("f"), "content": TEXT | st.none()}),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WELL_FORMED_MESSAGE | MESSAGE, min_size=1, max_size=8))
def test_message_histories_only_raise_api_error(messages: list[dict[str, Any]]) -> None:
    check_only_api_errors(body(messages=messages))
