"""Shared fixtures for mockai's own tests: real servers on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockai.config import ServerConfig
from mockai.server import ServerThread

SHARED = Path(__file__).resolve().parents[2] / "shared"
API_KEY = "sk-test-mockai-0000000000000000"


def shared_or_skip(*parts: str) -> Path:
    """A path in ../shared, or skip: that reference material is not shipped with the repo."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the reference material in ../shared is not part of the repo")
    return path


def official_schema(name: str) -> dict[str, Any]:
    """An official JSON Schema from ../shared/spec (skips when absent)."""
    return json.loads(shared_or_skip("spec", f"{name}.schema.json").read_text())


def assert_valid(instance: Any, schema_name: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(official_schema(schema_name))
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]
    )


ServerFactory = Callable[..., ServerThread]


@pytest.fixture
def server_factory() -> Iterator[ServerFactory]:
    """Start servers with any configuration; all are stopped at teardown."""
    started: list[ServerThread] = []

    def make(**overrides: Any) -> ServerThread:
        overrides.setdefault("port", 0)
        thread = ServerThread(ServerConfig(**overrides))
        thread.start()
        started.append(thread)
        return thread

    yield make
    for thread in started:
        thread.stop()


@pytest.fixture(scope="session")
def shared_server() -> Iterator[ServerThread]:
    """One default server for tests that only read (seeded answers are stateless)."""
    thread = ServerThread(ServerConfig(port=0))
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def base_url(shared_server: ServerThread) -> str:
    return shared_server.base_url


@pytest.fixture
def client(base_url: str) -> Any:
    openai = pytest.importorskip("openai")
    with openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, _strict_response_validation=True) as c:
        yield c


@pytest.fixture
async def async_client(base_url: str) -> Any:
    openai = pytest.importorskip("openai")
    async with openai.AsyncOpenAI(
        base_url=base_url, api_key=API_KEY, max_retries=0, _strict_response_validation=True
    ) as c:
        yield c
