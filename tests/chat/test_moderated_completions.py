"""Moderated completions (``moderation: {"model"}`` on chat): an audit of openai-node 7.60 found the
option taken and no ``moderation`` in the answer, so ``completion.moderation.input`` was a
TypeError against mockai.  The spec's ``ChatCompletionModeration``: results for the input and the
output, in the JSON body and on a stream's moderation chunk."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import sdk

ASKED = {"model": "omni-moderation-latest"}
USER = [{"role": "user", "content": "Tell me about owls."}]


def test_the_answer_carries_the_moderation_of_input_and_output(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=USER, extra_body={"moderation": ASKED})
    moderation: Any = answer.moderation
    assert moderation is not None
    for side in (moderation.input, moderation.output):
        assert side.type == "moderation_results" and side.model == "omni-moderation-latest"
        [result] = side.results
        assert result.type == "moderation_result" and not result.flagged
    alone = client.moderations.create(model="omni-moderation-latest", input="Tell me about owls.").results[0]
    assert moderation.input.results[0].category_scores == alone.category_scores.model_dump(by_alias=True)
    assert client.chat.completions.create(model="gpt-4o-mini", messages=USER).moderation is None


def test_a_stream_has_a_moderation_chunk_telling_the_same(fresh: ServerThread) -> None:
    client = sdk(fresh.base_url)
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=USER, extra_body={"moderation": ASKED})
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=USER,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"moderation": ASKED},
        )
    )
    moderated = [chunk for chunk in chunks if chunk.moderation is not None]
    assert len(moderated) == 1 and moderated[0].choices == [] and moderated[0].usage is None
    assert moderated[0].moderation.model_dump() == answer.moderation.model_dump()
    assert chunks[-1].usage is not None  # (the usage chunk stays the last)


@pytest.mark.parametrize(
    ("moderation", "param"),
    [
        ({"model": "omni-moderation-latest", "policy": {"x": 1}}, "moderation.policy.x"),
        ({"model": "omni-moderation-latest", "bogus": 1}, "moderation.bogus"),
        (
            {"model": "omni-moderation-latest", "policy": {"input": {"mode": "score", "y": 2}}},
            "moderation.policy.input.y",
        ),
    ],
)
def test_the_option_is_checked_as_responses_checks_it(fresh: ServerThread, moderation: Any, param: str) -> None:
    """The same audit: chat took unknown keys in the option that /v1/responses refuses."""
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(fresh.base_url).chat.completions.create(
            model="gpt-4o-mini", messages=USER, extra_body={"moderation": moderation}
        )
    assert (refused.value.body["param"], refused.value.body["code"]) == (param, "unknown_parameter")
