"""docs/stored_responses.md runs: its Python example prints what its comments say, and its error
table names the wording the server sends."""

from __future__ import annotations

import re

import pytest

from mockai.responses.store.records import previous_response_not_found, response_not_found
from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

DOC = DOCS / "stored_responses.md"


def test_the_python_example_runs(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    server = server_factory()
    (code,) = code_blocks(DOC, "python")
    printed = run_python(code, f"{DOC}:python[0]", server.base_url)
    assert printed.splitlines() == ["True", "['user', 'assistant', 'user']", "previous_response_not_found"]


def test_the_error_table_quotes_the_server() -> None:
    text = DOC.read_text()
    for error in (response_not_found("resp_…"), previous_response_not_found("resp_…")):
        assert f"`{error.message}`" in text
    assert re.search(r"\| 404 \| null, null \|", text)
