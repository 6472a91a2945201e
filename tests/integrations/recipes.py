"""The recipes of docs/integrations.md, and which libraries this virtualenv must run.

Every ```python block of the page starts with its file name: ``# <library>_serve.py`` (a script for
``mockai serve``) or ``# test_<library>.py`` (a test using the ``mockai`` fixture); the Node script
is the page's ```js block.  ``MOCKAI_INTEGRATIONS`` (comma-separated library names, set by
``.ci/integrations`` for each virtualenv) names the libraries that must be installed: their recipes
fail instead of being skipped when the library is missing, so a broken install cannot pass as skips.

LangChain's default embeddings path needs tiktoken's ``cl100k_base`` file, which tiktoken downloads
from a host this job may not reach; LiteLLM's wheel ships it, so ``tiktoken_cache`` finds it there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from pathlib import Path

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


# tiktoken's cache file name for an encoding: the SHA-1 of the URL it downloads it from.
CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
CL100K_CACHE_NAME = hashlib.sha1(CL100K_URL.encode()).hexdigest()


def tiktoken_cache() -> Path:
    """A directory for ``TIKTOKEN_CACHE_DIR`` holding ``cl100k_base``: the tokenizers LiteLLM's wheel
    ships.  Skips without it; fails when this virtualenv must run LangChain's recipes."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        reason = "litellm is not installed here: its wheel holds tiktoken's cl100k_base file"
    else:
        folder = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
        if (folder / CL100K_CACHE_NAME).is_file():
            return folder
        reason = f"litellm's wheel no longer holds tiktoken's cl100k_base file ({folder / CL100K_CACHE_NAME})"
    reason += " (LangChain's default OpenAIEmbeddings path tokenizes with it; tiktoken would download it otherwise)"
    if "langchain" in required():
        pytest.fail(reason)
    pytest.skip(reason)
