"""The newcomer script reads what it needs from README.md (the slow run itself is a CI step)."""

from __future__ import annotations

import pytest

from tests.newcomer.newcomer_path import (
    PLACEHOLDER,
    README,
    ROOT,
    NewcomerFailure,
    install_command,
    readme_tests,
    section,
)


def test_the_install_command_is_the_readmes_with_this_checkout() -> None:
    args = install_command(README.read_text())
    assert args[0] == "install" and str(ROOT) in args
    assert {"openai", "pytest"} <= set(args), "a user's tests need the SDK and pytest"


def test_the_pytest_examples_are_the_readmes_verbatim() -> None:
    readme = README.read_text()
    files = readme_tests(readme)
    assert len(files) >= 2
    assert all(text in readme for text in files.values())
    assert "def test_hello(mockai):" in files["test_readme_0.py"]


def test_a_readme_that_drops_the_command_or_the_section_is_refused() -> None:
    with pytest.raises(NewcomerFailure, match="no section"):
        section("# nothing here\n", "## In your project")
    readme = "## In your project\n\n```sh\npip install mockai pytest\n```\n"
    with pytest.raises(NewcomerFailure, match=PLACEHOLDER):
        install_command(readme)
