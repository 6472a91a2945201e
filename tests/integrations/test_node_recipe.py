"""docs/integrations.md's Vercel AI SDK recipe runs with the newest ``ai`` and ``@ai-sdk/openai``:
the Node script against a ``mockai serve`` child process, and the pytest recipe that runs the same
script under the ``mockai`` fixture.  Skipped, saying so, when ``node`` or ``npm`` is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integrations.recipes import node_recipe, python_recipes, required

PACKAGES = ("ai", "@ai-sdk/openai", "zod")


@pytest.fixture(scope="module")
def node_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the newest ``ai``, ``@ai-sdk/openai`` and ``zod`` installed, and the script."""
    if required() and "vercel_ai" not in required():
        pytest.skip("the Vercel AI SDK recipe runs in the virtualenv whose MOCKAI_INTEGRATIONS names vercel_ai")
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node or npm is not on the PATH: the Vercel AI SDK recipe (Node) is not run")
    folder = tmp_path_factory.mktemp("vercel-ai")
    (folder / "package.json").write_text('{"name": "mockai-vercel-ai-recipe", "private": true, "type": "module"}')
    npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES]
    done = subprocess.run(npm, cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"npm install failed:\n{done.stderr}"
    (folder / "vercel_ai.mjs").write_text(node_recipe())
    return folder


def test_the_script_runs_against_mockai_serve(node_project: Path, served: str) -> None:
    env = {**os.environ, "OPENAI_BASE_URL": served, "OPENAI_API_KEY": "sk-anything"}
    done = subprocess.run(
        ["node", "vercel_ai.mjs"], cwd=node_project, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["text"] and isinstance(printed["object"]["city"], str)


def test_the_pytest_recipe_runs_the_script_under_the_fixture(node_project: Path, project: pytest.Pytester) -> None:
    recipe = python_recipes()["test_vercel_ai.py"]
    project.makepyfile(test_vercel_ai=recipe)
    for name in ("vercel_ai.mjs", "package.json", "node_modules"):
        (project.path / name).symlink_to(node_project / name)
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
