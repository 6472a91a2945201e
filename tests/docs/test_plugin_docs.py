"""docs/pytest_plugin.md runs: its Python blocks form a project that pytest runs with the plugin."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.support.markdown import DOCS, code_blocks
from tests.support.projects import write_files

pytest.importorskip("openai")

DOC = DOCS / "pytest_plugin.md"


def _files() -> dict[str, str]:
    """Every ```python block of the doc, by the file name on its first line (``# name.py``)."""
    files: dict[str, str] = {}
    for block in code_blocks(DOC, "python"):
        first = block.splitlines()[0]
        match = re.match(r"# ([\w/]+\.py)", first)
        assert match, f"a python block of {DOC.name} does not start with '# <file>.py': {first!r}"
        files[match.group(1)] = block
    return files


def test_every_python_block_is_a_file_of_a_project_that_passes(project: pytest.Pytester) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (one example runs it)")
    files = _files()
    assert len(files) >= 5
    write_files(project, files)
    result = project.runpytest("-p", "anyio", "-p", "asyncio")
    tests = sum(text.count("def test_") for name, text in files.items() if name != "conftest.py")
    counts = result.parseoutcomes()
    assert counts.get("passed") == tests, result.stdout.str()
    assert not counts.get("failed") and not counts.get("errors"), result.stdout.str()
