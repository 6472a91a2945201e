"""No input gives a 5xx or a traceback: valid bodies, mutated bodies, raw bytes, and each hostile
case issue 15 found, against one real server.  Bounded in count, deterministic (derandomized)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server
from tests.support.strategies import chat_requests

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Schemas that once made the generator fail with a 500 (issue 15, finding 1), and worse.
BAD_SCHEMAS: list[Any] = [
    {"type": "object", "required": ["a"], "additionalProperties": False},
    {"type": "object", "properties": {"a": {"enum": []}}, "required": ["a"], "additionalProperties": False},
    {"type": "string", "minLength": 10, "maxLength": 2},
    {"type": "string", "pattern": "["},
    {"$ref": "#/$defs/missing"},
    {"type": "object", "required": ""},
    {"type": "array", "items": {"type": "string"}, "minItems": 30000},
    {"type": "string", "minLength": 1_200_000},
    {"type": "integer", "minimum": 10, "maximum": 1},
    {"type": "object", "properties": {"a": {"$ref": "#"}}, "required": ["a"], "additionalProperties": False},
    {"allOf": [{"type": "string"}, {"type": "integer"}]},
    {"type": "banana"},
    {"not": {}},
    [],
    "not a schema",
]
SURROGATE = "\ud800"
HOSTILE_VALUES: list[Any] = [
    SURROGATE,
    "a" + SURROGATE + "b",
    "\udfff\ud800",
    int("9" * 4000),  # a huge integer, just under the 4,300 digits Python converts
    -1,
    1e308,
    "",
    "x" * 100_000,
    [],
    {},
    None,
    True,
    [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]],
]


def _deep(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
hostile = st.sampled_from(HOSTILE_VALUES) | json_values | st.sampled_from(BAD_SCHEMAS)


class _Tracebacks(logging.Handler):
    """Every log record of the server that carries an exception, or is an error."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The server's own loggers (mockai's and aiohttp's request handling); not asyncio's notes
        # about tasks other tests' servers left behind, which the garbage collector may log here.
        if not record.name.startswith(("mockai", "aiohttp")):
            return
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture(scope="module")
def watched() -> Iterator[tuple[ServerThread, _Tracebacks]]:
    handler = _Tracebacks()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with running_server() as server:
            yield server, handler
    finally:
        root.removeHandler(handler)


def _send(server: ServerThread, content: bytes) -> int:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = HTTP.post(f"{server.base_url}/chat/completions", content=content, headers=headers)
    return response.status_code


def _check(watched: tuple[ServerThread, _Tracebacks], content: bytes) -> None:
    server, handler = watched
    before = len(handler.records)
    status = _send(server, content)
    assert status < 500, f"{status} for {content[:300]!r}"
    logged = handler.records[before:]
    assert not logged, f"the server logged {logged[0].getMessage()!r} for {content[:300]!r}"


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()  # ensure_ascii: lone surrogates go out as \ud800 escapes


def _mutate(body: Any, path: list[int], value: Any) -> Any:
    """``body`` with the node that ``path`` picks (each step an index into a container's
    children, modulo their number) replaced by ``value``."""
    if not path or not isinstance(body, (dict, list)) or not body:
        return value
    if isinstance(body, dict):
        keys = list(body)
        key = keys[path[0] % len(keys)]
        return {**body, key: _mutate(body[key], path[1:], value)}
    index = path[0] % len(body)
    return [*body[:index], _mutate(body[index], path[1:], value), *body[index + 1 :]]


@FUZZ
@given(body=chat_requests(), stream=st.booleans())
def test_valid_bodies_get_no_5xx(watched: tuple[ServerThread, _Tracebacks], body: dict[str, Any], stream: bool) -> None:
    _check(watched, _encode({**body, "stream": stream}))


@FUZZ
@given(body=chat_requests(), path=st.lists(st.integers(0, 50), max_size=6), value=hostile)
def test_mutated_bodies_get_no_5xx(
    watched: tuple[ServerThread, _Tracebacks], body: dict[str, Any], path: list[int], value: Any
) -> None:
    _check(watched, _encode(_mutate(body, path, value)))


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_raw_bytes_get_no_5xx(watched: tuple[ServerThread, _Tracebacks], raw: bytes) -> None:
    _check(watched, raw)


@pytest.mark.parametrize("schema", BAD_SCHEMAS, ids=lambda s: json.dumps(s)[:40])
@pytest.mark.parametrize("where", ["response_format", "tool"])
def test_bad_schemas_are_refused_or_answered(
    watched: tuple[ServerThread, _Tracebacks], schema: Any, where: str
) -> None:
    body: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "user", "content": "use get_data"}]}
    if where == "response_format":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "x", "strict": True, "schema": schema},
        }
    else:
        body["tools"] = [{"type": "function", "function": {"name": "get_data", "strict": True, "parameters": schema}}]
        body["tool_choice"] = "required"
    _check(watched, _encode(body))


@pytest.mark.parametrize("field", ["content", "model", "name", "stop", "user", "metadata"])
def test_lone_surrogates_get_no_5xx(watched: tuple[ServerThread, _Tracebacks], field: str) -> None:
    message: dict[str, Any] = {"role": "user", "content": "hi"}
    body: dict[str, Any] = {"model": "gpt-4o", "messages": [message]}
    if field in ("content", "name"):
        message[field] = SURROGATE
    elif field == "metadata":
        body["metadata"] = {"k": SURROGATE}
    else:
        body[field] = SURROGATE
    _check(watched, _encode(body))


def test_surrogate_bytes_and_huge_numbers_get_no_5xx(watched: tuple[ServerThread, _Tracebacks]) -> None:
    template = _encode({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "seed": 1})
    _check(watched, template.replace(b'"x"', b'"\xed\xa0\x80"'))  # a UTF-8-encoded lone surrogate
    _check(watched, template.replace(b'"seed": 1', b'"seed": ' + b"9" * 5000))


@pytest.mark.parametrize("depth", [100, 250, 300, 1000, 5000])
def test_deep_nesting_gets_no_5xx(watched: tuple[ServerThread, _Tracebacks], depth: int) -> None:
    content = "[" * depth + "]" * depth if depth > 500 else json.dumps(_deep(depth))
    _check(watched, ('{"model": "gpt-4o", "messages": [{"role": "user", "content": ' + content + "}]}").encode())
