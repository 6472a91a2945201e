"""Parameters of ``POST /v1/responses`` newer than the reference spec, as the openai SDK 3.57
declares them (``ResponseCreateParams``, ``Reasoning``): taken when well formed, refused as any
parameter of the wrong kind is when not.  An SDK audit found each one refused as an unknown
parameter, so an application passing them failed in CI and not in production.
(``reasoning.generate_summary`` stays refused: the live API refuses it, tests/responses/test_live_probes.)"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

TAKEN: list[dict[str, Any]] = [
    {"background_options": {"completion_window": "soonest", "continuation_id": "batch-7"}},
    {"image": {"context_compression": "disabled"}},
    {"access_programs": {"cyber": "standard"}},
    {"reasoning": {"effort": "low", "context": "all_turns", "mode": "standard"}},
    {"prompt_cache_options": {"comparison_response_id": "resp_abc", "prewarm": False, "mode": "explicit"}},
]


@pytest.mark.parametrize("extra", TAKEN, ids=lambda extra: next(iter(extra)))
def test_a_newer_parameter_is_taken(module_server: ServerThread, extra: dict[str, Any]) -> None:
    client = sdk(module_server.base_url)
    response = client.responses.create(model="gpt-5-mini", input="hi", **extra)
    assert response.status == "completed" and response.output_text
    with client.responses.stream(model="gpt-5-mini", input="hi", **extra) as stream:
        assert stream.get_final_response().output_text == response.output_text


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"background_options": {"completion_window": "1d"}}, "background_options.completion_window", "invalid_value"),
        ({"background_options": {"bogus": 1}}, "background_options.bogus", "unknown_parameter"),
        ({"image": {"context_compression": "on"}}, "image.context_compression", "invalid_value"),
        ({"access_programs": {"cyber": "daybreak_green"}}, "access_programs.cyber", "invalid_value"),
        ({"reasoning": {"context": "everything"}}, "reasoning.context", "invalid_value"),
        ({"reasoning": {"generate_summary": "auto"}}, "reasoning.generate_summary", "unknown_parameter"),
        ({"prompt_cache_options": {"ttl": "24h"}}, "prompt_cache_options.ttl", "invalid_value"),
        ({"prompt_cache_options": {"prewarm": "yes"}}, "prompt_cache_options.prewarm", "invalid_type"),
    ],
)
def test_a_malformed_newer_parameter_is_refused(
    module_server: ServerThread, extra: dict[str, Any], param: str, code: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(module_server.base_url).responses.create(model="gpt-5-mini", input="hi", **extra)
    assert (refused.value.body["param"], refused.value.body["code"]) == (param, code)


def test_prompt_cache_options_are_echoed_as_applied(module_server: ServerThread) -> None:
    """pydantic-ai's Responses model sends ``prompt_cache_options.comparison_response_id`` on every
    request after the first to gpt-5.6 and later (its prompt-cache diagnostics, on by default): it was
    an unknown-parameter 400 on the second request of every tool loop.  The Response echoes the
    options applied (the SDK's ``Response.prompt_cache_options``), and none when none were asked."""
    client = sdk(module_server.base_url)
    first = client.responses.create(model="gpt-5.6-sol", input="hi")
    assert first.prompt_cache_options is None
    options = {"comparison_response_id": first.id}
    second = client.responses.create(model="gpt-5.6-sol", input="and again", prompt_cache_options=options)
    applied = second.prompt_cache_options
    assert applied is not None
    assert (applied.comparison_response_id, applied.mode, applied.ttl) == (first.id, "implicit", "30m")
    with client.responses.stream(model="gpt-5.6-sol", input="and again", prompt_cache_options=options) as stream:
        assert stream.get_final_response().prompt_cache_options == applied


def test_sampling_and_logprobs_are_taken_at_effort_none(module_server: ServerThread) -> None:
    """As on chat (tests/chat/test_model_rules.py): gpt-5.1 and later, not reasoning, take them."""
    client = sdk(module_server.base_url)
    logprobs = ["message.output_text.logprobs"]
    answer = client.responses.create(model="gpt-5.2", input="hi", temperature=0.5, top_logprobs=2, include=logprobs)
    assert answer.temperature == 0.5 and answer.output[-1].content[0].logprobs
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-5.2", input="hi", temperature=0.5, reasoning={"effort": "high"})
    assert refused.value.body["param"] == "temperature"


def test_the_body_llamaindex_sends_is_taken(module_server: ServerThread) -> None:
    """LlamaIndex's ``OpenAIResponses`` (0.8) sends every field, ``"user": null`` among them: it was
    refused (``Invalid type for 'user'``), so every call of that class failed against mockai."""
    body = {
        "include": None,
        "input": "Say hello.",
        "instructions": None,
        "max_output_tokens": None,
        "metadata": None,
        "model": "gpt-4o-mini",
        "previous_response_id": None,
        "store": False,
        "stream": False,
        "temperature": 0.1,
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "user": None,
    }
    answer = HTTP.post(f"{module_server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"] is None


def test_moderation_asked_gives_the_results_of_input_and_output(module_server: ServerThread) -> None:
    """An audit (pydantic-ai's ``openai_moderation``): ``moderation: {"model"}`` was taken and the
    Response said ``"moderation": null``, so the application's moderation handling never ran in CI.
    The results are those /v1/moderations gives (not flagged by default), typed as the SDK 3.60
    types them; the stream's final Response carries the same."""
    client = sdk(module_server.base_url)
    asked = {"model": "omni-moderation-latest", "policy": {"input": {"mode": "score"}}}
    answer = client.responses.create(model="gpt-4o-mini", input="Tell me about owls.", moderation=asked)
    moderation = answer.moderation
    assert moderation is not None
    assert moderation.input.type == moderation.output.type == "moderation_result"
    assert moderation.input.model == "omni-moderation-latest" and not moderation.input.flagged
    assert set(moderation.output.category_scores) == set(moderation.input.categories)
    alone = client.moderations.create(model="omni-moderation-latest", input="Tell me about owls.").results[0]
    assert moderation.input.category_scores == alone.category_scores.model_dump(by_alias=True)
    assert client.responses.create(model="gpt-4o-mini", input="Tell me about owls.").moderation is None
    with client.responses.stream(model="gpt-4o-mini", input="Tell me about owls.", moderation=asked) as stream:
        assert stream.get_final_response().moderation == moderation
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-4o-mini", input="hi", moderation={"policy": None})  # type: ignore[typeddict-item]
    assert refused.value.body["param"] == "moderation.model"
