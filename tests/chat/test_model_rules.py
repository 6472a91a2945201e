"""Validation by model (issue 12): what the real API refuses for a model, through the official SDK."""

from __future__ import annotations

from typing import Any

import pytest

openai = pytest.importorskip("openai")

HELLO = [{"role": "user", "content": "Hello"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


def refused(client: Any, model: str = "gpt-4o-mini", messages: Any = HELLO, **extra: Any) -> Any:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=model, messages=messages, **extra)
    error = info.value
    assert error.status_code == 400
    assert error.body["type"] == "invalid_request_error"
    return error


def assert_refused(error: Any, param: str | None, code: str | None, message: str) -> None:
    assert (error.param, error.code, error.body["message"]) == (param, code, message)


# --- sampling, logprobs, n ---------------------------------------------------------------------


def test_temperature_on_a_reasoning_model_is_refused(client: Any) -> None:
    error = refused(client, "gpt-5", temperature=0.2)
    message = "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported."
    assert_refused(error, "temperature", "unsupported_value", message)


@pytest.mark.parametrize(("name", "value", "default"), [("top_p", 0.5, "1"), ("presence_penalty", 0.5, "0")])
def test_other_sampling_parameters_on_a_reasoning_model_are_refused(
    client: Any, name: str, value: float, default: str
) -> None:
    error = refused(client, "o3", **{name: value})
    message = (
        f"Unsupported value: '{name}' does not support {value} with this model. "
        f"Only the default ({default}) value is supported."
    )
    assert_refused(error, name, "unsupported_value", message)


def test_frequency_penalty_on_a_search_model_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o-search-preview", frequency_penalty=1)
    assert (error.param, error.code) == ("frequency_penalty", "unsupported_value")


def test_sampling_defaults_are_accepted_on_a_reasoning_model(client: Any) -> None:
    answer = client.chat.completions.create(model="gpt-5", messages=HELLO, temperature=1, top_p=1)
    assert answer.choices


def test_sampling_and_logprobs_are_taken_at_effort_none(client: Any) -> None:
    """gpt-5.1 and later take temperature, top_p and logprobs while they do not reason (effort
    none, their default): an audit found them refused, so pydantic-ai's temperature failed on
    gpt-5.1 in CI and not in production.  At another effort they are still refused."""
    answer = client.chat.completions.create(
        model="gpt-5.2", messages=HELLO, temperature=0.5, top_p=0.9, logprobs=True, top_logprobs=2
    )
    content = answer.choices[0].logprobs.content
    assert content and len(content[0].top_logprobs) == 2
    plain = client.chat.completions.create(model="gpt-5.1", messages=HELLO, reasoning_effort="none", temperature=0)
    assert plain.choices and "logprobs" not in plain.choices[0].model_dump(exclude_unset=True)
    error = refused(client, "gpt-5.2", reasoning_effort="low", temperature=0.5)
    assert (error.param, error.code) == ("temperature", "unsupported_value")


def test_the_chat_latest_models_reason_at_medium_only(client: Any) -> None:
    """A 2026 compatibility matrix of the live API: gpt-5.x-chat-latest takes effort medium only,
    and no sampling parameters."""
    error = refused(client, "gpt-5.2-chat-latest", reasoning_effort="low")
    assert (error.param, error.code) == ("reasoning_effort", "unsupported_value")
    error = refused(client, "gpt-5.1-chat-latest", temperature=0.5)
    assert (error.param, error.code) == ("temperature", "unsupported_value")
    answer = client.chat.completions.create(model="gpt-5.3-chat-latest", messages=HELLO, reasoning_effort="medium")
    assert answer.usage.completion_tokens_details.reasoning_tokens > 0


def test_logprobs_on_a_reasoning_model_are_refused(client: Any) -> None:
    error = refused(client, "gpt-5-mini", logprobs=True, top_logprobs=2)
    message = "Unsupported value: 'logprobs' does not support true with this model. Only the default (false) value is supported."
    assert_refused(error, "logprobs", "unsupported_value", message)


def test_max_tokens_on_an_o_series_model_is_refused(client: Any) -> None:
    error = refused(client, "o3", max_tokens=100)
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    )
    assert_refused(error, "max_tokens", "unsupported_parameter", message)


