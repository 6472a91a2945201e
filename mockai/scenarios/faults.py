"""HTTP errors a scenario asks for, in the real API's shape (conformance §2, §3b, §9b).

:func:`api_error` fills whatever a rule leaves out with the real API's defaults for the status:
a 429 is ``rate_limit_exceeded`` with ``type: "tokens"`` and the rate-limit headers, a 500 is
``server_error``, a 503 ``service_unavailable_error``, a 401 the auth layer's
``invalid_api_key`` with the caller's key masked…  ``retry_after`` sets both ``retry-after``
(whole seconds, rounded up, as HTTP wants) and ``retry-after-ms``, which the openai SDKs read first
and honour exactly when it is above 0; ``should_retry`` sets ``x-should-retry``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from mockai.core.errors import APIError, mask_key
from mockai.scenarios.rules import ErrorSpec, StreamErrorSpec, Unset

__all__ = ["api_error", "go_duration", "stream_error"]

T = TypeVar("T")

# The retry delay of a 429 when the rule gives none: short, so that SDK retries are quick.
DEFAULT_RETRY_AFTER = 0.02


@dataclass(frozen=True)
class _Default:
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    auth_layer: bool = False


def _defaults(status: int, code: str | None, model: str, api_key: str, retry: float) -> _Default:
    if status == 429 and code == "insufficient_quota":
        return _Default(
            "You exceeded your current quota, please check your plan and billing details. For more "
            "information on this error, read the docs: "
            "https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota",
            "insufficient_quota",
        )
    if status == 429:
        return _Default(
            f"Rate limit reached for {model} in organization org-mockai on tokens per min (TPM): "
            f"Limit 30000, Used 30000, Requested 1000. Please try again in {go_duration(retry)}. "
            "Visit https://platform.openai.com/account/rate-limits to learn more.",
            "tokens",
            "rate_limit_exceeded",
        )
    table = {
        400: _Default("Invalid request."),
        401: _Default(
            f"Incorrect API key provided: {mask_key(api_key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
            auth_layer=True,
        ),
        403: _Default(
            "Country, region, or territory not supported",
            "request_forbidden",
            "unsupported_country_region_territory",
        ),
        404: _Default(
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
            auth_layer=True,
        ),
        408: _Default("Request timed out.", code="request_timeout"),
        409: _Default("The request conflicted with another request. Please try again.", code="conflict"),
        413: _Default("Request body too large.", code="request_too_large"),
        422: _Default("The request could not be processed.", code="unprocessable_entity"),
        500: _Default("The server had an error while processing your request. Sorry about that!", "server_error"),
        502: _Default("Bad gateway.", "server_error", "bad_gateway"),
        503: _Default(
            "The server is overloaded or not ready yet.", "service_unavailable_error", "server_is_overloaded"
        ),
        504: _Default("Gateway timeout.", "server_error", "gateway_timeout"),
    }
    if status in table:
        return table[status]
    return _Default(
        "The server had an error." if status >= 500 else "Request failed.",
        "server_error" if status >= 500 else "invalid_request_error",
    )


def go_duration(seconds: float) -> str:
    """A delay as the API writes it: ``20ms``, ``1.5s``, ``2m3s``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, secs = divmod(seconds, 60)
    text = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text


def _or(value: T | Unset, default: T) -> T:
    return default if isinstance(value, Unset) else value


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def api_error(spec: ErrorSpec, model: str, api_key: str = "") -> APIError:
    """The :class:`APIError` a rule's ``error:`` asks for, with the real defaults filled in."""
    retry = spec.retry_after
    if retry is None and spec.status == 429:
        retry = DEFAULT_RETRY_AFTER
    base = _defaults(spec.status, _or(spec.code, None), model, api_key, retry or 0.0)
    headers: dict[str, str] = {}
    if spec.status == 429:
        reset = go_duration(retry or 0.0)
        headers.update(
            {
                "x-ratelimit-limit-requests": "10000",
                "x-ratelimit-limit-tokens": "30000",
                "x-ratelimit-remaining-requests": "9999",
                "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-requests": "6ms",
                "x-ratelimit-reset-tokens": reset,
            }
        )
    if retry is not None:
        headers["retry-after"] = str(math.ceil(retry))
        headers["retry-after-ms"] = _number(round(retry * 1000, 3))
    if spec.should_retry is not None:
        headers["x-should-retry"] = "true" if spec.should_retry else "false"
    headers.update(dict(spec.headers))
    return APIError(
        spec.status,
        _or(spec.message, base.message),
        type=_or(spec.type, base.type),
        param=_or(spec.param, None),
        code=_or(spec.code, base.code),
        headers=headers,
        auth_layer=base.auth_layer,
    )


def stream_error(spec: StreamErrorSpec | None) -> APIError:
    """The error of an ``error_event`` fault: by default the one the real API was seen sending."""
    spec = spec or StreamErrorSpec()
    message = "The server experienced an error while processing your request. We apologize for the inconvenience!"
    return APIError(
        500,
        _or(spec.message, message),
        type=_or(spec.type, "server_error"),
        param=_or(spec.param, None),
        code=_or(spec.code, None),
    )
