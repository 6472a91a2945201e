"""Errors below the application: a request that is not well-formed HTTP, answered as the real
API's JSON error, and the runner that installs that answer.

aiohttp (3.x) answers a request it cannot parse — an over-long URL or header line, a bad
``Content-Length``, garbage chunked encoding, an unknown method — in its protocol handler, before
any application code or middleware runs, with a plain-text 400 and a traceback in the log.  Its
one hook there is :meth:`aiohttp.web.RequestHandler.handle_error`; :class:`AppRunner` serves an
application with a handler whose ``handle_error`` answers :meth:`APIError.malformed_http` (400,
``invalid_request_error``) and logs one debug line instead.  A client that went away gets a debug
line too; only an error escaping the application itself (a bug) is logged with its traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import BaseRequest

from mockai.core.errors import APIError
from mockai.http.malformed import reason_of
from mockai.http.responses import error_response, request_id_of

__all__ = ["AppRunner", "RequestHandler", "Server"]

log = logging.getLogger("mockai")


class RequestHandler(web.RequestHandler):
    """aiohttp's protocol handler, answering what it cannot parse as the real API would."""

    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # an answer has begun: aiohttp drops the connection
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        if isinstance(exc, HttpProcessingError):
            reason = reason_of(message or exc.message)
            log.debug("malformed HTTP request from %s: %s", request.remote, reason)
            error = APIError.malformed_http(reason)
        elif isinstance(exc, ConnectionError):
            log.debug("client %s went away: %s", request.remote, exc)
            error = APIError.server_error()
        else:  # an error escaped the application's own error boundary: a bug, worth its traceback
            log.error("internal error while answering %s %s", request.method, request.path, exc_info=exc)
            error = APIError.server_error()
        response = error_response(error, request_id_of(request, error.message.encode()))
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """aiohttp's log of an error in the connection's own work.  A body whose framing broke, or
        a client that went away, is one debug line: aiohttp meets the body's error again when it
        drains what is left of it after the answer (the 400 already said what was wrong)."""
        exc = kw.get("exc_info")
        if isinstance(exc, (web.RequestPayloadError, ConnectionError)):
            log.debug(
                "connection from %s closed: %s", self.peername, reason_of(str(exc)) if str(exc) else type(exc).__name__
            )
            return
        super().log_exception(*args, **kw)


class Server(web.Server):
    """aiohttp's low-level server, with :class:`RequestHandler` for each connection."""

    def __call__(self) -> web.RequestHandler:
        return RequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """``aiohttp.web.AppRunner`` whose connections answer malformed HTTP as the real API does."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # the application's startup hooks run here
        server.__class__ = Server  # the same server, making protocol handlers of the class above
        return server