# --- reasoning_effort and verbosity --------------------------------------------------------------


def test_reasoning_effort_on_a_chat_model_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", reasoning_effort="low")
    message = "Unsupported parameter: 'reasoning_effort' is not supported with this model."
    assert_refused(error, "reasoning_effort", "unsupported_parameter", message)


def test_an_effort_the_model_does_not_have_is_refused(client: Any) -> None:
    error = refused(client, "o3", reasoning_effort="minimal")
    message = (
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        "Supported values are: 'low', 'medium', and 'high'."
    )
    assert_refused(error, "reasoning_effort", "unsupported_value", message)


def test_verbosity_on_a_chat_model_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", verbosity="low")
    message = "Unsupported value: 'verbosity' does not support 'low' with this model. Supported values are: 'medium'."
    assert_refused(error, "verbosity", "unsupported_value", message)


# --- content parts -------------------------------------------------------------------------------


def image(url: str) -> list[dict[str, Any]]:
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": url}}]
    return [{"role": "user", "content": parts}]


def test_an_image_to_a_text_only_model_is_refused(client: Any) -> None:
    error = refused(client, "gpt-3.5-turbo", image("https://example.com/a.png"))
    message = "Invalid content type. image_url is only supported by certain models."
    assert_refused(error, "messages.[0].content.[1].type", None, message)


def test_input_audio_to_a_model_without_audio_input_is_refused(client: Any) -> None:
    parts = [{"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]
    error = refused(client, "gpt-5-mini", [{"role": "user", "content": parts}])
    message = "Invalid 'messages[0]'. Content blocks are expected to be either text or image_url type."
    assert_refused(error, "messages[0]", "invalid_value", message)


def test_an_image_url_that_is_not_a_url_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", image("not a url"))
    where = "messages[0].content[1].image_url.url"
    message = f"Invalid '{where}'. Expected a valid URL, but got a value with an invalid format."
    assert_refused(error, where, "invalid_value", message)


def test_a_data_url_that_is_not_an_image_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", image("data:text/plain;base64,aGVsbG8="))
    assert error.param == "messages[0].content[1].image_url.url"
    assert "unsupported MIME type 'text/plain'" in error.body["message"]


def test_a_file_part_without_a_file_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", [{"role": "user", "content": [{"type": "file", "file": {}}]}])
    message = "Missing required parameter: 'messages[0].content[0].file.file_id'."
    assert_refused(error, "messages[0].content[0].file.file_id", "missing_required_parameter", message)


# --- json_object, output and context limits, empty assistant messages, logit_bias ------------------


def test_json_object_without_the_word_json_is_refused(client: Any) -> None:
    error = refused(client, response_format={"type": "json_object"})
    message = "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
    assert_refused(error, "messages", None, message)


def test_json_object_with_the_word_json_in_any_case_is_accepted(client: Any) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "Answer in JSON"}]}]
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, response_format={"type": "json_object"}
    )
    assert answer.choices[0].finish_reason in ("stop", "length")


@pytest.mark.parametrize("name", ["max_tokens", "max_completion_tokens"])
def test_an_output_limit_above_the_model_cap_is_refused(client: Any, name: str) -> None:
    error = refused(client, "gpt-4o", **{name: 20480})
    message = (
        f"{name} is too large: 20480. This model supports at most 16384 completion tokens, whereas you provided 20480."
    )
    assert_refused(error, name, "invalid_value", message)


def test_a_prompt_over_the_context_window_is_refused(client: Any) -> None:
    error = refused(client, "gpt-3.5-turbo", [{"role": "user", "content": "word " * 17_000}])
    assert (error.param, error.code) == ("messages", "context_length_exceeded")
    assert error.body["message"].startswith("This model's maximum context length is 16385 tokens. However, your ")
    assert error.body["message"].endswith(" tokens. Please reduce the length of the messages.")


def test_a_140k_token_prompt_to_gpt_4o_mini_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o-mini", [{"role": "user", "content": "word " * 140_000}])
    assert (error.param, error.code) == ("messages", "context_length_exceeded")
    assert error.body["message"].startswith("This model's maximum context length is 128000 tokens. However, your ")


