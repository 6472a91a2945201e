"""How to: test code that asks for a plain completion.

The application builds ``OpenAI()`` with no arguments; while a test that uses the ``mockai``
fixture runs, ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at the mock.
"""

from __future__ import annotations

from openai import OpenAI

from mockai.testing.mock import MockAI


def summarize(text: str) -> str:
    """Application code: one sentence about ``text``."""
    client = OpenAI()
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Summarize in one sentence."},
            {"role": "user", "content": text},
        ],
    )
    return reply.choices[0].message.content or ""


def test_scripted_answer(mockai: MockAI) -> None:
    mockai.on(user_contains="quarterly report").reply("Revenue grew 12%.")

    assert summarize("Here is the quarterly report: ...") == "Revenue grew 12%."

    request = mockai.requests.assert_called_once()
    assert request.model == "gpt-4o-mini"
    assert request.messages[0] == {"role": "system", "content": "Summarize in one sentence."}


def test_no_script_gives_a_deterministic_answer(mockai: MockAI) -> None:
    # A test that scripts nothing gets seeded answers: plausible, and the same on every run.
    first = summarize("Anything at all.")
    assert first
    assert summarize("Anything at all.") == first
    assert mockai.requests.call_count == 2
