"""How to: test code that streams an answer, with the sync and the async client."""

from __future__ import annotations

import pytest
from openai import AsyncOpenAI, OpenAI

from mockai.testing.mock import MockAI


def stream_answer(question: str) -> list[str]:
    """Application code: the text pieces as they arrive."""
    stream = OpenAI().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
        stream=True,
        stream_options={"include_usage": True},
    )
    return [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]


def test_streamed_answer(mockai: MockAI) -> None:
    mockai.on(user_contains="poem", stream=True).reply("Roses are red, violets are blue.")

    pieces = stream_answer("Write a poem")

    assert "".join(pieces) == "Roses are red, violets are blue."
    assert len([p for p in pieces if p]) > 1, "the answer arrives in several chunks"
    assert mockai.requests.last.stream


@pytest.mark.asyncio
async def test_streamed_answer_async(mockai: MockAI) -> None:
    mockai.on(user_contains="poem").reply("Roses are red.").stream(tokens_per_chunk=2)

    async with AsyncOpenAI() as client:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "A poem?"}], stream=True
        )
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    assert text == "Roses are red."
