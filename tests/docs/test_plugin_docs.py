"""docs/pytest_plugin.md runs: its Python blocks form a project that pytest runs with the plugin."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

# pytester's in-process runs unload the modules a run imported: import the heavy ones once, here.

pytest_plugins = ["pytester"]
pytest.importorskip("openai")

DOC = Path(__file__).resolve().parents[2] / "docs" / "pytest_plugin.md"
INI = """
[pytest]
addopts = -p no:cacheprovider -p no:hypothesispytest
asyncio_default_fixture_loop_scope = function
"""


def _files() -> dict[str, str]:
    """Every ```python block of the doc, by the file name on its first line (``# name.py``)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    files: dict[str, str] = {}
    for block in blocks:
        first = block.splitlines()[0]
        match = re.match(r"# ([\w/]+\.py)", first)
        assert match, f"a python block of {DOC.name} does not start with '# <file>.py': {first!r}"
        files[match.group(1)] = block
    return files


def test_every_python_block_is_a_file_of_a_project_that_passes(pytester: pytest.Pytester) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (one example runs it)")
    pytester.makeini(INI)
    files = _files()
    assert len(files) >= 5
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = pytester.runpytest("-p", "anyio", "-p", "asyncio")
    tests = sum(text.count("def test_") for name, text in files.items() if name != "conftest.py")
    counts = result.parseoutcomes()
    assert counts.get("passed") == tests, result.stdout.str()
    assert not counts.get("failed") and not counts.get("errors"), result.stdout.str()
