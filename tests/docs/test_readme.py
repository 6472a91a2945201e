"""Every Python snippet in the README runs: the client example against a live server, the pytest
examples as a project run by pytester."""

from __future__ import annotations

import pytest

from tests.support.markdown import README, code_blocks, run_python
from tests.support.servers import ServerFactory

pytest.importorskip("openai")


def python_blocks() -> list[str]:
    return code_blocks(README, "python")


def test_readme_has_snippets() -> None:
    assert len(python_blocks()) >= 2


def test_client_snippets_run(server_factory: ServerFactory) -> None:
    server = server_factory()
    ran = 0
    for index, block in enumerate(python_blocks()):
        if "def test_" in block:
            continue
        run_python(block, f"{README}:python[{index}]", server.base_url)
        ran += 1
    assert ran >= 1


def test_pytest_snippets_pass(project: pytest.Pytester) -> None:
    tests = [b for b in python_blocks() if "def test_" in b]
    assert tests
    for i, block in enumerate(tests):
        project.makepyfile(**{f"test_readme_{i}": block})
    result = project.runpytest()
    result.assert_outcomes(passed=sum(b.count("def test_") for b in tests))
