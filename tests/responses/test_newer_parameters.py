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
from tests.support.clients import sdk

TAKEN: list[dict[str, Any]] = [
    {"background_options": {"completion_window": "soonest", "continuation_id": "batch-7"}},
    {"image": {"context_compression": "disabled"}},
    {"access_programs": {"cyber": "standard"}},
    {"reasoning": {"effort": "low", "context": "all_turns", "mode": "standard"}},
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
    ],
)
def test_a_malformed_newer_parameter_is_refused(
    module_server: ServerThread, extra: dict[str, Any], param: str, code: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(module_server.base_url).responses.create(model="gpt-5-mini", input="hi", **extra)
    assert (refused.value.body["param"], refused.value.body["code"]) == (param, code)
