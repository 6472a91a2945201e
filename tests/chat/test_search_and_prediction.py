"""Issue 12: ``url_citation`` annotations of the search models and Predicted Outputs accounting,
through the official SDK, in JSON and in streams (one plan, two renderings)."""

from __future__ import annotations

from typing import Any

import pytest

from mockai.chat.prediction_accounting import accepted_tokens
from mockai.generate.tokenizer import tokenize
from tests.chat.test_streaming import events, raw_stream

pytest.importorskip("openai")

SEARCH = {"model": "gpt-4o-search-preview", "web_search_options": {}}
QUESTION = [{"role": "user", "content": "What happened in the news today?"}]


def _ask(client: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("messages", QUESTION)
    return client.chat.completions.create(**kwargs)


def _notes(message: Any) -> list[dict[str, Any]]:
    return [note.model_dump() for note in message.annotations or []]


def _assert_valid(content: str, notes: list[dict[str, Any]]) -> None:
    assert notes
    previous_end = 0
    for note in notes:
        assert note["type"] == "url_citation"
        cited = note["url_citation"]
        assert previous_end <= cited["start_index"] < cited["end_index"] <= len(content)
        assert content[cited["start_index"] : cited["end_index"]].strip()
        assert cited["url"].startswith("https://example.com/")
        assert cited["title"]
        previous_end = cited["end_index"]


@pytest.mark.parametrize("model", ["gpt-4o-search-preview", "gpt-4o-mini-search-preview"])
def test_a_search_answer_cites_spans_of_its_content(client: Any, model: str) -> None:
    answer = _ask(client, model=model, web_search_options={"search_context_size": "low"})
    message = answer.choices[0].message
    _assert_valid(message.content, _notes(message))


def test_citation_keys_are_in_the_schema_order(base_url: str) -> None:
    from tests.support.clients import post_chat

    message = post_chat(base_url, {**SEARCH, "messages": QUESTION}).json()["choices"][0]["message"]
    assert list(message) == ["role", "content", "refusal", "annotations"]
    note = message["annotations"][0]
    assert list(note) == ["type", "url_citation"]
    assert list(note["url_citation"]) == ["end_index", "start_index", "title", "url"]


def test_citations_are_deterministic(client: Any) -> None:
    assert _notes(_ask(client, **SEARCH).choices[0].message) == _notes(_ask(client, **SEARCH).choices[0].message)


def test_without_web_search_options_or_on_other_models_annotations_stay_empty(client: Any) -> None:
    assert _ask(client, model="gpt-4o-search-preview").choices[0].message.annotations == []
    assert _ask(client, model="gpt-4o").choices[0].message.annotations == []


def test_the_stream_accumulates_to_the_same_annotations(client: Any) -> None:
    answer = _ask(client, **SEARCH)
    with client.chat.completions.stream(messages=QUESTION, **SEARCH) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == answer.choices[0].message.content
    assert _notes(final.choices[0].message) == _notes(answer.choices[0].message)


def test_the_stream_sends_annotations_once_before_the_finish_chunk(base_url: str) -> None:
    raw, _ = raw_stream(base_url, {**SEARCH, "messages": QUESTION})
    chunks = [c for c in events(raw) if c["choices"]]
    carrying = [i for i, c in enumerate(chunks) if "annotations" in c["choices"][0]["delta"]]
    assert carrying == [len(chunks) - 2]
    assert chunks[-1]["choices"][0]["delta"] == {}


# --- Predicted Outputs -------------------------------------------------------------------------


def _prediction(content: Any) -> dict[str, Any]:
    return {"type": "content", "content": content}


def test_without_a_prediction_both_counts_are_zero(client: Any) -> None:
    details = _ask(client, model="gpt-4o").usage.completion_tokens_details
    assert (details.accepted_prediction_tokens, details.rejected_prediction_tokens) == (0, 0)


def test_a_prediction_of_the_answer_itself_is_accepted_whole(client: Any) -> None:
    plain = _ask(client, model="gpt-4o")
    text = plain.choices[0].message.content
    predicted = _ask(client, model="gpt-4o", prediction=_prediction(text))
    assert predicted.choices[0].message.content == text
    details = predicted.usage.completion_tokens_details
    assert details.accepted_prediction_tokens == len(tokenize(text))
    assert details.rejected_prediction_tokens == 0
    assert predicted.usage.completion_tokens == plain.usage.completion_tokens


def test_rejected_prediction_tokens_are_billed(client: Any) -> None:
    plain = _ask(client, model="gpt-4o")
    wrong = "zzqx " * 40
    predicted = _ask(client, model="gpt-4o", prediction=_prediction(wrong))
    details = predicted.usage.completion_tokens_details
    total = len(tokenize(wrong))
    assert details.accepted_prediction_tokens + details.rejected_prediction_tokens == total
    assert details.rejected_prediction_tokens > 0
    assert predicted.usage.completion_tokens == plain.usage.completion_tokens + details.rejected_prediction_tokens
    assert predicted.usage.total_tokens == predicted.usage.prompt_tokens + predicted.usage.completion_tokens


def test_a_half_right_prediction_accepts_the_shared_tokens(client: Any) -> None:
    text = _ask(client, model="gpt-4o-mini").choices[0].message.content
    tokens = tokenize(text)
    guess = "".join(tokens[: len(tokens) // 2]) + " something else entirely"
    answer = _ask(client, model="gpt-4o-mini", prediction=_prediction([{"type": "text", "text": guess}]))
    details = answer.usage.completion_tokens_details
    expected = accepted_tokens(tokenize(guess), tokenize(answer.choices[0].message.content))
    assert details.accepted_prediction_tokens == expected >= len(tokens) // 2
    assert details.rejected_prediction_tokens == len(tokenize(guess)) - expected


def test_the_stream_reports_the_same_prediction_usage(client: Any) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-4o", "prediction": _prediction("The answer is probably this one.")}
    answer = _ask(client, **kwargs)
    with client.chat.completions.stream(messages=QUESTION, stream_options={"include_usage": True}, **kwargs) as s:
        final = s.get_final_completion()
    assert final.usage is not None
    assert final.usage.model_dump() == answer.usage.model_dump()


def test_accepted_tokens_is_an_in_order_match() -> None:
    assert accepted_tokens(["a", "b", "c"], ["a", "x", "c"]) == 2
    assert accepted_tokens(["a", "b"], []) == 0
    assert accepted_tokens([], ["a"]) == 0
    assert accepted_tokens(["c", "b", "a"], ["a", "b", "c"]) == 1
