"""The code blocks of README.md and docs/*.md, and the one runner for their Python snippets."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

from tests.support import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
# Where the docs' examples say a server listens (``mockai serve``'s default address).
DOCUMENTED_URL = "http://127.0.0.1:8000/v1"


def code_blocks(doc: Path, language: str) -> list[str]:
    """The text of every fenced block of ``language`` in ``doc``, in order."""
    return re.findall(rf"```{re.escape(language)}\n(.*?)```", doc.read_text(), re.S)


def run_python(code: str, origin: str, base_url: str | None = None) -> str:
    """Run a Python snippet as a reader would, from the checkout (for its relative paths), with
    the documented server address replaced by ``base_url`` when given; returns what it printed.
    What it raises fails the calling test; ``origin`` names the snippet in the traceback."""
    if base_url is not None:
        code = code.replace(DOCUMENTED_URL, base_url)
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, origin, "exec"), {"__name__": "__main__"})
    finally:
        os.chdir(cwd)
    return printed.getvalue()
