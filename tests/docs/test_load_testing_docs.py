"""docs/load_testing.md runs: its Python example, its error example, and its preset table is complete."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mockai.server.latency_profile import PRESETS
from tests.conftest import ServerFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "load_testing.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


def test_the_python_example_runs_under_a_profile(server_factory: ServerFactory, tmp_path: Path) -> None:
    pytest.importorskip("openai")
    server = server_factory(latency_profile="fast")
    (code,) = blocks("python")
    script = tmp_path / "example.py"
    script.write_text(code.replace("http://127.0.0.1:8000/v1", server.base_url))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("first token after ")


def test_the_bad_spec_example_prints_what_it_says() -> None:
    example = next(b for b in blocks("console") if "gauss" in b)
    command, expected = example.strip().splitlines()
    argv = shlex.split(command.removeprefix("$ "))
    assert argv[0] == "mockai"
    done = subprocess.run([sys.executable, "-m", "mockai", *argv[1:], "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.strip() == expected


def test_every_preset_is_in_the_table() -> None:
    rows = re.findall(r"^\| `([\w.-]+)` \|", DOC.read_text(), re.M)
    assert set(PRESETS) <= set(rows)
