"""The real API's error envelope: one exception type, its catalogue, and its exact bytes.

Pure data: nothing here imports aiohttp.  The server turns an :class:`APIError` into a response
with :meth:`APIError.body_bytes` and :meth:`APIError.content_type`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "error_body_bytes",
    "go_escape",
    "is_json_value",
    "json_type_words",
    "request_object",
    "unknown_parameter",
]

# The API's front ends are written in Go, which escapes these three characters in JSON strings.
_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def go_escape(encoded_json: str) -> str:
    """Apply Go's HTML-safe escaping to already-encoded JSON text."""
    return encoded_json.translate(_GO_ESCAPES)


def json_type_words(value: Any) -> str:
    """How the API names the JSON type of ``value`` in ``but got … instead`` (``a string``, ``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def is_json_value(value: Any) -> bool:
    """Whether JSON can hold ``value`` (of its types, and not NaN or an infinity): what
    :func:`json_type_words` names truly; Python's ``json`` reads NaN, and a body built in Python
    may hold anything."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (int, str, list, dict))


def unknown_parameter(body: Mapping[Any, Any], known: frozenset[str]) -> APIError | None:
    """The error for the first top-level key of ``body`` (in body order) that is not ``known``."""
    for key in body:
        if key not in known:
            return APIError.unknown_parameter(str(key))
    return None


def request_object(body: Any, known: frozenset[str]) -> dict[str, Any]:
    """``body`` if it is a JSON object of ``known`` parameters only; else the API's ``'$' is
    invalid`` 400 (the embeddings check's, for a body that is not an object) or the first
    unknown parameter's error."""
    if not isinstance(body, dict):
        raise APIError.invalid_at("$")
    error = unknown_parameter(body, known)
    if error is not None:
        raise error
    return body


def error_body_bytes(
    message: str, type_: str, param: str | None, code: str | None, *, front: bool = False, go_escaped: bool = True
) -> bytes:
    """The error envelope exactly as the real API lays it out.

    The front end (``front``: 401s and 404s, with ``vary: Origin``) indents by 4 and ends with a
    newline: verbatim in a 401 (real_traffic/26), and the ``content-length`` of both recorded
    404s (real_traffic/28: 231, responses/43: 234) is exactly that layout's length, though their
    stored bodies were re-indented by 2.  The API layer (400s) indents by 2 with no trailing
    newline (conformance §1, real_traffic/33).  ``go_escaped``: ``<``, ``>`` and ``&`` escaped as
    Go's encoder does (chat's errors); /v1/responses writes them as they are ([R:34]).
    """
    envelope = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    escape = go_escape if go_escaped else _as_is
    if front:
        return (escape(json.dumps(envelope, indent=4, ensure_ascii=False)) + "\n").encode()
    return escape(json.dumps(envelope, indent=2, ensure_ascii=False)).encode()


def _as_is(text: str) -> str:
    return text


