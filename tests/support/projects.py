"""Temporary pytest projects, run in this process by pytester the way users run the plugin."""

from __future__ import annotations

import importlib

import pytest

# pytester's in-process runs unload the modules a run imported: the heavy ones are imported here,
# once, before any run (libyaml in particular cannot be initialised twice in one process).  By
# name, so that no linter removes them as unused imports (as happened once).
PRELOADED = ("yaml", "mockai.testing.mock", "mockai.scenarios.source", "mockai.replay.source")
for _name in PRELOADED:
    importlib.import_module(_name)

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:hypothesispytest
asyncio_default_fixture_loop_scope = function
"""


def new_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """``pytester``'s folder as a project of its own: no cache, no hypothesis plugin."""
    pytester.makeini(INI)
    return pytester


def write_files(project: pytest.Pytester, files: dict[str, str]) -> None:
    """Write ``files`` (path in the project → text) into ``project``, folders included."""
    for name, text in files.items():
        path = project.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
