"""The core answer through the official openai SDK, with strict response validation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.bodies import function_tool, weather_tool
from tests.support.clients import sdk
from tests.support.reference import assert_valid

openai = pytest.importorskip("openai")

USER = [{"role": "user", "content": "Tell me a short joke about chickens"}]
WEATHER_TOOL = weather_tool(
    unit={"type": "string", "enum": ["celsius", "fahrenheit"]}, required=["location", "unit"], closed=True, strict=True
)
CALC_TOOL = function_tool("multiply", {"a": {"type": "integer"}, "b": {"type": "integer"}}, required=["a", "b"])


def raw_json(client: Any, **kwargs: Any) -> dict[str, Any]:
    response = client.chat.completions.with_raw_response.create(**kwargs)
    body: dict[str, Any] = json.loads(response.http_response.content)
    assert_valid(body, "CreateChatCompletionResponse")
    return body


def test_plain_completion_shape(client: Any) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", completion.id)
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini-2024-07-18"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content and choice.message.content.strip()
    assert choice.message.refusal is None
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert completion.service_tier == "default"


def test_key_order_and_bytes_layout(client: Any) -> None:
    response = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=USER)
    raw = response.http_response.content
    assert raw.endswith(b"}\n") and raw.startswith(b'{\n  "id": "chatcmpl-')
    body = json.loads(raw)
    assert list(body) == ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"]
    assert list(body["choices"][0]) == ["index", "message", "logprobs", "finish_reason"]
    assert list(body["choices"][0]["message"]) == ["role", "content", "refusal", "annotations"]
    headers = response.http_response.headers
    assert headers["content-type"] == "application/json"
    assert re.fullmatch(r"req_[0-9a-f]{32}", headers["x-request-id"])
    assert headers["openai-version"] == "2020-10-01"
    assert int(headers["openai-processing-ms"]) >= 0
    assert int(headers["x-ratelimit-remaining-requests"]) <= int(headers["x-ratelimit-limit-requests"])
    assert response.parse()._request_id == headers["x-request-id"]


def test_n_choices_are_distinct(client: Any) -> None:
    body = raw_json(client, model="gpt-4o-mini", messages=USER, n=3)
    contents = [c["message"]["content"] for c in body["choices"]]
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len(set(contents)) == 3


def test_other_prompt_or_seed_gives_other_text(client: Any) -> None:
    a = client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    b = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    c = client.chat.completions.create(model="gpt-4o-mini", messages=USER, seed=7)
    again = client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert a.choices[0].message.content != b.choices[0].message.content
    assert a.choices[0].message.content != c.choices[0].message.content
    assert a.model_dump() == again.model_dump()


def test_max_tokens_truncates_with_length(client: Any) -> None:
    for param in ("max_tokens", "max_completion_tokens"):
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, **{param: 3})
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage.completion_tokens == 3


def test_stop_sequence_cuts_before_it(client: Any) -> None:
    full = client.chat.completions.create(model="gpt-4o-mini", messages=USER).choices[0].message.content
    stop_word = full.split()[2]
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, stop=[stop_word])
    content = completion.choices[0].message.content
    assert stop_word not in content
    assert full.startswith(content)
    assert completion.choices[0].finish_reason == "stop"


def test_logprobs_tokens_concatenate_to_content(client: Any) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, logprobs=True, top_logprobs=3)
    choice = completion.choices[0]
    tokens = choice.logprobs.content
    assert "".join(t.token for t in tokens) == choice.message.content
    assert completion.usage.completion_tokens == len(tokens)
    for t in tokens:
        assert t.logprob <= 0
        assert bytes(t.bytes) == t.token.encode()
        assert len(t.top_logprobs) == 3
        assert t.top_logprobs[0].token == t.token
        assert [x.logprob for x in t.top_logprobs] == sorted((x.logprob for x in t.top_logprobs), reverse=True)


def test_json_object_mode(client: Any) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Answer in JSON"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


def test_json_schema_structured_output_parse(client: Any) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Step(pydantic.BaseModel):
        explanation: str
        output: str

    class Math(pydantic.BaseModel):
        steps: list[Step]
        final_answer: str

    completion = client.chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": "solve 8x + 7 = -23"}],
        response_format=Math,
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Math)
    assert parsed.steps


def test_required_tool_choice_gives_tool_calls(client: Any) -> None:
    body = raw_json(
        client,
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER_TOOL, CALC_TOOL],
        tool_choice="required",
    )
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert list(choice["message"]) == ["role", "content", "tool_calls", "refusal", "annotations"]
    for call in choice["message"]["tool_calls"]:
        assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call["id"])
        assert call["type"] == "function"
        args = json.loads(call["function"]["arguments"])
        assert isinstance(args, dict)
        if call["function"]["name"] == "get_weather":
            assert set(args) == {"location", "unit"} and args["unit"] in ("celsius", "fahrenheit")
        else:
            assert isinstance(args["a"], int) and isinstance(args["b"], int)


def test_named_tool_choice_reports_stop(client: Any) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "2*3"}],
        tools=[WEATHER_TOOL, CALC_TOOL],
        tool_choice={"type": "function", "function": {"name": "multiply"}},
    )
    choice = completion.choices[0]
    assert [c.function.name for c in choice.message.tool_calls] == ["multiply"]
    assert choice.finish_reason == "stop"  # as the real API reports for a named function


def test_tool_choice_none_and_parallel_false(client: Any) -> None:
    none = client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], tool_choice="none")
    assert none.choices[0].message.tool_calls is None and none.choices[0].message.content
    for i in range(10):
        single = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"call {i}"}],
            tools=[WEATHER_TOOL, CALC_TOOL],
            tool_choice="required",
            parallel_tool_calls=False,
        )
        assert len(single.choices[0].message.tool_calls) == 1


def test_agent_loop_ends_with_text_after_tool_result(client: Any) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What's the weather in Boston?"}]
    for _ in range(5):
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])
        message = completion.choices[0].message
        if not message.tool_calls:
            assert completion.choices[0].finish_reason == "stop" and message.content
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 21}'})
    else:
        pytest.fail("the agent loop never ended")


def test_n_with_tools_gives_distinct_call_ids(client: Any) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], tool_choice="required", n=2
    )
    ids = [c.message.tool_calls[0].id for c in completion.choices]
    assert len(set(ids)) == 2


def test_legacy_functions(client: Any) -> None:
    body = raw_json(
        client,
        model="gpt-3.5-turbo",
        messages=USER,
        functions=[WEATHER_TOOL["function"]],
        function_call={"name": "get_weather"},
    )
    choice = body["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert choice["message"]["function_call"]["name"] == "get_weather"
    json.loads(choice["message"]["function_call"]["arguments"])


def test_reasoning_model_omits_logprobs_and_counts_reasoning(client: Any) -> None:
    body = raw_json(client, model="gpt-5-nano", messages=USER)
    assert body["model"] == "gpt-5-nano-2025-08-07"
    assert "logprobs" not in body["choices"][0]
    details = body["usage"]["completion_tokens_details"]
    assert details["reasoning_tokens"] > 0


def test_custom_tool(client: Any) -> None:
    tool = {"type": "custom", "custom": {"name": "code_exec", "description": "Run Python"}}
    body = raw_json(client, model="gpt-5", messages=USER, tools=[tool], tool_choice="required")
    call = body["choices"][0]["message"]["tool_calls"][0]
    assert call["type"] == "custom" and call["custom"]["name"] == "code_exec"
    assert isinstance(call["custom"]["input"], str)


def test_models_endpoints(client: Any) -> None:
    models = client.models.list()
    ids = [m.id for m in models]
    assert "gpt-4o-mini" in ids
    model = client.models.retrieve("gpt-4o-mini")
    assert model.id == "gpt-4o-mini" and model.object == "model"
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("no-such-model")
    assert info.value.code == "model_not_found"


def test_the_newest_sdks_models_are_listed_and_reason(client: Any) -> None:
    """An SDK audit (openai 3.57): its gpt-6 models were 404s under --strict-models and, as
    generic models, refused ``reasoning_effort``; gpt-audio-mini (live until 2027-01-20) was
    missing from the list while its family answers with audio."""
    ids = {m.id for m in client.models.list()}
    assert {"gpt-6-sol", "gpt-6.2-astra", "gpt-audio-mini", "gpt-audio-mini-2025-12-15"} <= ids
    answer = client.chat.completions.create(model="gpt-6-sol", messages=USER, reasoning_effort="max")
    assert answer.usage.completion_tokens_details.reasoning_tokens > 0


def test_a_model_past_its_shutdown_is_not_listed_and_strict_models_refuses_it(server_factory: Any) -> None:
    """The SDK's deprecation notes put o4-mini, gpt-3.5-turbo and others past their shutdown by the
    catalogue's date: the live API 404s them.  By default mockai still answers them (any id is),
    with their snapshot; --strict-models refuses them; --model brings one back."""
    lenient = sdk(server_factory().base_url)
    assert not {"o4-mini", "gpt-3.5-turbo", "o1-mini"} & {m.id for m in lenient.models.list()}
    answer = lenient.chat.completions.create(model="o4-mini", messages=USER)
    assert answer.model == "o4-mini-2025-04-16"
    strict = sdk(server_factory(strict_models=True).base_url)
    with pytest.raises(openai.NotFoundError) as refused:
        strict.chat.completions.create(model="gpt-3.5-turbo", messages=USER)
    assert refused.value.code == "model_not_found"
    chosen = sdk(server_factory(strict_models=True, models=("o4-mini",)).base_url)
    assert chosen.models.retrieve("o4-mini").created == 1744225351  # (its real details)
    assert chosen.chat.completions.create(model="o4-mini", messages=USER).model == "o4-mini-2025-04-16"


def test_a_model_tells_its_shutdown_date(client: Any) -> None:
    """The API reference's model object (2026) has ``shutdown_date``, a date or null; mockai left it
    out.  The dates are the openai SDK's deprecation notes."""
    assert client.models.retrieve("gpt-4o").shutdown_date == "2027-01-14"
    assert client.models.retrieve("gpt-5.4").shutdown_date is None
    listed = {m.id: m.shutdown_date for m in client.models.list()}
    assert listed["o3"] == "2026-12-11" and listed["gpt-6-sol"] is None


