"""JSON mode answers with the keys a prompt names in words (LangChain's ``json_mode``, instructor's
JSON modes): audits of LangChain (Python and JS) found ``{"answer", "confidence"}`` instead, which
the application's parser refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from mockai.chat.prose_keys import prose_schema


class Movie(BaseModel):
    title: str
    year: int
    genres: list[str]
    rating: float


def _json_answer(client: Any, prompt: str, system: str | None = None) -> Any:
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, response_format={"type": "json_object"}
    )
    return json.loads(answer.choices[0].message.content)


@pytest.mark.parametrize(
    "prompt",
    [
        "Give a movie as json with title, year, genres, rating",
        "Return a JSON object with keys `title`, `year`, `genres` and `rating` for a film about space.",
    ],
)
def test_the_keys_named_are_the_answers_and_a_model_parses_it(client: Any, prompt: str) -> None:
    value = _json_answer(client, prompt)
    assert list(value) == ["title", "year", "genres", "rating"]
    Movie.model_validate(value)


def test_a_system_message_names_them_too_and_a_schema_comes_first(client: Any) -> None:
    value = _json_answer(
        client, "Tell me about Lisbon.", system="Respond in JSON with the fields: city, country, is_capital"
    )
    assert set(value) == {"city", "country", "is_capital"} and isinstance(value["is_capital"], bool)
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    given = _json_answer(client, f"Reply in JSON with keys a and b, following this schema: {json.dumps(schema)}")
    assert set(given) == {"x"}


def test_prompts_that_name_no_keys_are_left_alone() -> None:
    for prompt in ("What is JSON?", "Reply in JSON with the answer and a confidence.", "Tell me a joke and a story"):
        assert prose_schema([{"role": "user", "content": prompt}]) is None
