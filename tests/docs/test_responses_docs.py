"""docs/responses.md runs: its Python example prints what the page says it prints."""

from __future__ import annotations

import pytest

from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

DOC = DOCS / "responses.md"


def test_the_python_example_prints_what_the_page_says(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    (code,) = code_blocks(DOC, "python")
    printed = run_python(code, f"{DOC}:python[0]", server_factory().base_url)
    assert printed == code_blocks(DOC, "text")[0]
