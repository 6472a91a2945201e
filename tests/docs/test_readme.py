"""Every Python snippet in the README runs: the client example against a live server, the pytest
examples as a project run by pytester."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from tests.conftest import ServerFactory

pytest_plugins = ["pytester"]
pytest.importorskip("openai")

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_snippets() -> None:
    assert len(python_blocks()) >= 2


def test_client_snippets_run(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory()
    ran = 0
    for block in python_blocks():
        if "def test_" in block:
            continue
        code = block.replace("http://127.0.0.1:8000/v1", server.base_url)
        script = tmp_path / f"snippet{ran}.py"
        script.write_text(code)
        runpy.run_path(str(script))
        ran += 1
    assert ran >= 1


def test_pytest_snippets_pass(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\naddopts = -p no:cacheprovider -p no:hypothesispytest\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    tests = [b for b in python_blocks() if "def test_" in b]
    assert tests
    for i, block in enumerate(tests):
        pytester.makepyfile(**{f"test_readme_{i}": block})
    result = pytester.runpytest()
    result.assert_outcomes(passed=sum(b.count("def test_") for b in tests))
