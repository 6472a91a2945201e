"""The JSON Schemas a request carries, checked as the real API checks them.

A request carries schemas in ``response_format.json_schema.schema``, in each function tool's
``function.parameters`` and in each legacy function's ``parameters``.  :func:`check_request_schemas`
refuses a request at its first faulty schema (``functions``, ``response_format``, then ``tools``:
the order of the request schema's own errors) with the real API's 400: code ``invalid_json_schema``
and param ``response_format``, or ``invalid_function_parameters`` and the function's param
(``tools[0].function.parameters``).  For each schema, in order:

1. mockai's own limits (not the real API's; they bound what checking and answering cost): the
   schema nests at most :data:`MAX_SCHEMA_DEPTH` levels of JSON, a request's schemas hold at most
   :data:`MAX_SCHEMA_VALUES` JSON values, a pattern has at most :data:`MAX_PATTERN_CHARS` characters
   and a request's patterns :data:`MAX_PATTERNS_CHARS`;
2. well formed, in the real API's words (:mod:`mockai.chat.schema_syntax`);
3. every ``$ref`` resolves within the schema;
4. with ``strict: true``, the Structured Outputs rules (:mod:`mockai.chat.schema_strict`);
5. what mockai's generator must build can exist (:mod:`mockai.chat.schema_satisfiable`).

The messages read ``Invalid schema for function 'get_weather': In context=('properties', 'unit'),
<reason>.``, the shape of the recorded strict-mode error ([R:32]); which reasons are recorded, and
which are worded by analogy, is said where each is written.  :func:`generation_refusal` words the
same 400 for a schema the generator cannot answer after all (or cannot afford).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from mockai.chat.schema_satisfiable import satisfiable_fault
from mockai.chat.schema_strict import strict_fault
from mockai.chat.schema_syntax import syntax_fault
from mockai.chat.schema_walk import Measure, Subschema, measure, subschemas
from mockai.core.errors import APIError
from mockai.core.memo import Memo
from mockai.generate.jsongen.keywords import UnsatisfiableSchema
from mockai.generate.jsongen.refs import anchors_of, resolve_ref

__all__ = [
    "MAX_PATTERNS_CHARS", "MAX_PATTERN_CHARS", "MAX_SCHEMA_DEPTH", "MAX_SCHEMA_VALUES", "SchemaPlace",
    "check_request_schemas", "format_place", "function_place", "generation_refusal", "in_context", "tool_place",
]  # fmt: skip

MAX_SCHEMA_DEPTH = 100  # levels of JSON nesting in one schema
MAX_SCHEMA_VALUES = 10_000  # JSON values in all the schemas of a request
MAX_PATTERN_CHARS = 1_000  # characters in one pattern
MAX_PATTERNS_CHARS = 2_500  # characters in all the patterns of a request
_CACHED_VALUES = 2_000  # schemas of up to this many JSON values have their verdict cached
_CACHED_BYTES = 32 << 10  # and of up to this much canonical JSON


def in_context(context: tuple[str, ...], reason: str) -> str:
    """``In context=('properties', 'a'), <reason>.``: the real API's tuple of keys, Python's repr."""
    return f"In context={context!r}, {reason}."


@dataclass(frozen=True, slots=True)
class SchemaPlace:
    """Where a schema sits in a request, and how the API names it in an error."""

    kind: Literal["response_format", "function"]
    name: str
    param: str
    schema: Any
    strict: bool

    def refusal(self, detail: str) -> APIError:
        if self.kind == "response_format":
            return APIError.invalid_json_schema(self.name, detail)
        return APIError.invalid_function_parameters(self.name, self.param, detail)


def format_place(spec: Mapping[str, Any]) -> SchemaPlace:
    """The place of ``response_format.json_schema`` (``spec``)."""
    return SchemaPlace(
        "response_format", str(spec.get("name")), "response_format", spec.get("schema"), spec.get("strict") is True
    )


def tool_place(body: Mapping[str, Any], index: int) -> SchemaPlace:
    function = body["tools"][index]["function"]
    param = f"tools[{index}].function.parameters"
    return SchemaPlace("function", str(function.get("name")), param, function.get("parameters"), _strict(function))


def function_place(body: Mapping[str, Any], index: int) -> SchemaPlace:
    function = body["functions"][index]
    param = f"functions[{index}].parameters"
    return SchemaPlace("function", str(function.get("name")), param, function.get("parameters"), _strict(function))


def _strict(function: Mapping[str, Any]) -> bool:
    return function.get("strict") is True


def _places(body: Mapping[str, Any]) -> list[SchemaPlace]:
    places = [function_place(body, i) for i, f in enumerate(body.get("functions") or ()) if "parameters" in f]
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema" and "schema" in fmt["json_schema"]:
        places.append(format_place(fmt["json_schema"]))
    for i, tool in enumerate(body.get("tools") or ()):
        if tool.get("type") == "function" and "parameters" in tool.get("function", {}):
            places.append(tool_place(body, i))
    return places


def generation_refusal(place: SchemaPlace, exc: UnsatisfiableSchema) -> APIError:
    """The 400 for a schema that passed the checks but that the generator could not answer (or
    could not afford, within the request's work budget).  mockai's own wording: a real model has
    no such limit (it would answer with a value that breaks the schema, or run out of tokens)."""
    reason = f"mockai cannot generate a value for it: {exc.reason}"
    return place.refusal(in_context(exc.context or (), reason))


@dataclass
class _Tally:
    """What a request's schemas used of the per-request limits."""

    values: int = 0
    pattern_chars: int = 0


# A schema's measure and fault (None: none), by its canonical JSON and strictness: a test suite or
# a load test sends the same tools and formats again and again, and walking them costs tens of
# microseconds each.  Servers in threads of one process share it.
_Verdict = tuple[Measure, str | None]
_VERDICTS: Memo[tuple[bytes, bool], _Verdict] = Memo(512, 16 << 20, lambda key, _: 256 + len(key[0]))


def check_request_schemas(body: Mapping[str, Any]) -> None:
    """Raise the real API's 400 for the first faulty schema of a valid request body, if any."""
    if not ("tools" in body or "functions" in body or "response_format" in body):
        return
    tally = _Tally()
    for place in _places(body):
        key = _verdict_key(place.schema, place.strict)
        verdict = None if key is None else _VERDICTS.get(key)
        if verdict is None:
            found = measure(place.schema, MAX_SCHEMA_DEPTH, MAX_SCHEMA_VALUES - tally.values)
            fault = _size_fault(found, tally)  # (none: the measure went through the whole schema)
            if fault is None:
                fault = _fault(place.schema, place.strict)
                if key is not None and found.values <= _CACHED_VALUES:
                    _VERDICTS.put(key, (found, fault))
        else:
            found, fault = verdict
            fault = _size_fault(found, tally) or fault  # (the limits are the request's: checked again)
        if fault is not None:
            raise place.refusal(fault)


def _size_fault(found: Measure, tally: _Tally) -> str | None:
    """mockai's limits (1.): wordings of our own, as none of these is the real API's."""
    tally.values += found.values
    if found.depth > MAX_SCHEMA_DEPTH:
        return in_context((), f"the schema nests deeper than mockai's limit of {MAX_SCHEMA_DEPTH} levels")
    if tally.values > MAX_SCHEMA_VALUES:
        reason = f"the request's schemas hold more JSON values than mockai's limit of {MAX_SCHEMA_VALUES}"
        return in_context((), reason)
    for context, pattern in found.patterns:
        if len(pattern) > MAX_PATTERN_CHARS:
            return in_context(context, f"the pattern is longer than mockai's limit of {MAX_PATTERN_CHARS} characters")
        tally.pattern_chars += len(pattern)
        if tally.pattern_chars > MAX_PATTERNS_CHARS:
            limit = MAX_PATTERNS_CHARS
            return in_context(context, f"the request's patterns are longer than mockai's limit of {limit} characters")
    return None


def _verdict_key(schema: Any, strict: bool) -> tuple[bytes, bool] | None:
    """``schema``'s canonical JSON (orjson's, keys sorted: the same bytes for the same schema),
    with ``strict``; None for a schema orjson refuses (nested past its limit, an integer past 64
    bits) or too large to keep, which is walked every time."""
    try:
        text = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return (text, strict) if len(text) <= _CACHED_BYTES else None


def _fault(schema: Any, strict: bool) -> str | None:
    """The fault of a schema that is within mockai's limits (2. to 5.)."""
    syntax = syntax_fault(schema)
    if syntax is not None:
        return f"{syntax}."  # Python's jsonschema message, as the API reports it
    found = list(subschemas(schema))
    return (
        _reference_fault(schema, found)
        or (strict_fault(schema, found) if strict else None)
        or satisfiable_fault(schema)
    )


def _reference_fault(schema: Any, found: list[Subschema]) -> str | None:
    """A ``$ref`` that names nothing in the schema (a remote one included: mockai fetches nothing).
    Not recorded: worded in the recorded shape."""
    base = schema["$id"].split("#")[0] if isinstance(schema.get("$id"), str) else "urn:mockai:schema"
    anchors: dict[str, Any] | None = None
    for node, context, _ in found:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            continue
        fragment = ref.partition("#")[2]
        if fragment and not fragment.startswith("/") and anchors is None:
            anchors = anchors_of(schema)
        try:
            target = resolve_ref(schema, base, ref, anchors or {})
        except UnsatisfiableSchema:
            target = None
        if not isinstance(target, (dict, bool)):
            return in_context(context, f"reference {ref!r} cannot be resolved within the schema")
    return None
