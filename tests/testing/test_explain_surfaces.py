"""``mockai.explain(body)`` and ``POST /_mockai/explain`` for every surface's rules: a Responses body
is explained as its rules see it (its chat view), an embeddings or moderations body against the
rules of its own endpoint, and the explanation agrees with what the server then answers."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai import OpenAI

from mockai.scenarios.source import likely_path
from mockai.testing.mock import MockAI


@pytest.mark.mockai(strict=False)  # the miss below is the point
def test_a_responses_body_is_explained_through_its_chat_view(mockai: MockAI) -> None:
    mockai.on(user_contains="refund", name="refunds").reply("Refunds take five days.")
    asking = {"model": "gpt-4o", "input": [{"role": "user", "content": "Can I get a refund?"}]}
    other = {"model": "gpt-4o", "input": "What time is it?"}

    assert mockai.explain(asking).startswith('rule "refunds"')
    missed = mockai.explain(other)
    assert missed.startswith("No scenario rule matched")
    assert 'user_contains: expected "refund", got "What time is it?"' in missed
    # What the explanation says is what the server does (a test with rules answers a miss with
    # a 404 that explains it).
    client = OpenAI()
    answered = client.responses.create(model="gpt-4o", input=[{"role": "user", "content": "Can I get a refund?"}])
    assert answered.output_text == "Refunds take five days."
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="gpt-4o", input="What time is it?")
    assert 'user_contains: expected "refund", got "What time is it?"' in str(caught.value)


def test_embeddings_and_moderations_bodies_meet_their_own_endpoints_rules(mockai: MockAI) -> None:
    mockai.on(input_contains="money back", name="refund-query").optional().reply(embedding={"as_text": "Refunds"})
    query = {"model": "text-embedding-3-small", "input": "I want my money back"}
    assert mockai.explain(query).startswith('rule "refund-query"')
    assert mockai.explain({**query, "input": "hello"}).startswith("No scenario rule matched")
    # The same words sent to chat or moderations meet no embeddings rule.
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "I want my money back"}]}
    assert "No rules for this endpoint are loaded" in mockai.explain(chat)
    assert "No rules for this endpoint are loaded" in mockai.explain(query, path="/v1/moderations")


def test_the_admin_explain_takes_a_path_or_guesses_it(mockai: MockAI) -> None:
    mockai.on(user_contains="refund", name="refunds").optional().reply("Refunds take five days.")
    admin = mockai.base_url.removesuffix("/v1") + "/_mockai/explain"
    body = {"model": "gpt-4o", "input": "refund please"}
    guessed = httpx.post(admin, json=body, timeout=10).json()["explanation"]
    named = httpx.post(admin, params={"path": "/v1/responses"}, json=body, timeout=10).json()["explanation"]
    as_chat = httpx.post(admin, params={"path": "/v1/chat/completions"}, json=body, timeout=10).json()["explanation"]
    assert guessed == named and named.startswith('rule "refunds"')
    assert as_chat.startswith("No scenario rule matched")  # a chat body without messages has no user text


def test_the_guess_of_a_bodys_endpoint() -> None:
    assert likely_path({"model": "gpt-4o", "messages": []}) == "/v1/chat/completions"
    assert likely_path({"model": "gpt-4o", "input": "hi"}) == "/v1/responses"
    assert likely_path({"model": "text-embedding-3-large", "input": "hi"}) == "/v1/embeddings"
    assert likely_path({"model": "omni-moderation-latest", "input": "hi"}) == "/v1/moderations"
    assert likely_path({}) == "/v1/chat/completions"
