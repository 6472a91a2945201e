"""What keeps the admin API (``/_mockai/``) out of a browser's reach, and the optional admin token.

A web page a developer visits can send requests to ``127.0.0.1`` (cross-site rule injection:
script the agent under test) or, through DNS rebinding, read the answers (the journal holds
every prompt).  Every admin request therefore passes, in this order:

1. **Host**: a loopback name (``localhost``, ``127.0.0.1`` or any ``127.x.y.z``, ``[::1]``, any
   port), or the ``--host`` the server was started with; bound to every interface (``--host
   0.0.0.0`` or ``::``), any IP address too.  A rebound name (``Host:
   rebind.evil.example``) gets a 403.  With ``--admin-token`` any name passes (a rebinding page
   cannot know the token: that is how a Docker service name reaches the admin API).  A request
   with no ``Host`` (HTTP/1.0) passes: browsers always send one.
2. **Origin**: absent (what every non-browser client sends), or an origin of this server
   (``http://127.0.0.1:<its port>``, …); any other, ``null`` included, is a 403.  A
   ``Sec-Fetch-Site`` other than ``same-origin`` / ``none`` is refused the same way.
3. **Token** (``--admin-token``): ``Authorization: Bearer TOKEN`` or
   ``X-Mockai-Admin-Token: TOKEN``, else a 401.
4. **Content type** of a ``POST`` / ``PUT`` / ``PATCH`` / ``DELETE``: absent, or JSON or YAML
   (``application/json``, ``application/yaml``, ``application/x-yaml``, ``text/yaml``,
   ``text/x-yaml``, ``*+json``, ``*+yaml``), else a 415: the types a page can send without a
   CORS preflight (``text/plain``, forms) are never accepted.

The errors use the API's JSON envelope; nothing recorded covers these (mockai's own admin API),
so the wording is mockai's, with ``invalid_request_error`` as the type like the API's 4xx.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from mockai.core.config import ServerConfig
from mockai.core.errors import APIError

__all__ = ["check_admin_request", "check_not_from_a_page", "guarded"]

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MEDIA_TYPES = frozenset({"application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
_SAME_SITE = frozenset({"same-origin", "none"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})

AdminHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guarded(config_of: Callable[[web.Request], ServerConfig], handler: AdminHandler) -> AdminHandler:
    """``handler``, answering only requests that pass :func:`check_admin_request`."""

    async def guarded_handler(request: web.Request) -> web.StreamResponse:
        check_admin_request(request, config_of(request))
        return await handler(request)

    return guarded_handler


def check_admin_request(request: web.Request, config: ServerConfig) -> None:
    """Raise the :class:`APIError` that refuses ``request``, if it must be refused."""
    check_not_from_a_page(request, config, "The admin API", "admin")
    if config.admin_token is not None and not _has_token(request, config.admin_token):
        raise APIError(
            401,
            "The admin API needs the admin token: send 'Authorization: Bearer TOKEN' or "
            "'X-Mockai-Admin-Token: TOKEN' (the server was started with --admin-token).",
            code="invalid_admin_token",
        )
    content_type = request.headers.get("Content-Type")
    if request.method in _BODY_METHODS and content_type is not None and not _is_json_or_yaml(content_type):
        raise APIError(
            415,
            f"The admin API accepts JSON or YAML bodies (application/json, application/yaml, text/yaml), "
            f"not Content-Type: {content_type!r}.",
            code="unsupported_content_type",
        )


def check_not_from_a_page(request: web.Request, config: ServerConfig, who: str, code: str) -> None:
    """Refuse (403) what a web page of another site could have sent ``who``: a ``Host`` that DNS
    rebinding could have pointed here (checks 1 and 2 of the module's list); the error's code
    starts with ``code``."""
    allowed = _allowed_hosts(config)
    host = request.headers.get("Host")
    if host is not None and not _host_ok(_host_name(host), allowed, config):
        raise APIError(
            403,
            f"{who} answers only to loopback host names (or the --host it was started with), not Host: {host!r}.",
            code=f"{code}_host_refused",
        )
    origin = request.headers.get("Origin")
    if origin is not None and not _same_server(origin, allowed, _server_port(request, config)):
        raise APIError(
            403,
            f"{who} refuses cross-origin requests (Origin: {origin!r}): a web page must not script the server.",
            code=f"{code}_origin_refused",
        )
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in _SAME_SITE:
        raise APIError(
            403,
            f"{who} refuses requests a browser sends for another site (Sec-Fetch-Site: {site}).",
            code=f"{code}_origin_refused",
        )


def _allowed_hosts(config: ServerConfig) -> frozenset[str]:
    configured = _host_name(config.host)
    return _LOOPBACK_NAMES if configured in _WILDCARDS else _LOOPBACK_NAMES | {configured}


def _host_ok(name: str, allowed: frozenset[str], config: ServerConfig) -> bool:
    if name in allowed or config.admin_token is not None:  # a rebinding page cannot know the token
        return True
    # An address is no name that DNS rebinding could point elsewhere: any loopback one passes, and
    # bound to every interface, any address of this machine.
    address = _ip(name)
    return address is not None and (address.is_loopback or _host_name(config.host) in _WILDCARDS)


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _host_name(host: str) -> str:
    """``host`` of a ``Host`` header (or of ``--host``) without its port, brackets or case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        return host.split(":", 1)[0]
    return host


def _server_port(request: web.Request, config: ServerConfig) -> int:
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2 and isinstance(sockname[1], int):
        return sockname[1]
    return config.port


def _same_server(origin: str, allowed: frozenset[str], port: int) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) is this server on an allowed host name."""
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        return False
    if origin_port is None:
        origin_port = 443 if parts.scheme == "https" else 80
    return parts.hostname.lower() in allowed and origin_port == port


def _has_token(request: web.Request, token: str) -> bool:
    wanted = _bytes(token)
    given = request.headers.get("X-Mockai-Admin-Token")
    if given is not None and hmac.compare_digest(_bytes(given.strip()), wanted):
        return True
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(_bytes(credential.strip()), wanted)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _is_json_or_yaml(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _MEDIA_TYPES or media.endswith(("+json", "+yaml"))
