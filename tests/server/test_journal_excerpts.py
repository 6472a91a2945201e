"""What the journal keeps of a large answer, or of a Response to a large request: an excerpt, within
its byte budget, every cut marked.

A fuzzing audit found the journal keeping a huge answer's whole plan (5-7 MB for 4 MB of logprobs),
so that six such answers filled its 32 MiB and pushed out every other entry, and each read of the
journal cut those answers again on the event loop.  A Response held its echo of the request: 1,000
entries of 3 MB instructions would have held 3 GB (measured: +3 MB a request, outside the budget).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockai.core.plan import TokenLogprob
from mockai.core.plan_excerpt import excerpt_logprobs, excerpt_text, excerpt_tokens
from mockai.server.journal import ANSWER_KEPT_BYTES
from mockai.server.runner import ServerThread
from tests.server.test_inputs_limits import LOGPROBS_BODIES
from tests.support.clients import AUTH, HTTP


def _post(server: ServerThread, path: str, body: dict[str, Any]) -> httpx.Response:
    answer = HTTP.post(f"{server.base_url}/{path}", json=body, headers=AUTH, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer


def _logprobs_of(path: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    if path == "responses":
        logprobs: list[dict[str, Any]] = answer["output"][0]["content"][0]["logprobs"]
        return logprobs
    content: list[dict[str, Any]] = answer["choices"][0]["logprobs"]["content"]
    return content


def _text_of(path: str, answer: dict[str, Any]) -> str:
    if path == "responses":
        text: str = answer["output"][0]["content"][0]["text"]
        return text
    content: str = answer["choices"][0]["message"]["content"]
    return content


@pytest.mark.parametrize("path", sorted(LOGPROBS_BODIES))
def test_a_huge_answer_is_journaled_as_its_excerpt(fresh: ServerThread, path: str) -> None:
    sent = _post(fresh, path, LOGPROBS_BODIES[path]).json()
    journal = fresh.server.state.journal
    assert journal.bytes < 2 * ANSWER_KEPT_BYTES  # (its whole plan: 5-7 MB)
    [entry] = list(journal)
    shown = entry.response
    assert shown is not None and shown["id"] == sent["id"]
    full, kept = _logprobs_of(path, sent), _logprobs_of(path, shown)
    assert kept[:-1] == full[: len(kept) - 1]
    assert kept[-1]["token"] == f"…[{len(full) - len(kept) + 1} more items]"
    text, kept_text = _text_of(path, sent), _text_of(path, shown)
    start, _, marker = kept_text.partition("…[truncated ")
    assert text.startswith(start) and marker == f"{len(text.encode()) - len(start.encode())} bytes]"


def test_huge_answers_leave_room_for_the_small_ones(fresh: ServerThread) -> None:
    for _ in range(3):
        _post(fresh, "chat/completions", LOGPROBS_BODIES["chat/completions"])
    small = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    for _ in range(20):
        _post(fresh, "chat/completions", small)
    journal = fresh.server.state.journal
    assert len(journal) == 23 and journal.bytes < 4 * ANSWER_KEPT_BYTES


@pytest.mark.parametrize("store", [False, True])
def test_a_response_to_a_large_request_keeps_an_excerpt_of_its_echo(fresh: ServerThread, store: bool) -> None:
    instructions = "Answer briefly. " * 100_000  # 1.6 MB, echoed by the Response
    body = {"model": "gpt-4.1-mini", "input": "hi", "instructions": instructions, "store": store}
    sent = _post(fresh, "responses", body).json()
    assert sent["instructions"] == instructions
    journal = fresh.server.state.journal
    assert journal.bytes < 300_000
    [entry] = list(journal)
    shown = entry.response
    assert shown is not None and shown["output"] == sent["output"] and shown["usage"] == sent["usage"]
    assert shown["instructions"] == instructions[:4096] + f"…[truncated {len(instructions) - 4096} bytes]"


@given(st.lists(st.text(max_size=6), max_size=60), st.integers(min_value=0, max_value=80))
def test_an_excerpt_of_tokens_is_their_start_and_the_marker_of_the_rest(tokens: list[str], chars: int) -> None:
    cut = excerpt_tokens(tuple(tokens), chars)
    text = "".join(tokens)
    if len(text) <= chars:
        assert cut == tuple(tokens)
        return
    *kept, marker = cut
    start = "".join(kept)
    assert tuple(kept) == tuple(tokens[: len(kept)]) and len(start) <= chars
    rest = text[len(start) :].encode("utf-8", "surrogatepass")
    assert marker == f"…[truncated {len(rest)} bytes]"
    assert (
        excerpt_text(text, chars)
        == text[:chars] + f"…[truncated {len(text[chars:].encode('utf-8', 'surrogatepass'))} bytes]"
    )


def test_an_excerpt_of_logprobs_counts_the_alternatives() -> None:
    entries = tuple(TokenLogprob(f"t{i}", -0.5, (("a", -1.0), ("b", -2.0))) for i in range(100))
    cut = excerpt_logprobs(entries, 30)  # 3 an entry: 10 kept
    assert cut is not None and cut[:10] == entries[:10] and cut[10].token == "…[90 more items]" and len(cut) == 11
    assert excerpt_logprobs(entries, 300) is entries and excerpt_logprobs(None, 30) is None
