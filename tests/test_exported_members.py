"""The public API is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import subprocess
import sys

import mockai


def test_public_names() -> None:
    assert mockai.__all__ == ["APIError", "MockAI", "MockServer", "ServerConfig", "ServerThread", "__version__"]
    for name in mockai.__all__:
        assert getattr(mockai, name) is not None


def test_import_is_cheap() -> None:
    code = "import sys, mockai; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
