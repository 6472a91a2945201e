"""JSON pointers (RFC 6901): escapes, indexes, and LookupError for what is not there."""

from __future__ import annotations

import pytest

from mockai.core.json_pointer import resolve_pointer

DOC = {"a/b": {"m~n": [10, {"": "empty key"}]}, "list": [1, 2]}


def test_resolve_pointer() -> None:
    assert resolve_pointer(DOC, "") is DOC
    assert resolve_pointer(DOC, "/a~1b/m~0n/0") == 10
    assert resolve_pointer(DOC, "/a~1b/m~0n/1/") == "empty key"


@pytest.mark.parametrize("pointer", ["/missing", "/list/2", "/list/-1", "/list/x", "/list/0/deeper"])
def test_nothing_there_is_a_lookup_error(pointer: str) -> None:
    with pytest.raises(LookupError):
        resolve_pointer(DOC, pointer)