class APIError(Exception):
    """An error the server answers with, in the real API's shape.

    ``auth_layer`` selects the 401/404 front-end headers: ``application/json; charset=utf-8``,
    ``vary: Origin`` and no ``openai-*`` / rate-limit headers.  Validation errors (400) carry the
    full header set.  A front-end (``auth_layer``) body is indented by 4 with a trailing newline.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        auth_layer: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers: dict[str, str] = dict(headers or {})
        self.auth_layer = auth_layer

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "type": self.type, "param": self.param, "code": self.code}

    def body_bytes(self) -> bytes:
        return error_body_bytes(self.message, self.type, self.param, self.code, front=self.auth_layer)

    def content_type(self) -> str:
        return "application/json; charset=utf-8" if self.auth_layer else "application/json"

    def header_set(self) -> str:
        """Which headers come with it (:func:`mockai.http.headers.error_headers`): the front end's
        (401/404), or the API layer's full set."""
        return "front" if self.auth_layer else "api"

    def __repr__(self) -> str:
        fields = f"type={self.type!r}, param={self.param!r}, code={self.code!r}"
        return f"APIError({self.status}, {self.message!r}, {fields})"

    # --- the catalogue (conformance §2); wording is the real API's where it is recorded ---

    @classmethod
    def invalid_json(cls) -> APIError:
        return cls(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
            "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
            "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
            "help center at help.openai.com.)",
        )

    @classmethod
    def malformed_http(cls, reason: str) -> APIError:
        """A request that is not well-formed HTTP (request line, headers, body framing).  No answer
        of the real API's is recorded (its front end answers these before any JSON is read); the
        wording follows its recorded invalid-JSON 400 (:meth:`invalid_json`)."""
        return cls(
            400,
            f"We could not parse the HTTP request: {reason}. (HINT: This likely means you aren't using "
            "your HTTP library correctly.)",
        )

    @classmethod
    def unsupported_content_type(cls, content_type: str) -> APIError:
        shown = content_type or "none"
        return cls(
            400,
            f"Unsupported content type: '{shown}'. This API method only accepts 'application/json' "
            f"requests, but you specified the header 'Content-Type: {shown}'. Please try again with a "
            "supported content type.",
            code="unsupported_content_type",
        )

    @classmethod
    def invalid_at(cls, where: str = "$.input") -> APIError:
        """A value the API's request check refuses with no more precise words (embeddings: an empty
        or oversized ``input``, quoted in public issues 2023-2025; param and code null)."""
        return cls(
            400,
            f"'{where}' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        )

    @classmethod
    def missing_required(cls, param: str) -> APIError:
        return cls(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")

    @classmethod
    def missing_model(cls) -> APIError:
        return cls(400, "you must provide a model parameter")

    @classmethod
    def unknown_parameter(cls, param: str) -> APIError:
        # The current wording; before 2024 it was "Unrecognized request argument supplied: x".
        return cls(400, f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")

    @classmethod
    def invalid_type(cls, param: str, expected: str, got: str) -> APIError:
        return cls(
            400,
            f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
            param=param,
            code="invalid_type",
        )

    @classmethod
    def invalid_json_schema(cls, name: str, detail: str) -> APIError:
        """A ``response_format`` JSON Schema the API refuses; ``detail`` ends with a period.  The
        shape is the recorded function one ([R:32], responses/api_behaviour.md §6a) for a format."""
        return cls(
            400,
            f"Invalid schema for response_format '{name}': {detail}",
            param="response_format",
            code="invalid_json_schema",
        )

    @classmethod
    def invalid_function_parameters(cls, name: str, param: str, detail: str) -> APIError:
        """A function's ``parameters`` JSON Schema the API refuses (recorded: [R:32]); ``param``
        names it (``tools[0].function.parameters``)."""
        return cls(
            400,
            f"Invalid schema for function '{name}': {detail}",
            param=param,
            code="invalid_function_parameters",
        )

    @classmethod
    def missing_api_key(cls) -> APIError:
        return cls(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
            "username) if you're accessing the API from your browser and are prompted for a username and "
            "password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            auth_layer=True,
        )

    @classmethod
    def invalid_api_key(cls, key: str) -> APIError:
        return cls(
            401,
            f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
            auth_layer=True,
        )

    @classmethod
    def model_not_found(cls, model: str) -> APIError:
        return cls(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
            auth_layer=True,
        )

    @classmethod
    def invalid_url(cls, method: str, path: str) -> APIError:
        return cls(404, f"Invalid URL ({method} {path})", auth_layer=True)

    @classmethod
    def method_not_allowed(cls, allowed: list[str]) -> APIError:
        verbs = " or ".join(allowed)
        return cls(405, f"Only {verbs} requests are accepted.", code="method_not_supported")

    @classmethod
    def body_too_large(cls, size: int | None, limit: int) -> APIError:
        """``size``: the body's Content-Length; None when its bytes went over while being read (a
        chunked body, or a compressed one, whose Content-Length is not what the limit counts)."""
        over = f"{size} bytes is more than" if size is not None else "it is more than"
        return cls(413, f"Request body too large: {over} the limit of {limit} bytes.", code="request_too_large")

    @classmethod
    def server_error(cls) -> APIError:
        return cls(
            500,
            "The server had an error while processing your request. Sorry about that!",
            type="server_error",
        )

    @classmethod
    def cassette_miss(cls, explanation: str) -> APIError:
        """No recorded exchange answers the request (record mode ``none``): a 404 naming the nearest."""
        return cls(404, explanation, code="cassette_miss")

    @classmethod
    def upstream_unreachable(cls, upstream: str, reason: str) -> APIError:
        """The recording proxy could not reach the upstream API."""
        return cls(
            502,
            f"mockai could not reach the upstream API at {upstream}: {reason}. Check --upstream and "
            "that the upstream is running.",
            type="server_error",
            code="upstream_unreachable",
        )


def mask_key(key: str) -> str:
    """Mask an API key as the real API does: first 8 and last 4 characters kept; a key of 12
    characters or fewer has no middle to hide and is shown whole ("invalid-key", responses [R:35])."""
    if len(key) <= 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]
