"""Shared fixtures for mockai's own tests: real servers on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockai.core.config import ServerConfig
from mockai.server.runner import ServerThread

SHARED = Path(__file__).resolve().parents[2] / "shared"
API_KEY = "sk-test-mockai-0000000000000000"
# One pooled client for raw HTTP in tests: httpx.post() builds an SSL context per call (~0.1 s).
HTTP = httpx.Client(timeout=30)


def shared_or_skip(*parts: str) -> Path:
    """A path in ../shared, or skip: that reference material is not shipped with the repo."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the reference material in ../shared is not part of the repo")
    return path


@functools.cache
def _validator(schema_name: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(official_schema(schema_name))


def shared_params(files: Callable[[Path], list[Path]], *parts: str) -> list[Any]:
    """Parameters for a test over files in ../shared; one skipped parameter when it is absent
    (collection must not call pytest.skip)."""
    folder = SHARED.joinpath(*parts)
    if not folder.exists():
        reason = f"{folder} is absent: the reference material in ../shared is not part of the repo"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="shared-absent")]
    return [pytest.param(p, id=p.stem) for p in files(folder)]


def official_schema(name: str) -> dict[str, Any]:
    """An official JSON Schema from ../shared/spec (skips when absent), with the places where the
    live API is known to differ from the spec (conformance §5, §6) loosened accordingly:
    ``system_fingerprint`` may be null, and reasoning models omit ``choices[].logprobs``."""
    schema: dict[str, Any] = json.loads(shared_or_skip("spec", f"{name}.schema.json").read_text())
    _loosen(schema)
    return schema


def _loosen(node: Any) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            fingerprint = props.get("system_fingerprint")
            if isinstance(fingerprint, dict) and fingerprint.get("type") == "string":
                fingerprint["type"] = ["string", "null"]
            if {"index", "finish_reason", "logprobs"} <= set(props) and "message" in props:
                node["required"] = [r for r in node.get("required", []) if r != "logprobs"]
        for value in node.values():
            _loosen(value)
    elif isinstance(node, list):
        for value in node:
            _loosen(value)


def assert_valid(instance: Any, schema_name: str) -> None:
    """Validate against an official schema from ../shared. Without ../shared, only this check is
    left out (with a warning): the rest of the calling test still runs."""
    if not (SHARED / "spec").exists():
        warnings.warn(f"{SHARED} is absent: {schema_name} validation skipped", stacklevel=2)
        return
    validator = _validator(schema_name)
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


def start_server_process(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``python -m mockai serve --port 0 ARGS`` in a child process; returns it and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockai", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server announces itself (or exits)
    if not line.startswith("mockai serving on "):
        proc.kill()
        stderr = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"mockai serve did not start: {line!r} {stderr}")
    return proc, line.split()[-1]


def stop_process(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


@pytest.fixture(scope="session")
def shared_server() -> Iterator[str]:
    """One default server, in its own process, for tests that only read (seeded answers are
    stateless); a child process keeps the client's GIL free, as in real use."""
    proc, url = start_server_process()
    yield url
    stop_process(proc)


@pytest.fixture
def base_url(shared_server: str) -> str:
    return shared_server


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
