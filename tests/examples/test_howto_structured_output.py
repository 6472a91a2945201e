"""How to: test structured output read with ``client.chat.completions.parse()``."""

from __future__ import annotations

from openai import OpenAI
from pydantic import BaseModel

from mockai.testing.mock import MockAI


class Event(BaseModel):
    name: str
    date: str
    participants: list[str]


def extract_event(text: str) -> Event | None:
    """Application code: an Event from free text."""
    completion = OpenAI().chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[
            {"role": "system", "content": "Extract the event information."},
            {"role": "user", "content": text},
        ],
        response_format=Event,
    )
    return completion.choices[0].message.parsed


def test_scripted_structured_answer(mockai: MockAI) -> None:
    mockai.on(schema_name="Event").reply(
        json={"name": "Science fair", "date": "Friday", "participants": ["Alice", "Bob"]}
    )

    event = extract_event("Alice and Bob are going to a science fair on Friday.")

    assert event == Event(name="Science fair", date="Friday", participants=["Alice", "Bob"])
    sent = mockai.requests.last.body["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Event"


def test_unscripted_answers_still_fit_the_schema(mockai: MockAI) -> None:
    # Without a rule the seeded answer is generated from the request's schema.
    event = extract_event("Some text about an event.")
    assert isinstance(event, Event)
