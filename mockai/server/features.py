"""Where optional features (scenarios, cassettes, stored completions, admin API, latency) plug in.

A feature module may expose:

* ``routes(app: web.Application) -> None``: add its HTTP routes (called once per app);
* ``attach(state: ServerState) -> None``: add its reply sources, hooks and per-server state
  (called for every new or renewed :class:`~mockai.server.app.ServerState`; keep per-server data on
  ``state``, never in module globals, so a renewed state starts fresh).

This list is the one place that names them.  Order matters for reply sources: scenarios answer
before cassettes, which answer before the seeded generator (the fallback in mockai.server.app).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from mockai.server.app import ServerState

__all__ = ["FEATURES", "attach_all", "install_routes"]

FEATURES: tuple[str, ...] = ("scenarios", "admin", "replay", "store", "latency")


def _modules() -> list[ModuleType]:
    from mockai.chat.store import routes as store
    from mockai.replay import source as replay
    from mockai.scenarios import source as scenarios
    from mockai.server import admin, latency

    return [scenarios, admin, replay, store, latency]


def install_routes(app: web.Application) -> None:
    for module in _modules():
        if hasattr(module, "routes"):
            module.routes(app)


def attach_all(state: ServerState) -> None:
    for module in _modules():
        if hasattr(module, "attach"):
            module.attach(state)
