"""The hot path's shortcuts give exactly the bytes of the plain implementations they replace."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.chat import render_sse as sse
from mockai.chat import request_keys
from mockai.core import strict_json
from mockai.core.json_text import dumps_indented
from mockai.core.memo import Memo
from mockai.server.journal import Journal
from tests.support.bodies import chat
from tests.support.clients import post_chat
from tests.support.servers import ServerFactory
from tests.support.strategies import chat_requests

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_dumps_indented_is_json_dumps_indent_2(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_dumps_indented_falls_back_on_what_json_converts() -> None:
    for value in ({1: "a", None: 2, 1.5: [True]}, {"a": {2: []}}):
        assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**64 - 1))
def test_obfuscation_draws_what_random_choice_draws(seed: int) -> None:
    reference, fast = random.Random(seed), random.Random(seed)
    for _ in range(8):
        length = reference.randrange(16)
        expected = "".join(reference.choice(sse._OBFUSCATION_ALPHABET) for _ in range(length))
        assert sse._obfuscation(fast) == expected


def test_memo_is_bounded_by_entries_and_bytes() -> None:
    memo: Memo[int, bytes] = Memo(3, 100, lambda key, value: len(value))
    for i in range(10):
        memo.put(i, b"x" * 10)
    assert len(memo) == 3 and memo.get(0) is None and memo.get(9) == b"x" * 10
    memo.put(100, b"y" * 90)  # pushes out older entries to stay within 100 bytes
    assert memo.bytes <= 100 and memo.get(100) is not None
    memo.put(101, b"z" * 101)  # larger than the whole memo: not kept
    assert memo.get(101) is None and memo.bytes <= 100
    assert Memo(0, 100, lambda k, v: 1).get_or_make(1, lambda: b"v") == b"v"


def test_a_second_sight_memo_keeps_a_key_put_twice_and_stays_bounded() -> None:
    memo: Memo[int, bytes] = Memo(4, 1000, lambda key, value: len(value), second_sight=True)
    memo.put(1, b"a")
    assert memo.get(1) is None and len(memo) == 0  # seen once: not kept
    memo.put(1, b"a")
    assert memo.get(1) == b"a"
    memo.put(1, b"b")  # a kept key is updated at once
    assert memo.get(1) == b"b"
    for i in range(2, 10_000):  # a long run of distinct keys keeps nothing, and the seen set stays small
        memo.put(i, b"x")
    assert len(memo) == 1 and memo._seen is not None and len(memo._seen) <= 16


def test_repeated_requests_are_answered_from_a_bounded_memo_with_the_same_bytes(
    server_factory: ServerFactory,
) -> None:
    server = server_factory()
    for extra in ({}, {"stream": True}, {"stream": True, "stream_options": {"include_usage": True}}):
        first = post_chat(server.base_url, chat("q0", **extra))
        again = post_chat(server.base_url, chat("q0", **extra))
        assert first.status_code == 200 and first.content == again.content
        assert first.headers["x-request-id"] == again.headers["x-request-id"]
    plans = server.state.known_bodies
    for i in range(plans.max_entries + 20):  # each twice: the memo keeps a body seen a second time
        assert post_chat(server.base_url, chat(f"q{i + 1}")).status_code == 200
        assert post_chat(server.base_url, chat(f"q{i + 1}")).status_code == 200
    assert len(plans) == plans.max_entries and plans.bytes <= plans.max_bytes


@settings(max_examples=300, deadline=None)
@given(
    value=json_values,
    encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"]),
    ascii_only=st.booleans(),  # (escapes: a lone surrogate escaped, an emoji as its pair)
)
def test_body_decoding_is_json_loads(value: Any, encoding: str, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    raw = text.encode(encoding, "surrogatepass")

    def outcome(fn: Any) -> Any:
        try:
            return ("ok", fn(raw))
        except (ValueError, UnicodeDecodeError) as exc:
            return ("error", type(exc))

    expected = outcome(lambda r: json.loads(r, parse_constant=strict_json._reject_constant))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):  # a lone surrogate: not text, so not JSON
        expected = ("error", UnicodeDecodeError)
    elif ascii_only and _lone_surrogate(value):  # escaped: text, but not a string
        expected = ("error", ValueError)
    assert repr(outcome(strict_json.loads)) == repr(expected)


def _lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(map(_lone_surrogate, value))
    return False


def test_body_decoding_of_what_orjson_reads_otherwise() -> None:
    """Integers beyond 64 bits, deep nesting, a BOM: what json reads (or refuses); 1e400, which
    json reads as infinity, is not JSON (as NaN is not)."""
    deep = b"[" * 300 + b"1" + b"]" * 300
    for raw in (
        b'{"n": 123456789012345678901234567890}',
        b'{"n": -18446744073709551616}',
        deep,
        b'\xef\xbb\xbf{"a": 1}',
        b'{"s": "\\ud83d\\ude00", "n": 12345678901234567890}',
    ):
        assert repr(strict_json.loads(raw)) == repr(json.loads(raw))
    for refused in (b"[" * 5000 + b"]" * 5000, b'{"x": 1e400}', b'{"x": -1e400}'):
        with pytest.raises(ValueError):
            strict_json.loads(refused)


def test_the_journal_redacts_when_read_and_stays_bounded() -> None:
    journal = Journal(2)
    for i in range(5):
        journal.record(
            "POST",
            "/v1/chat/completions",
            "",
            {"Authorization": f"Bearer sk-{i}", "X-Trace": "t"},
            {"i": i},
            200,
            "seeded",
        )
    entries = list(journal)
    assert [e.body for e in entries] == [{"i": 3}, {"i": 4}] and journal.total == 5
    assert all(e.headers == {"Authorization": "<redacted>", "X-Trace": "t"} for e in entries)
    for size in (0, -1):
        empty = Journal(size)
        empty.record("POST", "/", "", {}, None, 200, "seeded")
        assert len(empty) == 0 and list(empty) == [] and empty.total == 1


@settings(max_examples=150, deadline=None)
@given(body=chat_requests(), extra=st.sampled_from([{}, {"stream": True}, {"user": "u1"}, {"n": 2, "stop": "."}]))
def test_both_request_keys_at_once_are_the_two_keys(body: dict[str, Any], extra: dict[str, Any]) -> None:
    body = {**body, **extra}
    expected = (request_keys.request_key(body, 3), request_keys.request_key(body, 3, content_only=True))
    assert request_keys.request_keys(body, 3) == expected


@settings(max_examples=100, deadline=None)
@given(key=st.binary(min_size=32, max_size=32), label=st.text(max_size=10), length=st.integers(0, 64))
def test_alnum_ids_are_the_modulo_62_alphabet(key: bytes, label: str, length: int) -> None:
    import hashlib

    digest = hashlib.blake2b(label.encode(), key=key, digest_size=64).digest()
    assert request_keys.alnum(key, label, length) == "".join(request_keys.ALNUM[b % 62] for b in digest[:length])


def test_memo_stays_consistent_under_threads() -> None:
    import threading

    memo: Memo[int, bytes] = Memo(16, 400, lambda key, value: len(value))

    def hammer(offset: int) -> None:
        for i in range(5_000):
            memo.put((offset + i) % 64, b"x" * (i % 40))
            memo.get((offset + 3 * i) % 64)

    threads = [threading.Thread(target=hammer, args=(k * 7,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo) <= 16 and memo.bytes == sum(cost for _, cost in memo._entries.values()) <= 400


@settings(max_examples=150, deadline=None)
@given(
    body=chat_requests(),
    extra=st.sampled_from([{}, {"logprobs": True, "top_logprobs": 2}, {"n": 2}, {"verbosity": "high"}]),
    usage=st.booleans(),
    obfuscation=st.booleans(),
    size=st.integers(1, 4),
)
def test_events_rendered_in_one_pass_are_the_encoded_chunk_dicts(
    body: dict[str, Any], extra: dict[str, Any], usage: bool, obfuscation: bool, size: int
) -> None:
    from mockai.chat.planner import Planner
    from mockai.core.errors import APIError
    from mockai.core.model_catalog import ModelCatalog

    body = {**body, **extra}
    try:
        plan = Planner(ModelCatalog(), 5).seeded(body)
    except APIError:  # a request the planner refuses (a schema it cannot satisfy): nothing to render
        return
    opts = sse.StreamOptions(usage, obfuscation, size, bool(body.get("logprobs")))
    assert sse.rendered_events(plan, opts) == tuple(sse.encode_event(c) for c in sse.chunk_dicts(plan, opts))
