"""mockai: a deterministic emulator of the OpenAI Chat Completions API, for testing.

The public API is small; everything else lives in modules named for what they do.
Imports are lazy so that ``import mockai`` (and pytest loading the plugin) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mockai.core.version import __version__

if TYPE_CHECKING:
    from mockai.core.config import ServerConfig
    from mockai.core.errors import APIError
    from mockai.server.runner import MockServer, ServerThread
    from mockai.testing.mock import MockAI

__all__ = ["APIError", "MockAI", "MockServer", "ServerConfig", "ServerThread", "__version__"]

_LAZY = {
    "APIError": "mockai.core.errors",
    "MockAI": "mockai.testing.mock",
    "MockServer": "mockai.server.runner",
    "ServerConfig": "mockai.core.config",
    "ServerThread": "mockai.server.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockai' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
