"""The recipes of docs/integrations.md, and which libraries this virtualenv must run.

Every ```python block of the page starts with its file name: ``# <library>_serve.py`` (a script for
``mockai serve``) or ``# test_<library>.py`` (a test using the ``mockai`` fixture); the Node script
is the page's ```js block.  ``MOCKAI_INTEGRATIONS`` (comma-separated library names, set by
``.ci/integrations`` for each virtualenv) names the libraries that must be installed: their recipes
fail instead of being skipped when the library is missing, so a broken install cannot pass as skips.
"""

from __future__ import annotations

import importlib.util
import os
import re

import pytest

from tests.support.markdown import DOCS, code_blocks

DOC = DOCS / "integrations.md"
# library (the recipes' file-name stem) → the module it is imported as
LIBRARIES = {
    "pydantic_ai": "pydantic_ai",
    "openai_agents": "agents",
    "langchain": "langchain_openai",
    "llamaindex": "llama_index.llms.openai",
    "litellm": "litellm",
    "instructor": "instructor",
}


def python_recipes() -> dict[str, str]:
    """Every ```python block of the page, by the file name on its first line."""
    files: dict[str, str] = {}
    for block in code_blocks(DOC, "python"):
        match = re.match(r"# (\w+\.py)\n", block)
        assert match, f"a python block of {DOC.name} does not start with '# <file>.py': {block[:60]!r}"
        files[match.group(1)] = block
    return files


def node_recipe() -> str:
    (script,) = code_blocks(DOC, "js")
    assert script.startswith("// vercel_ai.mjs\n")
    return script


def required() -> set[str]:
    return {name for name in os.environ.get("MOCKAI_INTEGRATIONS", "").split(",") if name}


def need(library: str) -> None:
    """Skip unless ``library`` is installed; fail when this virtualenv must have it."""
    module = LIBRARIES[library]
    installed = importlib.util.find_spec(module.split(".")[0]) is not None
    if installed and "." in module:
        installed = importlib.util.find_spec(module) is not None
    if installed:
        return
    if library in required():
        pytest.fail(f"{library} ({module}) must be installed in this virtualenv (MOCKAI_INTEGRATIONS)")
    pytest.skip(f"{library} is not installed here (.ci/integrations installs it)")