def test_the_completion_tokens_asked_for_count_with_the_prompt(client: Any) -> None:
    messages = [{"role": "user", "content": "word " * 13_000}]
    fits = client.chat.completions.create(model="gpt-3.5-turbo", messages=messages, max_tokens=10)
    prompt = fits.usage.prompt_tokens
    error = refused(client, "gpt-3.5-turbo", messages, max_tokens=4_096)
    message = (
        f"This model's maximum context length is 16385 tokens. However, you requested {prompt + 4_096} tokens "
        f"({prompt} in the messages, 4096 in the completion). Please reduce the length of the messages or completion."
    )
    assert_refused(error, "messages", "context_length_exceeded", message)
    error = refused(client, "gpt-3.5-turbo", messages, max_completion_tokens=16_385 - prompt + 1)
    assert (error.param, error.code) == ("messages", "context_length_exceeded")
    edge = client.chat.completions.create(model="gpt-3.5-turbo", messages=messages, max_tokens=16_385 - prompt)
    assert edge.usage.prompt_tokens == prompt


NESTED = {"type": "object", "properties": {"x": {"type": "string"}}}


def test_a_strict_json_schema_that_leaves_an_object_open_is_refused_naming_the_path(client: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"a": NESTED},
        "required": ["a"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": schema}}
    error = refused(client, response_format=response_format)
    message = (
        "Invalid schema for response_format 'answer': In context=('properties', 'a'), 'additionalProperties' "
        "is required to be supplied and to be false."
    )
    assert_refused(error, "response_format", "invalid_json_schema", message)


def test_a_strict_function_with_a_property_not_required_is_refused_naming_the_path(client: Any) -> None:
    parameters = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    parameters |= {"required": ["a"], "additionalProperties": False}
    tool = {"type": "function", "function": {"name": "get_data", "strict": True, "parameters": parameters}}
    error = refused(client, tools=[tool])
    message = (
        "Invalid schema for function 'get_data': In context=(), 'required' is required to be supplied and to be "
        "an array including every key in properties. Missing 'b'."
    )
    assert_refused(error, "tools[0].function.parameters", "invalid_function_parameters", message)


def test_an_assistant_message_that_says_nothing_is_refused(client: Any) -> None:
    messages = [*HELLO, {"role": "assistant", "content": None}, *HELLO]
    error = refused(client, messages=messages)
    assert_refused(error, "messages.[1].content", None, "Invalid value for 'content': expected a string, got null.")


@pytest.mark.parametrize("key", ["AI", "\u00b2", "-1"])
def test_logit_bias_keys_must_be_token_ids(client: Any, key: str) -> None:
    error = refused(client, logit_bias={key: 10})
    assert (error.param, error.code) == ("logit_bias", "invalid_value")


def test_logit_bias_takes_at_most_1024_keys(client: Any) -> None:
    error = refused(client, logit_bias={str(token): 1 for token in range(1025)})
    assert (error.param, error.code) == ("logit_bias", "invalid_value")


# --- audio output and predicted outputs --------------------------------------------------------------


def test_audio_output_on_a_model_without_it_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", modalities=["text", "audio"], audio={"voice": "alloy", "format": "wav"})
    assert (error.param, error.code) == ("modalities", "unsupported_value")


def test_audio_output_needs_the_audio_parameter(client: Any) -> None:
    error = refused(client, "gpt-4o-audio-preview", modalities=["text", "audio"])
    assert (error.param, error.code) == ("audio", "missing_required_parameter")


def test_audio_output_needs_a_known_voice(client: Any) -> None:
    audio = {"voice": "nobody", "format": "wav"}
    error = refused(client, "gpt-4o-audio-preview", modalities=["text", "audio"], audio=audio)
    assert (error.param, error.code) == ("audio.voice", "invalid_value")
    assert error.body["message"].startswith("Invalid value: 'nobody'. Supported values are: 'alloy', ")


# The built-in voices of the openai SDK's ChatCompletionAudioParam (its Voice literal and docstring).
VOICES = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]


