"""The Chat Completions request schema, and the real API's words for each way a body breaks it.

The structure lives in ``schemas/chat_completion_request.schema.json`` (our own Draft 2020-12
schema).  A body that fails it pays for ``iter_errors``: every error is turned into the real API's
error (conformance §2) and :func:`first_fault` picks the first by a fixed order: by the path of the
offending value (keys alphabetically, indexes numerically; a parent before its children), and at
one path: missing member, wrong type, bad enum value, then size/pattern/range limits; content
parts a role does not accept (an image in a system message, ...) come after every other error.
A value that is not JSON at all (NaN, a non-str key) is reported as a body that is not JSON.

Pure: no aiohttp, and nothing here reads outside the package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

from mockai.core.errors import (
    APIError,
    is_json_value,
    json_type_words,
    unknown_parameter,  # re-exported: the Responses validation imports it from here
)
from mockai.core.json_budget import emptied_below
from mockai.core.json_pointer import resolve_pointer

__all__ = ["REQUEST_SCHEMA", "first_fault", "passes", "register_schema", "unknown_parameter", "validated"]

_SCHEMA_FILE = "schemas/chat_completion_request.schema.json"

REQUEST_SCHEMA: dict[str, Any] = json.loads(resources.files("mockai").joinpath(_SCHEMA_FILE).read_text("utf-8"))
# Request schemas whose errors first_fault words, by ``$id`` (another surface registers its own).
_SCHEMAS: dict[str, dict[str, Any]] = {REQUEST_SCHEMA["$id"]: REQUEST_SCHEMA}

# Enum locations that restrict which content parts a role accepts (see the schema's TextPart,
# UserPart and AssistantPart).  The live API reports these per message, not per part.
_PART_RESTRICTIONS = {
    "/$defs/TextPart/properties/type/enum": "text",
    "/$defs/UserPart/properties/type/enum": "either text or image_url",
    "/$defs/AssistantPart/properties/type/enum": "either text or refusal",
}

# Rank of an error kind among errors at the same path: lower is reported first.
_RANK = {"required": 0, "type": 1, "enum": 2, "additionalProperties": 3}
_OTHER_RANK = 4

_ARTICLED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a decimal",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}
_ARRAY_OF = {
    "object": "an array of objects",
    "string": "an array of strings",
    "integer": "an array of integers",
}

_MISSING = object()
_SortKey = tuple[int, tuple[tuple[int, int | str], ...], int]
# The request schema constrains values at most 6 levels deep (``messages[0].content[0].image_url
# .url``); jsonschema_rs hands each offending value back to Python and gives up past about 255
# levels ("Recursion limit reached").  A body too deep for that is described from a copy cut at
# this depth: its errors, all shallower, are the same, and any depth the JSON parser accepts gets
# its proper 400.
_DESCRIBED_DEPTH = 32


def register_schema(schema: dict[str, Any]) -> None:
    """Let :func:`first_fault` word the errors of validators compiled from ``schema`` (by its ``$id``)."""
    _SCHEMAS[schema["$id"]] = schema


def validated(
    body: object,
    validator: Any,
    top_level_fault: Callable[[dict[Any, Any]], APIError | None],
    cross_field: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """``body`` if it is a JSON object that passes ``validator`` and ``cross_field`` (which raises
    the API's error); else the first fault: ``top_level_fault``'s, then the schema's."""
    if not isinstance(body, dict):
        # A JSON body that parses but is not an object (``[]``, ``"hi"``, ``3``): the live API's text
        # for this case is not recorded, so we answer as for a body that is not JSON at all, which is
        # what the request is from the API's point of view (it cannot be a request object).
        raise APIError.invalid_json()
    if not passes(validator, body):
        raise top_level_fault(body) or first_fault(validator, body)
    cross_field(body)
    return body


def passes(validator: Any, body: dict[Any, Any]) -> bool:
    """Whether ``body`` passes the compiled ``validator``; a body holding Python values that are not
    JSON (only reachable without ``json.loads``, e.g. a non-str key) is refused as not JSON."""
    try:
        return bool(validator.is_valid(body))
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise APIError.invalid_json() from None


def first_fault(validator: Any, body: dict[Any, Any]) -> APIError:
    """The real API's error for the fault of ``body`` it reports first (``validator``, compiled from
    REQUEST_SCHEMA, a registered schema, or a part of one at the same location, has refused the body)."""
    best: tuple[_SortKey, APIError] | None = None
    try:
        errors = list(validator.iter_errors(body))
    except (ValueError, RecursionError):  # nested deeper than jsonschema_rs describes
        errors = list(validator.iter_errors(emptied_below(body, _DESCRIBED_DEPTH)))
    for error in errors:
        candidate = _translate(error, body)
        if best is None or candidate[0] < best[0]:
            best = candidate
    if best is None:  # pragma: no cover - is_valid said no, so iter_errors yields at least one error
        return APIError(400, "Invalid request body.")
    error = best[1]
    if error.param is not None and error.param.startswith("logit_bias."):
        # The real API names the whole map, not the token (issue 12); the message keeps the token.
        error.param = "logit_bias"
    return error


def _translate(error: Any, body: dict[Any, Any]) -> tuple[_SortKey, APIError]:
    """One jsonschema_rs error as (sort key, the live API's error)."""
    kind = error.kind
    name: str = kind.name
    path, value = _walk(body, error.instance_path, error.instance)
    base, _, location = (error.absolute_keyword_location or "#").partition("#")
    base = base if base in _SCHEMAS else REQUEST_SCHEMA["$id"]
    param = _param(path)
    if not is_json_value(value):
        # NaN / Infinity (Python's json accepts them, JSON does not) or a non-JSON Python value.
        return (-1, (), 0), APIError.invalid_json()

    if name == "required":
        full = [*path, kind.property]
        return _key(full, name), APIError.missing_required(_param(full))
    if name == "type":
        expected = _describe(location.rpartition("/")[0], base)
        return _key(path, name), APIError.invalid_type(param, expected, json_type_words(value))
    if name == "enum":
        if location in _PART_RESTRICTIONS and len(path) > 1 and path[0] == "messages":
            return _part_restriction(path, value, body, _PART_RESTRICTIONS[location])
        options = [option for option in kind.options if option is not None]
        message = f"Invalid value: {_show(value)}. Supported values are: {_listing(options, 'and')}."
        return _key(path, name), APIError(400, message, param=param, code="invalid_value")
    if name == "additionalProperties":
        full = [*path, str(kind.unexpected[0])]
        return _key(full, name), APIError.unknown_parameter(_param(full))
    return _key(path, name), _limit_error(name, kind, param, value, location, base)


# Size limits: (what, code, the value's kind, the bound's name) for the API's "Invalid '<param>'" text.
_SIZE_LIMITS = {
    "minItems": ("array too short", "array_below_min_length", "an array", "minimum length"),
    "maxItems": ("array too long", "array_above_max_length", "an array", "maximum length"),
    "maxLength": ("string too long", "string_above_max_length", "a string", "maximum length"),
}


def _limit_error(name: str, kind: Any, param: str, value: Any, location: str, base: str) -> APIError:
    """Size, pattern and range errors: ``Invalid '<param>': <what>. Expected …, but got … instead.``"""
    what: str
    code: str
    if name in _SIZE_LIMITS:
        what, code, noun, bound = _SIZE_LIMITS[name]
        got = f"{noun} with length {len(value)}"
        if name == "minItems" and len(value) == 0:
            what, code, got = "empty array", "empty_array", "an empty array"
        detail = _expected(f"{noun} with {bound} {kind.limit}", got)
    elif name == "maxProperties":
        what, code = "too many properties", "object_above_max_properties"
        detail = _expected(f"an object with at most {kind.limit} properties", f"an object with {len(value)} properties")
    elif name == "pattern":
        what, code = "string does not match pattern", "invalid_value"
        detail = f"Expected a string that matches the pattern '{kind.pattern}'."
    elif name in ("minimum", "maximum"):
        types = _types(_resolve(location.rpartition("/")[0], base), base)
        number = "integer" if "integer" in types else "decimal"
        above = name == "maximum"
        what = f"{number} {'above maximum' if above else 'below minimum'} value"
        code = f"{number}_{'above_max' if above else 'below_min'}_value"
        detail = _expected(f"a value {'<=' if above else '>='} {_number(kind.limit)}", _number(value))
    elif name == "propertyNames":
        return _long_property_name(kind, param)
    else:  # pragma: no cover - a keyword our schema does not use
        return APIError(400, f"Invalid value for '{param}'.", param=param, code="invalid_value")
    return APIError(400, f"Invalid '{param}': {what}. {detail}", param=param, code=code)


def _long_property_name(kind: Any, param: str) -> APIError:
    """An object key over the length limit (``metadata`` keys)."""
    key = str(kind.error.instance)
    limit = kind.error.kind.as_dict().get("limit", 64)
    expected = _expected(f"a string with maximum length {limit}", f"a string with length {len(key)}")
    return APIError(
        400,
        f"Invalid property name in '{param}': '{key}' is too long. {expected}",
        param=f"{param}.{key}",
        code="property_name_above_max_length",
    )


def _expected(wanted: str, got: str) -> str:
    return f"Expected {wanted}, but got {got} instead."


def _part_restriction(
    path: list[str | int], part_type: Any, body: dict[Any, Any], expected: str
) -> tuple[_SortKey, APIError]:
    """A content part the message's role does not accept; reported on the message itself."""
    where = _param(path[:2])
    message = body["messages"][path[1]]
    role = message.get("role") if isinstance(message, dict) else None
    if part_type == "image_url":
        text = (
            f"Invalid '{where}'. Image URLs are only allowed for messages with role 'user', "
            f"but this message with role '{role}' contains an image URL."
        )
    else:
        text = f"Invalid '{where}'. Content blocks are expected to be {expected} type."
    return (1, _path_key(path), 0), APIError(400, text, param=where, code="invalid_value")


# --- helpers ---------------------------------------------------------------------------------


def _param(path: list[str | int]) -> str:
    """``['messages', 0, 'content']`` → ``messages[0].content``, the API's param spelling."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _path_key(path: list[str | int]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in path)


def _key(path: list[str | int], kind: str) -> _SortKey:
    return 0, _path_key(path), _RANK.get(kind, _OTHER_RANK)


def _walk(body: Any, raw_path: list[str | int], fallback: Any) -> tuple[list[str | int], Any]:
    """The error's path, with object keys always as ``str``, and the value there as sent.

    jsonschema_rs reports a key like ``"50256"`` (a ``logit_bias`` token) as the int 50256, and its
    copy of the instance turns NaN into None: the body itself tells which is which.
    """
    path: list[str | int] = []
    node = body
    for part in raw_path:
        if isinstance(node, dict):
            key = str(part)
            path.append(key)
            node = node.get(key, _MISSING)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        else:
            path.append(part)
            node = _MISSING
    return path, (fallback if node is _MISSING else node)


def _resolve(pointer: str, base: str) -> Any:
    """The subschema of the schema ``base`` names at a JSON pointer such as ``/$defs/Message/properties/role``."""
    return resolve_pointer(_SCHEMAS[base], pointer)


def _deref(schema: Any, base: str) -> Any:
    while isinstance(schema, dict) and "type" not in schema and "$ref" in schema:
        schema = _resolve(schema["$ref"].partition("#")[2], base)
    return schema


def _types(schema: Any, base: str) -> list[str]:
    schema = _deref(schema, base)
    types = schema.get("type", []) if isinstance(schema, dict) else []
    return [types] if isinstance(types, str) else list(types)


@lru_cache(maxsize=256)
def _describe(pointer: str, base: str) -> str:
    """What the subschema at ``pointer`` expects, as the API words it ("expected … , but got")."""
    schema = _deref(_resolve(pointer, base), base)
    words: list[str] = []
    for type_ in _types(schema, base):
        if type_ == "string":
            enum = schema.get("enum")
            if enum is None and schema.get("if") == {"type": "string"}:
                enum = schema.get("then", {}).get("enum")
            choices = [choice for choice in enum or [] if isinstance(choice, str)]
            words.append(f"one of {_listing(choices, 'or')}" if choices else "a string")
        elif type_ == "array":
            item_types = _types(schema.get("items", {}), base)
            words.append(_ARRAY_OF.get(item_types[0], "an array") if len(item_types) == 1 else "an array")
        elif type_ != "null":
            words.append(_ARTICLED.get(type_, f"a {type_}"))
    if not words:
        return "a valid value"
    if len(words) == 1:
        return words[0]
    # The API's own (odd) spelling: "one of a string or array of objects".
    rest = [word.removeprefix("an ").removeprefix("a ") for word in words[1:]]
    return f"one of {words[0]} or {' or '.join(rest)}"


def _listing(values: list[Any], conjunction: str) -> str:
    """``'a', 'b', and 'c'`` / ``'a' and 'b'`` (or with "or")."""
    shown = [_show(value) for value in values]
    if len(shown) <= 2:
        return f" {conjunction} ".join(shown)
    return f"{', '.join(shown[:-1])}, {conjunction} {shown[-1]}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    try:
        return json.dumps(value)
    except RecursionError:  # nested deeper than the encoder goes: shown cut, as jsonschema_rs saw it
        return json.dumps(emptied_below(value, _DESCRIBED_DEPTH))


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)
