"""docs/load_testing.md runs: its Python example, its error example, and its preset table is complete."""

from __future__ import annotations

import re
import shlex

import pytest

from mockai.server.latency_profile import PRESETS
from tests.support.markdown import DOCS, code_blocks, run_python
from tests.support.servers import ServerFactory, run_cli

DOC = DOCS / "load_testing.md"


def test_the_python_example_runs_under_a_profile(server_factory: ServerFactory) -> None:
    pytest.importorskip("openai")
    server = server_factory(latency_profile="fast")
    (code,) = code_blocks(DOC, "python")
    printed = run_python(code, f"{DOC}:python[0]", server.base_url)
    assert printed.startswith("first token after ")


def test_the_bad_spec_example_prints_what_it_says() -> None:
    example = next(b for b in code_blocks(DOC, "console") if "gauss" in b)
    command, expected = example.strip().splitlines()
    argv = shlex.split(command.removeprefix("$ "))
    assert argv[0] == "mockai"
    done = run_cli(*argv[1:], "--port", "0")
    assert done.returncode == 2 and done.stderr.strip() == expected


def test_every_preset_is_in_the_table() -> None:
    rows = re.findall(r"^\| `([\w.-]+)` \|", DOC.read_text(), re.M)
    assert set(PRESETS) <= set(rows)
