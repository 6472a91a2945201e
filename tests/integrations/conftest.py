"""The integrations job's server: ``mockai serve --port 0`` in a child process, as users run it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import mockai_process


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """The base URL of a ``mockai serve`` child process shared by the recipes that run against it."""
    with mockai_process("serve", "--port", "0") as process:
        yield process.url
