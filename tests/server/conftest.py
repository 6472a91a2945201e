"""Fixtures of the fast front's tests (tests/server/test_fast_front*.py): one server a module, and
its port on a fresh state for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockai.server.runner import ServerThread
from tests.support.servers import running_server


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server() as running:
        yield running


@pytest.fixture
def port(server: ServerThread) -> int:
    server.renew()
    return int(server.base_url.rsplit(":", 1)[1].split("/", 1)[0])
