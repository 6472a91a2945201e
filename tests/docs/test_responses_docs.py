"""docs/responses.md runs: its first Python example prints what the page says it prints, the others run."""

from __future__ import annotations

import pytest

from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

DOC = DOCS / "responses.md"


def test_the_python_examples_run_and_print_what_the_page_says(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    base_url = server_factory().base_url
    first, *others = code_blocks(DOC, "python")
    assert run_python(first, f"{DOC}:python[0]", base_url) == code_blocks(DOC, "text")[0]
    for i, code in enumerate(others, start=1):  # (their asserts hold)
        run_python(code, f"{DOC}:python[{i}]", base_url)