def test_responses_only_models_are_listed_and_chat_refuses_them(server_factory: Any) -> None:
    """The spec's ``ResponsesOnlyModel`` list (o1-pro, o3-pro, gpt-5-pro, codex, ...): chat answered
    them, where the live API gives its 404; and --strict-models refused them on /v1/responses too."""
    strict = sdk(server_factory(strict_models=True).base_url)
    ids = {m.id for m in strict.models.list()}
    assert {"o1-pro", "o3-pro", "gpt-5-pro", "gpt-5-codex", "computer-use-preview", "gpt-6-cyber"} <= ids
    for model in ("o3-pro", "gpt-5-pro-2025-10-06", "gpt-5.6-cyber", "gpt-6.2-astra-law"):
        with pytest.raises(openai.NotFoundError) as refused:
            strict.chat.completions.create(model=model, messages=USER)
        error = refused.value.body
        assert error == {
            "message": "This model is only supported in v1/responses and not in v1/chat/completions.",
            "type": "invalid_request_error",
            "param": "model",
            "code": None,
        }
        assert strict.responses.create(model=model, input="Hello").status == "completed"
    lenient = sdk(server_factory().base_url)  # (whatever the flags, as the live API)
    with pytest.raises(openai.NotFoundError):
        lenient.chat.completions.create(model="o1-pro", messages=USER)


