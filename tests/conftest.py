"""The fixtures of mockai's own tests: real servers on 127.0.0.1, driven over HTTP (built on
``tests/support``, which holds everything else the tests share)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import async_sdk, close_clients, sdk
from tests.support.projects import new_project
from tests.support.servers import ServerFactory, mockai_process, running_server

pytest_plugins = ["pytester"]


@pytest.fixture
def server_factory() -> Iterator[ServerFactory]:
    """Start servers with any configuration (``ServerConfig`` fields); all are stopped at teardown."""
    with contextlib.ExitStack() as stack:

        def make(**overrides: Any) -> ServerThread:
            return stack.enter_context(running_server(**overrides))

        yield make


@pytest.fixture(scope="module")
def module_server() -> Iterator[ServerThread]:
    """One default server for a test module (see ``fresh``)."""
    with running_server() as server:
        yield server
        close_clients(server.base_url)


@pytest.fixture
def fresh(module_server: ServerThread) -> ServerThread:
    """The module's server with a fresh state: no rules, an empty journal, counters at zero."""
    module_server.renew()
    return module_server


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    """A ``mockai serve`` of its own process for a test module, as users run it, for tests that time
    how long other clients wait: in the test's process, a full collection of the garbage collector
    walks every object the earlier tests left (a quarter of a second in a whole suite), and an
    in-process server's loop waits for it.  ``.base_url`` as a ``ServerThread``'s."""
    with mockai_process("serve", "--port", "0", "--quiet") as process:
        yield SimpleNamespace(base_url=process.url)


@pytest.fixture(scope="session")
def shared_server() -> Iterator[str]:
    """One default server, in its own process, for tests that only read (seeded answers are
    stateless); a child process keeps the client's GIL free, as in real use."""
    with mockai_process("serve", "--port", "0") as process:
        yield process.url


@pytest.fixture
def base_url(shared_server: str) -> str:
    return shared_server


@pytest.fixture
def client(base_url: str) -> Iterator[Any]:
    pytest.importorskip("openai")
    with sdk(base_url) as c:
        yield c


@pytest.fixture
async def async_client(base_url: str) -> AsyncIterator[Any]:
    pytest.importorskip("openai")
    async with async_sdk(base_url) as c:
        yield c


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A temporary pytest project (pytester) with the plugin, as users run it."""
    return new_project(pytester)
