"""POST /v1/moderations through the official SDK, sync and async, and scripted by scenario rules."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.moderations.results import CATEGORIES
from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def test_text_is_not_flagged_and_has_every_key(client: Any) -> None:
    answer = client.moderations.create(input="I love kittens")
    assert answer.id.startswith("modr-")
    assert answer.model == "omni-moderation-latest"
    (result,) = answer.results
    assert result.flagged is False
    raw = result.model_dump(by_alias=True)
    for part in ("categories", "category_scores", "category_applied_input_types"):
        assert sorted(raw[part]) == sorted(CATEGORIES)
    assert not any(raw["categories"].values())
    assert all(0 <= score < 0.001 for score in raw["category_scores"].values())
    assert set(map(tuple, raw["category_applied_input_types"].values())) == {("text",)}


def test_deterministic(client: Any) -> None:
    first = client.moderations.create(input=["one", "two"])
    second = client.moderations.create(input=["one", "two"])
    assert first.model_dump() == second.model_dump()
    assert len(first.results) == 2
    assert first.results[0].category_scores != first.results[1].category_scores


def test_text_and_image_parts_are_one_input(client: Any) -> None:
    answer = client.moderations.create(model="omni-moderation-latest", input=[{"type": "text", "text": "look"}, IMAGE])
    (result,) = answer.results
    applied = result.category_applied_input_types
    assert applied.violence == ["text", "image"]
    assert applied.hate == ["text"]
    only_image = client.moderations.create(input=[IMAGE]).results[0].category_applied_input_types
    assert (only_image.sexual, only_image.hate) == (["image"], [])


def test_legacy_model_is_echoed_as_its_snapshot(client: Any) -> None:
    answer = client.moderations.create(model="text-moderation-latest", input="hello")
    assert answer.model == "text-moderation-007"
    with pytest.raises(openai.BadRequestError):
        client.moderations.create(model="text-moderation-latest", input=[IMAGE])


async def test_async_client(async_client: Any) -> None:
    answer = await async_client.moderations.create(input="hello")
    assert answer.results[0].flagged is False


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"input": "x", "model": "gpt-4o"}, 404, "model_not_found"),
        ({"model": "omni-moderation-latest"}, 400, "missing_required_parameter"),
        ({"input": "x", "foo": 1}, 400, "unknown_parameter"),
        ({"input": []}, 400, None),
        ({"input": [{"type": "video", "url": "x"}]}, 400, None),
        ({"input": 3}, 400, None),
    ],
)
def test_refusals(base_url: str, body: dict[str, Any], status: int, code: str | None) -> None:
    response = HTTP.post(f"{base_url}/moderations", json=body, headers=AUTH)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_rule_flags_chosen_categories(fresh: ServerThread) -> None:
    fresh.state.scenarios.load_text(
        """
- match: {input_contains: "attack"}
  reply:
    moderation: {flagged: [violence, harassment/threatening], scores: {violence: 0.97}}
"""
    )
    with sdk(fresh.base_url) as client:
        answer = client.moderations.create(input=["a calm day", "plan the attack"])
    calm, attack = answer.results
    assert calm.flagged is False
    assert attack.flagged is True
    assert (attack.categories.violence, attack.categories.harassment_threatening, attack.categories.hate) == (
        True,
        True,
        False,
    )
    assert attack.category_scores.violence == 0.97
    assert attack.category_scores.harassment_threatening >= 0.9
    assert fresh.state.journal.total == 1


def test_a_rule_for_moderations_with_an_error(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(endpoint="moderations").fail(500)
    with sdk(fresh.base_url) as client:
        with pytest.raises(openai.InternalServerError):
            client.moderations.create(input="x")
        assert client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float").data


def test_the_builder_flags_too(fresh: ServerThread) -> None:
    rule = fresh.state.scenarios.on(input_contains="attack").reply(moderation={"flagged": ["violence"]}).rule
    assert rule.match.endpoint == "moderations"  # implied by the reply
    with sdk(fresh.base_url) as client:
        (result,) = client.moderations.create(input="attack at dawn").results
        assert (result.flagged, result.categories.violence) == (True, True)
        # the embeddings of the same text are not touched by a moderations rule
        assert client.embeddings.create(model="text-embedding-3-small", input="attack", encoding_format="float").data