def test_every_built_in_voice_and_a_custom_voice_are_accepted(client: Any) -> None:
    for voice in [*VOICES, {"id": "voice_1234"}]:
        answer = client.chat.completions.create(
            model="gpt-4o-mini-audio-preview",
            messages=HELLO,
            modalities=["text", "audio"],
            audio={"voice": voice, "format": "pcm16"},
            max_completion_tokens=20,
        )
        assert answer.choices[0].message.audio is not None
    error = refused(
        client, "gpt-4o-audio-preview", modalities=["text", "audio"], audio={"voice": "Alloy", "format": "wav"}
    )
    assert error.body["message"].endswith(", 'shimmer', 'verse', 'marin', and 'cedar'.")


PREDICTION = {"type": "content", "content": "Hello there"}


def test_prediction_with_n_above_1_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", prediction=PREDICTION, n=2)
    assert (error.param, error.code) == ("n", "unsupported_value")


def test_prediction_with_tools_is_refused(client: Any) -> None:
    error = refused(client, "gpt-4o", prediction=PREDICTION, tools=[WEATHER_TOOL])
    assert (error.param, error.code) == ("tools", "unsupported_parameter")


def test_prediction_on_a_model_without_predicted_outputs_is_refused(client: Any) -> None:
    error = refused(client, "o3", prediction=PREDICTION)
    message = "Unsupported parameter: 'prediction' is not supported with this model."
    assert_refused(error, "prediction", "unsupported_parameter", message)


# --- the two refusals recorded before (moved here from the catalogue) ---------------------------------


def test_web_search_options_on_a_model_without_search_are_refused(client: Any) -> None:
    error = refused(client, "gpt-4o-mini", web_search_options={})
    assert_refused(error, "web_search_options", None, "Web search options not supported with this model.")


def test_a_system_message_to_o1_mini_is_refused(client: Any) -> None:
    error = refused(client, "o1-mini", [{"role": "system", "content": "Be brief."}, *HELLO])
    message = "Unsupported value: 'messages[0].role' does not support 'system' with this model."
    assert_refused(error, "messages[0].role", "unsupported_value", message)


# --- a valid request per family still gets 200 --------------------------------------------------------

VALID: list[tuple[str, dict[str, Any]]] = [
    ("gpt-3.5-turbo", {"temperature": 0.2, "max_tokens": 100, "logprobs": True}),
    ("gpt-4", {"top_p": 0.9, "max_tokens": 100}),
    ("gpt-4-turbo", {"messages": image("https://example.com/a.png")}),
    ("gpt-4o", {"temperature": 0.7, "prediction": PREDICTION, "max_tokens": 16384}),
    ("gpt-4o-mini", {"response_format": {"type": "json_object"}, "messages": [{"role": "user", "content": "JSON!"}]}),
    ("gpt-4o-audio-preview", {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}),
    ("gpt-4o-search-preview", {"web_search_options": {}}),
    ("gpt-4.1", {"max_completion_tokens": 32768, "tools": [WEATHER_TOOL]}),
    ("o1-mini", {"max_completion_tokens": 100}),
    ("o3", {"reasoning_effort": "high"}),
    ("o4-mini", {"reasoning_effort": "low", "messages": image("data:image/png;base64,aGVsbG8=")}),
    ("gpt-5", {"reasoning_effort": "minimal", "verbosity": "low"}),
    ("gpt-5.1", {"reasoning_effort": "none"}),
    ("gpt-5-chat-latest", {"temperature": 0.5}),
    ("my-own-model", {"temperature": 0.5, "verbosity": "medium"}),
]


@pytest.mark.parametrize(("model", "extra"), VALID, ids=[model for model, _ in VALID])
def test_a_valid_request_for_each_family_is_answered(client: Any, model: str, extra: dict[str, Any]) -> None:
    extra = {"messages": HELLO, **extra}
    answer = client.chat.completions.create(model=model, **extra)
    assert answer.choices


def test_a_logit_bias_value_error_names_the_whole_map(client: Any) -> None:
    error = refused(client, logit_bias={"50256": 150})
    assert (error.param, error.code) == ("logit_bias", "integer_above_max_value")
