"""Where optional features (scenarios, cassettes, stored completions, admin API, latency) plug in.

Each feature module exposes ``install(app, state)``; this list is the one place that names them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from mockai.app import ServerState

__all__ = ["FEATURES", "install"]

# Order matters for reply sources: scenarios answer before cassettes, which answer before the
# seeded generator (the fallback in mockai.app).
FEATURES: tuple[str, ...] = ("scenarios", "admin", "replay", "store", "latency")


def install(app: web.Application, state: ServerState) -> None:
    for name in FEATURES:
        try:
            module = importlib.import_module(f"mockai.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mockai.{name}":
                raise
            continue  # TODO(core): remove once every feature module has landed
        module.install(app, state)
