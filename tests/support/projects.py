"""Temporary pytest projects, run in this process by pytester the way users run the plugin."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil

import pytest

# pytester's in-process runs unload the modules a run imported: the heavy ones are imported here,
# once, before any run (libyaml in particular cannot be initialised twice in one process).  By
# name, so that no linter removes them as unused imports (as happened once).
PRELOADED = ("yaml", "mockai.testing.mock", "mockai.scenarios.source", "mockai.replay.source")
for _name in PRELOADED:
    importlib.import_module(_name)
# The HTTP stacks the clients use load parts of themselves on their first connection or error. If
# that was inside a run, the run unloaded them, and the next import made new exception classes:
# the openai SDK then let a raw httpcore2.ReadTimeout through where it raises APIConnectionError
# (tests/scenarios/test_scenarios_replies.py failed after tests/testing/test_plugin.py in one
# worker).  Every module of them is loaded here, once.
HTTP_STACKS = ("h11", "httpcore", "httpx", "httpcore2", "httpx2")


def _load_all(package_name: str) -> None:
    try:
        package = importlib.import_module(package_name)
    except ImportError:
        return
    for found in pkgutil.walk_packages(getattr(package, "__path__", []), package_name + "."):
        with contextlib.suppress(Exception):  # (optional parts: http2, socks, trio)
            importlib.import_module(found.name)


for _package in HTTP_STACKS:
    _load_all(_package)

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
