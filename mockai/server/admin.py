"""The admin API, under ``/_mockai/`` (a prefix no OpenAI path uses): rules, journal, reset.

For CI in any language: load or replace scenario rules at run time, read what was asked and
which rule answered, reset sequences between tests.  Browsers are kept out (loopback ``Host``
only, no foreign ``Origin``, JSON or YAML bodies only) and ``--admin-token`` adds a token:
:mod:`mockai.server.admin_guard`.

=========================  ===================================================================
``GET /_mockai/health``    ``{"status": "ok", "rules": N, "requests": N}``
``GET /_mockai/scenarios`` the rules, each with where it was written and how often it answered
``POST``                   add rules (YAML or JSON body: a list of rules, or one rule)
``PUT``                    replace every rule;  ``DELETE``: remove every rule
``GET /_mockai/requests``  the journal: each request, its answer and the rule that matched
``GET /_mockai/misses``    requests no rule matched, with the closest rules and what differed
``GET /_mockai/unused``    rules never matched, or with replies left over
``GET /_mockai/problems``  scripted replies that could not be sent as written
``POST /_mockai/explain``  which rule a chat request body would match, or why none would
``POST /_mockai/reset``    forget the journal, misses and sequence positions (rules stay)
=========================  ===================================================================

Errors use the API's JSON error envelope (a broken scenario is a 400 naming the line); every path
under the prefix, known or not, goes through the guard first.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from mockai.core import strict_json
from mockai.core.config import ServerConfig
from mockai.core.errors import APIError
from mockai.scenarios.file_format import parse_document
from mockai.scenarios.rules import Rule, ScenarioError
from mockai.scenarios.source import ScenarioSource, likely_path
from mockai.scenarios.yaml_loader import load_yaml
from mockai.server.admin_guard import AdminHandler, guarded
from mockai.server.state import STATE, ServerState

__all__ = ["PREFIX", "add_routes"]

PREFIX = "/_mockai"


def _json(payload: Any, status: int = 200) -> web.Response:
    return _json_text(_dumps(payload), status)


def _dumps(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"


def _json_text(text: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="application/json")


# A journal dump of more entries than this is written in a worker thread: an audit measured a full
# journal (1,000 requests of 63 KB bodies, 64 MB of indented JSON) holding every other request 4.8 s
# on the loop.  (json's indented encoder is Python: in a thread, the loop gets its turns.)
_DUMP_IN_A_THREAD = 64


def _rules(request: web.Request) -> ScenarioSource:
    """The scenario rules of the state answering ``request``."""
    return _state(request).scenarios


def _state(request: web.Request) -> ServerState:
    return request.app[STATE].current


def _rule_dict(rule: Rule, count: int, unused: bool) -> dict[str, Any]:
    return {
        "rule": rule.describe(),
        "name": rule.name,
        "file": rule.origin.file,
        "line": rule.origin.line,
        "matched": count,
        "unused": unused,
        "spec": rule.to_dict(),
    }


async def health(request: web.Request) -> web.Response:
    state = _state(request)
    return _json({"status": "ok", "rules": len(state.scenarios.rules), "requests": state.journal.total})


async def list_scenarios(request: web.Request) -> web.Response:
    source = _rules(request)
    unused = {id(r) for r in source.unused()}
    data = [_rule_dict(rule, count, id(rule) in unused) for rule, count in source.counts()]
    return _json({"object": "list", "data": data})


async def _read_rules(request: web.Request) -> list[Rule]:
    raw = await request.read()
    origin = f"{request.method} {request.path}"
    # (in a worker thread: a document of 100,000 values takes about half a second to read)
    return await asyncio.to_thread(_parsed_rules, raw, origin)


# The values a document sent to the admin API may hold: far more than any set of rules needs; a
# larger one is refused before it is read (a scenario file on disk may hold 1,000,000).
_UPLOAD_MAX_VALUES = 100_000


def _parsed_rules(raw: bytes, origin: str) -> list[Rule]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise APIError(400, f"{origin}: the body is not UTF-8 text", code="invalid_scenario") from None
    try:
        data, lines = load_yaml(text, origin, _UPLOAD_MAX_VALUES)  # JSON is YAML too
        if isinstance(data, dict):
            data, lines = [data], lines.prefixed(0)
        return parse_document(data, origin, lines)
    except ScenarioError as exc:
        raise APIError(400, str(exc), code="invalid_scenario") from None


async def add_scenarios(request: web.Request) -> web.Response:
    source = _rules(request)
    rules = await _read_rules(request)
    source.add(rules)
    return _json({"added": len(rules), "rules": len(source.rules)}, status=201)


async def replace_scenarios(request: web.Request) -> web.Response:
    source = _rules(request)
    rules = await _read_rules(request)
    source.replace(rules)
    return _json({"added": len(rules), "rules": len(source.rules)})


async def clear_scenarios(request: web.Request) -> web.Response:
    source = _rules(request)
    removed = len(source.rules)
    source.clear()
    return _json({"removed": removed, "rules": 0})


async def requests(request: web.Request) -> web.Response:
    state = _state(request)
    journal = state.journal
    kept = _last(journal.kept(), request.query.get("limit"))
    total = journal.total

    def dump() -> str:
        data = []
        for entry in journal.read(kept):
            item = entry.to_dict()
            item["rule"] = entry.source.removeprefix("scenario:") if entry.source.startswith("scenario:") else None
            data.append(item)
        return _dumps({"object": "list", "total": total, "data": data})

    return _json_text(await asyncio.to_thread(dump) if len(kept) > _DUMP_IN_A_THREAD else dump())


def _last(entries: list[Any], limit: str | None) -> list[Any]:
    """The last ``limit`` entries (all of them when there are fewer, none for 0)."""
    if limit is None:
        return entries
    if not (limit.isascii() and limit.isdigit()):
        raise APIError(400, f"limit must be a non-negative integer, got {limit!r}", param="limit")
    count = int(limit) if len(limit) <= 18 else len(entries)  # more digits than any journal holds
    return entries[max(len(entries) - count, 0) :] if count else []


async def misses(request: web.Request) -> web.Response:
    source = _rules(request)
    return _json({"object": "list", "data": [m.to_dict() for m in source.misses]})


async def unused(request: web.Request) -> web.Response:
    source = _rules(request)
    data = [
        {"rule": r.describe(), "name": r.name, "file": r.origin.file, "line": r.origin.line} for r in source.unused()
    ]
    return _json({"object": "list", "data": data})


async def problems(request: web.Request) -> web.Response:
    source = _rules(request)
    return _json({"object": "list", "data": [p.to_dict() for p in source.problems]})


async def explain(request: web.Request) -> web.Response:
    source = _rules(request)
    try:
        body = strict_json.loads(await request.read())
    except ValueError:  # UnicodeDecodeError included
        raise APIError.invalid_json() from None
    if not isinstance(body, dict):
        raise APIError(400, "POST /_mockai/explain takes a request body (a JSON object)")
    path = request.query.get("path") or likely_path(body)
    return _json({"explanation": source.explain(body, path=path)})


async def reset(request: web.Request) -> web.Response:
    _state(request).reset()
    return _json({"reset": True})


_ROUTES: tuple[tuple[str, str, AdminHandler], ...] = (
    ("GET", "/health", health),
    ("GET", "/scenarios", list_scenarios),
    ("POST", "/scenarios", add_scenarios),
    ("PUT", "/scenarios", replace_scenarios),
    ("DELETE", "/scenarios", clear_scenarios),
    ("GET", "/requests", requests),
    ("GET", "/misses", misses),
    ("GET", "/unused", unused),
    ("GET", "/problems", problems),
    ("POST", "/explain", explain),
    ("POST", "/reset", reset),
)


def _config(request: web.Request) -> ServerConfig:
    return _state(request).config


async def _elsewhere(request: web.Request) -> web.StreamResponse:
    """Any other method or path under the prefix: refused by the guard first, then 405 or 404."""
    allowed = {method for method, path, _ in _ROUTES if PREFIX + path == request.path}
    if allowed:
        allowed |= {"HEAD"} if "GET" in allowed else set()
        raise web.HTTPMethodNotAllowed(request.method, sorted(allowed))
    raise web.HTTPNotFound()


def add_routes(r: web.UrlDispatcher) -> None:
    for method, path, handler in _ROUTES:
        r.add_route(method, PREFIX + path, guarded(_config, handler))
        if method == "GET":
            r.add_route("HEAD", PREFIX + path, guarded(_config, handler))
    r.add_route("*", PREFIX + "/{tail:.*}", guarded(_config, _elsewhere))
