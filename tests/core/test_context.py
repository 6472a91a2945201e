"""RequestContext: the headers by lower-cased name are made from the request's own, when asked."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from mockai.core.context import RequestContext


def test_headers_are_read_by_lower_cased_name_the_last_repeat_winning() -> None:
    sent = CIMultiDictProxy(CIMultiDict([("X-Team", "a"), ("Authorization", "Bearer sk-1"), ("x-team", "b")]))
    ctx = RequestContext("POST", "/v1/chat/completions", "", sent, {}, b"{}", 1)
    assert ctx.headers == {"x-team": "b", "authorization": "Bearer sk-1"}
    assert ctx.headers is ctx.headers  # made once
    assert ctx.sent_headers is sent  # the request's own, not a copy
