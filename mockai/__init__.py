"""mockai: a deterministic emulator of the OpenAI Chat Completions API, for testing."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
