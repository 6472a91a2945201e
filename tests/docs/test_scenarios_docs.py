"""docs/scenarios.md runs: its Python examples, its YAML and its curl commands."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from mockai.scenarios.file_format import load_text
from tests.support import ROOT
from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory

DOC = DOCS / "scenarios.md"


@pytest.mark.parametrize("index", range(len(code_blocks(DOC, "python"))))
def test_python_examples_run(index: int) -> None:
    assert run_python(code_blocks(DOC, "python")[index], f"{DOC}:python[{index}]").strip()


def test_yaml_examples_are_valid_scenarios() -> None:
    blocks = code_blocks(DOC, "yaml")
    assert blocks
    for block in blocks:
        assert load_text(block, "docs")


def test_curl_examples_run(monkeypatch: pytest.MonkeyPatch, server_factory: ServerFactory) -> None:
    monkeypatch.chdir(ROOT)
    commands = [
        line.removeprefix("$ ")
        for block in code_blocks(DOC, "console")
        for line in block.splitlines()
        if line.startswith("$ curl") and "localhost:8000/_mockai" in line
    ]
    assert len(commands) >= 10
    server = server_factory()
    root = server.base_url.removesuffix("/v1").removeprefix("http://")
    for command in commands:
        argv = shlex.split(command.replace("localhost:8000", root), comments=True)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, command
        answer = json.loads(done.stdout)  # every admin answer is JSON
        assert "error" not in answer, (command, answer)
