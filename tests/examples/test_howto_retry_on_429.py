"""How to: test that the client retries rate-limited requests, and what it does when it gives up."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from mockai.testing.mock import MockAI

QUESTION = [{"role": "user", "content": "Hello"}]


def test_the_sdk_retries_until_it_gets_an_answer(mockai: MockAI) -> None:
    # The first two requests get a 429 (Retry-After: 10 ms), then the next rule answers.
    mockai.on().fail(429, retry_after=0.01, times=2)
    mockai.on().reply("Hello at last.")

    client = OpenAI(max_retries=2)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)

    assert reply.choices[0].message.content == "Hello at last."
    assert [r.status for r in mockai.requests] == [429, 429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in mockai.requests] == ["0", "1", "2"]


def test_the_error_surfaces_when_retries_run_out(mockai: MockAI) -> None:
    mockai.on().fail(429, "Rate limit reached for gpt-4o-mini", retry_after=0.01)

    client = OpenAI(max_retries=1)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)

    assert caught.value.status_code == 429
    assert "Rate limit reached" in caught.value.message
    assert mockai.requests.call_count == 2
