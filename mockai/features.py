"""Where optional features (scenarios, cassettes, stored completions, admin API, latency) plug in.

A feature module may expose:

* ``routes(app: web.Application) -> None``: add its HTTP routes (called once per app);
* ``attach(state: ServerState) -> None``: add its reply sources, hooks and per-server state
  (called for every new or renewed :class:`~mockai.app.ServerState`; keep per-server data on
  ``state``, never in module globals, so a renewed state starts fresh).

This list is the one place that names them.  Order matters for reply sources: scenarios answer
before cassettes, which answer before the seeded generator (the fallback in mockai.app).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from mockai.app import ServerState

__all__ = ["FEATURES", "attach_all", "install_routes"]

FEATURES: tuple[str, ...] = ("scenarios", "admin", "replay", "store", "latency")


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"mockai.{name}") for name in FEATURES]


def install_routes(app: web.Application) -> None:
    for module in _modules():
        if hasattr(module, "routes"):
            module.routes(app)


def attach_all(state: ServerState) -> None:
    for module in _modules():
        if hasattr(module, "attach"):
            module.attach(state)
