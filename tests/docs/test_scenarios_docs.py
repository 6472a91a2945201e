"""docs/scenarios.md runs: its Python examples, its YAML and its curl commands."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from mockai.core.config import ServerConfig
from mockai.scenarios.file_format import load_text
from mockai.server.runner import ServerThread

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scenarios.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_examples_run(index: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(_blocks("python")[index], f"{DOC}:python[{index}]", "exec"), {})
    assert capsys.readouterr().out.strip()


def test_yaml_examples_are_valid_scenarios() -> None:
    blocks = _blocks("yaml")
    assert blocks
    for block in blocks:
        assert load_text(block, "docs")


def test_curl_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    commands = [line.removeprefix("$ ") for block in _blocks("console") for line in block.splitlines()
                if line.startswith("$ curl") and "localhost:8000/_mockai" in line]
    assert len(commands) >= 10
    with ServerThread(ServerConfig(port=0)) as server:
        root = server.base_url.removesuffix("/v1").removeprefix("http://")
        for command in commands:
            argv = shlex.split(command.replace("localhost:8000", root), comments=True)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, command
            answer = json.loads(done.stdout)  # every admin answer is JSON
            assert "error" not in answer, (command, answer)
