"""docs/integrations.md's Python recipes run: each library's ``*_serve.py`` script, as a user runs
it (``python <file>``), against a ``mockai serve`` child process, and its ``test_*.py`` file as a
pytest project with the plugin.

The recipes carry their own assertions (a structured output parsed into the library's object, a
tool call round trip, scripted text read back, the token ids LangChain's default embeddings path
sent); these tests add that each script exits cleanly having printed what it got, and that each
pytest recipe's tests all pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.recipes import LIBRARIES, need, python_recipes, tiktoken_cache
from tests.support.markdown import DOCUMENTED_URL


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_serve_recipe_runs(library: str, served: str, tmp_path: Path) -> None:
    need(library)
    script = tmp_path / f"{library}_serve.py"
    script.write_text(python_recipes()[script.name].replace(DOCUMENTED_URL, served))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_API_KEY")}
    done = subprocess.run(
        [sys.executable, script.name], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_pytest_recipe_passes(library: str, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    need(library)
    if library == "langchain":  # its default OpenAIEmbeddings path tokenizes with tiktoken, offline here
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tiktoken_cache()))
    recipe = python_recipes()[f"test_{library}.py"]
    project.makepyfile(**{f"test_{library}": recipe})
    result = project.runpytest_subprocess("-q", "-W", "ignore::DeprecationWarning", timeout=300)
    result.assert_outcomes(passed=recipe.count("\ndef test_"))
