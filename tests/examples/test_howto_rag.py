"""How to: test a retrieval (RAG) step against mockai's embeddings.

mockai's vectors follow the text (shared words and word pieces bring two texts closer), so a test
can assert that retrieval finds the right document, not only that "something came back".  When a
query must match a document it shares no words with, a rule embeds it as if it were that
document.  The application builds ``OpenAI()`` with no arguments: the ``mockai`` fixture points
``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` at the mock.
"""

from __future__ import annotations

import numpy as np
from openai import OpenAI

from mockai.testing.mock import MockAI

DOCUMENTS = [
    "To reset your password, open Settings and choose Reset password.",
    "Refunds are paid to the original card within five working days.",
    "Our support team answers chats on weekdays from 9 to 17.",
    "Shipping to Canada takes seven to ten days.",
    "You can pay with Visa, Mastercard or PayPal.",
    "The mobile app works on Android and iOS.",
    "Invoices are emailed at the start of every month.",
    "Two-factor authentication adds a code from your phone at login.",
    "Gift cards never expire and can be used online.",
    "Orders can be cancelled until they are shipped.",
    "Premium members get free express delivery.",
    "Our warehouse is closed on public holidays.",
    "Product reviews are checked before they are published.",
    "You can change your delivery address in your account.",
    "Damaged items can be returned with the prepaid label.",
    "The newsletter comes out every Friday.",
    "Student discounts need a valid student email address.",
    "Bulk orders over 100 items get a quote from sales.",
    "Our stores accept returns within thirty days.",
    "Export your data from the Privacy page as a CSV file.",
]


class Retriever:
    """Application code: embed the documents once, then rank them by cosine for a query."""

    def __init__(self, documents: list[str], model: str = "text-embedding-3-small") -> None:
        self.client = OpenAI()
        self.model = model
        self.documents = documents
        self.matrix = self._embed(documents)

    def _embed(self, texts: list[str]) -> np.ndarray:
        answer = self.client.embeddings.create(model=self.model, input=texts)
        vectors = np.array([item.embedding for item in answer.data])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def top(self, query: str, k: int = 3) -> list[str]:
        scores = self.matrix @ self._embed([query])[0]
        return [self.documents[i] for i in np.argsort(-scores)[:k]]


def test_the_expected_document_ranks_first(mockai: MockAI) -> None:
    retriever = Retriever(DOCUMENTS)

    assert retriever.top("How do I reset my password?")[0] == DOCUMENTS[0]
    assert retriever.top("When are refunds paid?")[0] == DOCUMENTS[1]
    assert retriever.top("how long does shipping to Canada take")[0] == DOCUMENTS[3]

    embeddings = mockai.requests.filter(path="/v1/embeddings")
    assert embeddings.call_count == 4
    assert embeddings.first.inputs == DOCUMENTS


def test_a_rule_makes_a_query_match_a_document(mockai: MockAI) -> None:
    # "I forgot my login" shares no word with the password document: script the match.
    mockai.on(input_equals="I forgot my login").reply(embedding={"as_text": DOCUMENTS[0]})
    retriever = Retriever(DOCUMENTS)

    assert retriever.top("I forgot my login")[0] == DOCUMENTS[0]
    assert mockai.requests.last.rule is not None