def test_gpt_5_pro_reasons_at_high_only(client: Any) -> None:
    """The live API's refusal of another effort, quoted whole in public code (2025-26)."""
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-5-pro", input="Hello", reasoning={"effort": "low"})
    assert refused.value.message.endswith(
        "Unsupported value: 'low' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'."
    )
    assert refused.value.param == "reasoning.effort" and refused.value.code == "unsupported_value"
    answer = client.responses.create(model="gpt-5-pro", input="Hello")
    assert answer.reasoning.effort == "high" and answer.model == "gpt-5-pro-2025-10-06"


def test_a_fine_tuned_model_is_deleted_and_a_base_model_is_not(client: Any) -> None:
    """``client.models.delete`` was a 405 (only GET was routed); only fine-tunes can be deleted."""
    for model in ("ft:gpt-4o-mini-2024-07-18:acme:support:AbC123", "babbage:ft-acme-2023-06-01-23-15-52"):
        deleted = client.models.delete(model)
        assert (deleted.id, deleted.object, deleted.deleted) == (model, "model", True)
    with pytest.raises(openai.NotFoundError) as info:
        client.models.delete("gpt-4o-mini")
    assert info.value.code == "model_not_found"


async def test_async_client(async_client: Any) -> None:
    completion = await async_client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert completion.choices[0].message.content


def test_images_and_multipart_user_content(client: Any) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "developer", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
                ],
            },
        ],
    )
    assert completion.usage.prompt_tokens > 85
