"""mockai: a deterministic emulator of the OpenAI Chat Completions API, for testing.

The public API is small; everything else lives in modules named for what they do.
Imports are lazy so that ``import mockai`` (and pytest loading the plugin) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mockai.config import ServerConfig
    from mockai.errors import APIError
    from mockai.harness import MockAI
    from mockai.server import MockServer, ServerThread

__all__ = ["APIError", "MockAI", "MockServer", "ServerConfig", "ServerThread", "__version__"]

_LAZY = {
    "APIError": "mockai.errors",
    "MockAI": "mockai.harness",
    "MockServer": "mockai.server",
    "ServerConfig": "mockai.config",
    "ServerThread": "mockai.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockai' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
