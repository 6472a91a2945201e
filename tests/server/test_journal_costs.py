"""The journal's byte budget counts each entry's headers, whether the entry shares its read-only
headers object with the one before (the fast front's requests of one head do) or not."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from mockai.server.journal import Journal


def _headers(**fields: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(fields))


def _cost(headers: CIMultiDictProxy[str]) -> int:
    alone = Journal()
    alone.record("POST", "/v1/chat/completions", "", headers, None, 200, "seeded", raw=b"{}")
    return alone.bytes


def test_shared_and_distinct_headers_are_each_counted() -> None:
    short = _headers(host="127.0.0.1")
    long = _headers(host="127.0.0.1", user_agent="x" * 500, authorization="Bearer sk-test")
    journal = Journal()
    expected = 0
    for headers in (short, short, long, long, short, _headers(host="127.0.0.1"), long):
        journal.record("POST", "/v1/chat/completions", "", headers, None, 200, "seeded", raw=b"{}")
        expected += _cost(headers)
        assert journal.bytes == expected
    assert [entry.headers.get("user_agent") for entry in journal] == [
        None,
        None,
        "x" * 500,
        "x" * 500,
        None,
        None,
        "x" * 500,
    ]
