"""A fixed corpus of requests whose raw answers (status, headers, body bytes) are pinned.

``tests/golden/exchanges.json`` holds the answers that main gave before the package was
restructured; ``tests/golden/test_golden_bytes.py`` replays the corpus against fresh servers and compares
byte for byte.  To pin new answers deliberately (an intended change of output), run
``python -m tests.golden.corpus`` and commit the diff with the reason.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from mockai import ServerConfig
from tests.support import ROOT
from tests.support.bodies import chat, math_schema, tool_call, tool_turn, weather_tool
from tests.support.servers import running_server

GOLDEN = Path(__file__).resolve().parent / "exchanges.json"
KEY = {"Authorization": "Bearer sk-golden-0000"}
# Headers that vary with the wall clock or the HTTP library, not with mockai's answer.
VOLATILE = {"date", "server"}

WEATHER = weather_tool(unit={"enum": ["c", "f"]})
PERSON = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer", "minimum": 0, "maximum": 120},
                "tags": {"type": "array", "items": {"type": "string", "format": "email"}},
                "home": {"anyOf": [{"$ref": "#/$defs/place"}, {"type": "null"}]},
            },
            "required": ["name", "age", "tags", "home"],
            "additionalProperties": False,
            "$defs": {
                "place": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
                    "required": ["city", "zip"],
                    "additionalProperties": False,
                }
            },
        },
    },
}


def _chat(text: str = "Hello!", model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    return chat(text, model, **extra)


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    body: Any = None  # JSON, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=lambda: dict(KEY))


def _completions() -> Iterator[Call]:
    post = "/v1/chat/completions"
    for stream in (False, True):
        s = "stream" if stream else "json"
        opts: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
        yield Call(f"{s}-plain", "POST", post, _chat(**opts))
        yield Call(f"{s}-seed", "POST", post, _chat("Tell me a story", seed=42, **opts))
        yield Call(
            f"{s}-tools-required", "POST", post, _chat("Weather?", tools=[WEATHER], tool_choice="required", **opts)
        )
        yield Call(f"{s}-tools-auto", "POST", post, _chat("get_weather in Paris", tools=[WEATHER], **opts))
        call = tool_call("call_1", "get_weather", '{"location":"Boston"}')
        yield Call(
            f"{s}-tool-result",
            "POST",
            post,
            {
                "model": "gpt-4o",
                **opts,
                "messages": tool_turn("weather in Boston", call, '{"temperature": 71}'),
                "tools": [WEATHER],
            },
        )
        yield Call(f"{s}-structured", "POST", post, _chat("Describe a person", response_format=PERSON, **opts))
        yield Call(
            f"{s}-json-object", "POST", post, _chat("Answer in json", response_format={"type": "json_object"}, **opts)
        )
        yield Call(f"{s}-logprobs", "POST", post, _chat("Hi there", logprobs=True, top_logprobs=3, **opts))
        yield Call(f"{s}-n3", "POST", post, _chat("Pick a name", n=3, max_tokens=7, **opts))
        yield Call(f"{s}-stop", "POST", post, _chat("Count", stop=["e"], **opts))
        yield Call(f"{s}-reasoning", "POST", post, _chat("Think", model="o3-mini", max_completion_tokens=300, **opts))
        yield Call(
            f"{s}-legacy-functions",
            "POST",
            post,
            _chat("weather", functions=[WEATHER["function"]], function_call={"name": "get_weather"}, **opts),
        )
        yield Call(
            f"{s}-no-obfuscation",
            "POST",
            post,
            _chat("Hi", **({"stream": True, "stream_options": {"include_obfuscation": False}} if stream else {})),
        )


def _errors() -> Iterator[Call]:
    post = "/v1/chat/completions"
    yield Call("err-no-key", "POST", post, _chat(), headers={})
    yield Call("err-bad-scheme", "POST", post, _chat(), headers={"Authorization": "Basic abc"})
    yield Call("err-bad-json", "POST", post, b"{not json", headers={**KEY, "Content-Type": "application/json"})
    yield Call("err-content-type", "POST", post, b"{}", headers={**KEY, "Content-Type": "text/plain"})
    yield Call("err-missing-messages", "POST", post, {"model": "gpt-4o"})
    yield Call("err-unknown-param", "POST", post, _chat(foo=1))
    yield Call("err-bad-type", "POST", post, _chat(parallel_tool_calls=None))
    yield Call("err-bad-role", "POST", post, {"model": "gpt-4o", "messages": [{"role": "robot", "content": "x"}]})
    yield Call("err-n-range", "POST", post, _chat(n=200))
    yield Call("err-search-option", "POST", post, _chat(web_search_options={}))
    yield Call("err-route", "POST", "/v1/nothing", {})
    yield Call("err-method", "PUT", post, _chat())
    yield Call("models", "GET", "/v1/models")
    yield Call("model", "GET", "/v1/models/gpt-4o")
    yield Call("model-missing", "GET", "/v1/models/gpt-nope")


def _stored() -> Iterator[Call]:
    post = "/v1/chat/completions"
    yield Call("store-create", "POST", post, _chat("Remember this", store=True, metadata={"team": "a"}))
    yield Call("store-create-again", "POST", post, _chat("Remember this", store=True, metadata={"team": "a"}))
    yield Call("store-create-stream", "POST", post, _chat("Streamed and kept", store=True, stream=True))
    yield Call("store-list", "GET", post + "?limit=2&order=asc")
    yield Call("store-list-filter", "GET", post + "?metadata[team]=a")
    yield Call("store-missing", "GET", post + "/chatcmpl-nope")
    yield Call("store-get", "GET", post + "/{id}")
    yield Call("store-messages", "GET", post + "/{id}/messages")
    yield Call("store-update", "POST", post + "/{id}", {"metadata": {"team": "b"}})
    yield Call("store-delete", "DELETE", post + "/{id}")
    yield Call("store-get-deleted", "GET", post + "/{id}")


def default_calls() -> list[Call]:
    return [*_completions(), *_errors(), *_stored()]


def _scenario_setups() -> dict[str, tuple[ServerConfig, list[Call]]]:
    post = "/v1/chat/completions"
    turn = {
        "model": "gpt-4o",
        "messages": tool_turn("weather in Boston", tool_call("call_9", "get_weather"), '{"temperature": 64}'),
        "tools": [WEATHER],
    }
    math = {"type": "json_schema", "json_schema": {"name": "MathResponse", "schema": math_schema()}}
    files: dict[str, list[Call]] = {
        "weather_agent": [
            Call("tool-call", "POST", post, _chat("What's the weather in Boston?", model="gpt-4o", tools=[WEATHER])),
            Call("tool-call-stream", "POST", post, _chat("weather in Boston", tools=[WEATHER], stream=True)),
            Call("tool-result", "POST", post, turn),
            Call("tool-result-stream", "POST", post, {**turn, "stream": True}),
            Call("unmatched", "POST", post, _chat("nothing matches this one")),
        ],
        "rate_limit_retry": [Call(f"try-{i}", "POST", post, _chat("hi")) for i in range(3)],
        "server_errors": [
            Call("overloaded-1", "POST", post, _chat("overloaded")),
            Call("overloaded-2", "POST", post, _chat("overloaded")),
            Call("fatal", "POST", post, _chat("fatal")),
            Call("gateway", "POST", post, _chat("gateway")),
            Call("mid-stream", "POST", post, _chat("mid-stream please", stream=True)),
        ],
        "structured_output": [Call("solve", "POST", post, _chat("solve 8x + 31 = 2", response_format=math))],
        "refusal": [Call("bomb", "POST", post, _chat("how do I build a bomb"))],
        "stream_cut": [Call("cut", "POST", post, _chat("cut me", stream=True))],
    }
    folder = ROOT / "scenarios"
    return {
        f"scenario-{name}": (ServerConfig(port=0, scenarios=(folder / f"{name}.yaml",)), calls)
        for name, calls in files.items()
    }


def _cassette_calls() -> list[Call]:
    path = ROOT / "fixtures" / "example_cassette.yaml"
    import yaml

    calls = []
    for i, item in enumerate(yaml.safe_load(path.read_text())["interactions"]):
        req = item["request"]
        calls.append(Call(f"cassette-{i}", req["method"], req["path"], req.get("body")))
    calls.append(Call("cassette-miss", "POST", "/v1/chat/completions", _chat("never recorded")))
    return calls


def setups() -> dict[str, tuple[ServerConfig, list[Call]]]:
    base = ServerConfig(port=0)
    return {
        "default": (base, default_calls()),
        "seed7-chunk3": (ServerConfig(port=0, seed=7, tokens_per_chunk=3), list(_completions())),
        "api-key": (
            ServerConfig(port=0, api_key="sk-right"),
            [
                Call(
                    "wrong-key",
                    "POST",
                    "/v1/chat/completions",
                    _chat(),
                    headers={"Authorization": "Bearer sk-wrong-key-123456"},
                )
            ],
        ),
        "strict-models": (
            ServerConfig(port=0, strict_models=True),
            [Call("unknown-model", "POST", "/v1/chat/completions", _chat(model="gpt-nope"))],
        ),
        **_scenario_setups(),
        "cassette": (ServerConfig(port=0, cassette=ROOT / "fixtures" / "example_cassette.yaml"), _cassette_calls()),
        "latency": (
            ServerConfig(port=0, latency_profile="instant"),
            [Call("latency-plain", "POST", "/v1/chat/completions", _chat(stream=True))],
        ),
    }


def _send(client: httpx.Client, base: str, call: Call) -> dict[str, Any]:
    headers = dict(call.headers)
    if isinstance(call.body, bytes):
        content = call.body
    elif call.body is None:
        content = None
    else:
        content = json.dumps(call.body).encode()
        headers.setdefault("Content-Type", "application/json")
    url = base.removesuffix("/v1") + call.path
    response = client.request(call.method, url, content=content, headers=headers)
    kept = [[k.lower(), v] for k, v in response.headers.multi_items() if k.lower() not in VOLATILE]
    try:
        text: str | None = response.content.decode()
        raw = None
    except UnicodeDecodeError:
        text, raw = None, base64.b64encode(response.content).decode()
    if text is not None and str(ROOT) in text:
        # A cassette miss names the cassette's path, and the checkout's folder varies: the path and
        # the length it gives the body are written as they would be for a checkout at <checkout>.
        text = text.replace(str(ROOT), "<checkout>")
        kept = [[k, str(len(text.encode())) if k == "content-length" else v] for k, v in kept]
    return {"status": response.status_code, "headers": kept, "body": text, "body_b64": raw}


def run_corpus() -> dict[str, dict[str, Any]]:
    """Every setup's calls against its own fresh server, in order: name → exchange.  ``{id}`` in
    a path is the id of the first stored completion the setup created."""
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=30) as client:
        for setup, (config, calls) in setups().items():
            first_id = ""
            with running_server(config) as server:
                for call in calls:
                    call = replace(call, path=call.path.replace("{id}", first_id))
                    exchange = out[f"{setup}/{call.name}"] = _send(client, server.base_url, call)
                    if call.name == "store-create":
                        first_id = json.loads(exchange["body"])["id"]
    return out


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(run_corpus(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)
