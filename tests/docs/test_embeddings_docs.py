"""docs/embeddings.md runs: its Python example against a live server, its YAML as scenario rules."""

from __future__ import annotations

import pytest

from mockai.scenarios.file_format import load_text
from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

DOC = DOCS / "embeddings.md"


def test_the_python_example_runs(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    (code,) = code_blocks(DOC, "python")
    printed = run_python(code, f"{DOC}:python[0]", server_factory().base_url)
    same, unrelated = (float(part.split()[-1]) for part in printed.strip().split(", "))
    assert same > 0.8 > 0.3 > unrelated


def test_the_yaml_example_is_valid() -> None:
    (block,) = code_blocks(DOC, "yaml")
    rules = load_text(block, "docs")
    assert [r.match.endpoint for r in rules] == ["embeddings", "embeddings", "embeddings", "moderations", "moderations"]
