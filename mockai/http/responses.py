"""Writing errors and JSON bodies as the real API writes them, and the error boundary.

The error boundary is the application's one middleware: whatever goes wrong leaves as the real
API's JSON error, never a traceback, never an HTML page.  A client that goes away (closes the
socket before or during the answer, or in the middle of its upload) is one debug line, not an
error; a body whose HTTP framing breaks (garbage chunked encoding, a bad compressed body) is the
400 of a malformed request; header values that are not UTF-8 reach handlers as text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError
from mockai.core.json_text import indented_bytes
from mockai.http.headers import error_headers, request_id, success_headers
from mockai.http.malformed import reason_of

__all__ = ["Handler", "HttpErrorWording", "error_boundary", "error_response", "json_response", "request_id_of"]

log = logging.getLogger("mockai")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_id_of(request: web.BaseRequest, material: bytes = b"") -> str:
    """The ``x-request-id`` of a request: a digest of its method, path and ``material``."""
    return request_id((request.method + request.path).encode("utf-8", "surrogatepass") + material)


def error_response(error: APIError, req_id: str) -> web.Response:
    headers = error_headers(req_id, error.header_set(), error.status)
    headers.update(error.headers)
    headers["content-type"] = error.content_type()
    return web.Response(status=error.status, body=error.body_bytes(), headers=headers)


def json_response(payload: Any, request: web.Request, status: int = 200) -> web.Response:
    """A JSON body laid out as the real API's 200s (2-space indent, trailing newline)."""
    headers = success_headers(request_id_of(request), 5, 0)
    return web.Response(status=status, body=indented_bytes(payload), headers=headers)


# How an application words the HTTP errors aiohttp raises (unknown path, body over the limit…).
HttpErrorWording = Callable[[web.Request, web.HTTPException], APIError]


async def error_boundary(
    request: web.Request,
    handler: Handler,
    max_body_bytes: int,
    *,
    id_of: Callable[[web.Request], str] = request_id_of,
    http_error: HttpErrorWording | None = None,
) -> web.StreamResponse:
    """``handler(request)``, with every failure turned into the real API's JSON error.

    ``id_of(request)`` gives an error's ``x-request-id``; ``http_error`` words the HTTP errors
    aiohttp raises when the real API's words do not fit (the recording proxy's 404, for one).
    """
    request = _readable_headers(request)
    try:
        return await handler(request)
    except APIError as error:
        return error_response(error, id_of(request))
    except web.HTTPException as exc:
        wording = _api_http_error(request, exc, max_body_bytes) if http_error is None else http_error(request, exc)
        return error_response(wording, id_of(request))
    except web.RequestPayloadError as exc:  # the body's framing broke, or the client hung up mid-upload
        if _client_gone(request):
            return _gone(request, exc)
        reason = reason_of(str(exc))
        log.debug("malformed request body in %s %s: %s", request.method, request.path, reason)
        return error_response(APIError.malformed_http(reason), id_of(request))
    except ConnectionError as exc:
        if _client_gone(request):
            return _gone(request, exc)
        log.exception("internal error while answering %s %s", request.method, request.path)
        return error_response(APIError.server_error(), id_of(request))
    except Exception:
        log.exception("internal error while answering %s %s", request.method, request.path)
        return error_response(APIError.server_error(), id_of(request))


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _gone(request: web.Request, exc: BaseException) -> web.StreamResponse:
    """The answer to a client that went away: one debug line, and a response never written."""
    log.debug("client went away during %s %s: %s", request.method, request.path, str(exc) or type(exc).__name__)
    return web.Response(status=499)


def _readable_headers(request: web.Request) -> web.Request:
    """``request``, or a copy of it whose header values are text: aiohttp keeps the bytes of a
    value that is not UTF-8 as lone surrogates (``surrogateescape``), which no digest, journal or
    JSON answer can encode; the copy reads them as UTF-8 with U+FFFD for what is not."""
    headers = request.headers
    if "".join(headers.values()).isascii() or not any(map(_undecodable, headers.values())):
        return request  # (the usual request's headers are all ASCII: one C-speed check)
    return request.clone(headers=[(name, _as_text(value)) for name, value in headers.items()])


def _undecodable(value: str) -> bool:
    if value.isascii():
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return True
    return False


def _as_text(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _api_http_error(request: web.Request, exc: web.HTTPException, max_body_bytes: int) -> APIError:
    """The real API's words for an HTTP error aiohttp raised."""
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return APIError.method_not_allowed(sorted(exc.allowed_methods))
    if isinstance(exc, web.HTTPNotFound):
        return APIError.invalid_url(request.method, request.path)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):  # (by its Content-Length, else as it was read)
        length = request.content_length
        over = length is not None and length > max_body_bytes and "Content-Encoding" not in request.headers
        return APIError.body_too_large(length if over else None, max_body_bytes)
    return APIError(exc.status, exc.reason or "Request failed")
