"""Scripting embeddings: rules that match inputs and answer with a vector, the vector of another
text, or a fault; the journal; YAML and the builder giving the same rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import openai
import pytest

from mockai.scenarios.file_format import load_text
from mockai.scenarios.rules import ScenarioError
from mockai.server.runner import ServerThread
from mockai.testing.request_log import RecordedRequest, RequestLog
from tests.support.clients import sdk

DOCS = ["Refunds are paid within 5 days", "Our office is in Lisbon", "Support answers on weekdays"]


def _embed(server: ServerThread, inputs: Any, **kwargs: Any) -> np.ndarray:
    with sdk(server.base_url) as client:
        answer = client.embeddings.create(
            model="text-embedding-3-small", input=inputs, encoding_format="float", **kwargs
        )
    return np.array([item.embedding for item in answer.data])


def test_as_text_makes_a_query_match_a_document(fresh: ServerThread) -> None:
    fresh.state.scenarios.load_text(
        """
- match: {input_contains: "money back"}
  reply:
    embedding: {as_text: "Refunds are paid within 5 days"}
"""
    )
    docs = _embed(fresh, DOCS)
    query, other = _embed(fresh, ["How do I get my money back?", "Where is the office?"])
    assert query.tolist() == docs[0].tolist()  # only the input that fits is replaced
    assert other.tolist() != docs[0].tolist()
    assert int(np.argmax(docs @ query)) == 0


def test_given_values_are_zero_padded_to_the_dimensions(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(input_equals="ping").reply(embedding=[0.6, 0.8])
    (vector,) = _embed(fresh, "ping", dimensions=8)
    assert vector.tolist() == pytest.approx([0.6, 0.8, 0, 0, 0, 0, 0, 0], abs=1e-3)


def test_too_many_values_is_a_problem_of_the_rule(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(input_equals="ping").reply(embedding=[0.1] * 20)
    with pytest.raises(openai.BadRequestError) as caught:
        _embed(fresh, "ping", dimensions=8)
    assert "the embedding has 20 values, the request asks for 8" in caught.value.message
    assert fresh.state.scenarios.problems


def test_errors_and_faults(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(endpoint="embeddings", input_contains="busy").fail(429, retry_after=0.01)
    fresh.state.scenarios.on(endpoint="embeddings", input_contains="broken").empty()
    with pytest.raises(openai.RateLimitError):
        _embed(fresh, "busy day")
    with pytest.raises(ValueError):  # a 200 with an empty body: the SDK cannot parse it
        _embed(fresh, "broken")
    assert _embed(fresh, "fine").shape == (1, 1536)


def test_model_condition_and_chat_rules_stay_apart(fresh: ServerThread) -> None:
    fresh.state.scenarios.load_text(
        """
- match: {endpoint: embeddings, model: text-embedding-3-large}
  reply: {error: 503}
- match: {user_contains: hello}
  reply: {content: "hi"}
"""
    )
    assert _embed(fresh, "hello").shape == (1, 1536)  # 3-small: no embeddings rule matches
    with sdk(fresh.base_url) as client, pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="text-embedding-3-large", input="hello", encoding_format="float")
    with sdk(fresh.base_url) as client:
        chat = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    assert chat.choices[0].message.content == "hi"


def test_auto_lets_unscripted_inputs_have_their_seeded_vectors(server_factory: Any) -> None:
    server = server_factory(on_no_match="auto")
    server.state.scenarios.on(input_equals="known").reply(embedding={"as_text": "x"})
    assert _embed(server, "unknown").tolist() == _embed(server, "unknown").tolist()
    assert server.state.scenarios.misses == []  # nothing for the pytest plugin to report


def test_on_no_match_error_explains_with_embeddings_rules(server_factory: Any) -> None:
    server = server_factory(on_no_match="error")
    server.state.scenarios.on(input_equals="known").reply(embedding={"as_text": "x"})
    assert _embed(server, "known").shape == (1, 1536)
    with pytest.raises(openai.NotFoundError) as caught:
        _embed(server, "unknown")
    message = caught.value.message
    assert 'input "unknown"' in message
    assert 'input: expected {"equals": "known"}, got ["unknown"]' in message


def test_the_journal_reads_embeddings_inputs(fresh: ServerThread) -> None:
    fresh.state.scenarios.on(input_equals="b").reply(embedding={"as_text": "a"}).named("b-as-a")
    _embed(fresh, ["a", "b"])
    log = RequestLog(RecordedRequest.from_entry(e) for e in fresh.state.journal)
    request = log.filter(path="/v1/embeddings").assert_called_once()
    assert request.inputs == ["a", "b"]
    assert request.rule == "b-as-a"
    assert request.status == 200
    assert log.filter(input_contains="b").call_count == 1


def test_refused_requests_are_journaled(fresh: ServerThread) -> None:
    with pytest.raises(openai.BadRequestError):
        _embed(fresh, "")
    (entry,) = list(fresh.state.journal)
    assert (entry.status, entry.source) == (400, "rejected")
    assert entry.response is not None and "'$.input' is invalid" in entry.response["error"]["message"]


def test_yaml_and_builder_make_the_same_rule(fresh: ServerThread) -> None:
    (from_yaml,) = load_text("- match: {input_contains: refund}\n  reply: {embedding: {as_text: money}}\n")
    built = fresh.state.scenarios.on(input_contains="refund").reply(embedding={"as_text": "money"}).rule
    assert built == from_yaml
    assert built.match.endpoint == "embeddings"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- match: {input_contains: x}\n  reply: {content: hi}\n", "a chat answer cannot answer embeddings"),
        ("- match: {input_contains: x, endpoint: chat}\n", "input_* conditions look at embeddings"),
        ("- match: {user_contains: x}\n  reply: {embedding: [1]}\n", "embeddings requests have no user_contains"),
        ("- reply: {embedding: [1], content: hi}\n", "embedding is the whole answer"),
        ("- replies: [{embedding: [1]}, {moderation: {flagged: [hate]}}]\n", "a rule answers one endpoint"),
        ("- reply: {embedding: {as_txt: x}}\n", "as_txt"),
    ],
)
def test_rules_that_cannot_work_are_refused_when_loaded(text: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "rules.yaml")
    assert problem in str(caught.value)
