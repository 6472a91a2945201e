"""What mockai's own tests share, one module a role:

- ``bodies``: request bodies, messages and tools (the weather tool among them);
- ``clients``: the tests' API key, raw HTTP and SDK clients, and asking a server something;
- ``servers``: the one way to run mockai in this process (``running_server``) and as a child
  process (``MockaiProcess``), the CLI's one-shot runs, a hand-made upstream, polling;
- ``reference``: the reference material in ../shared and the official JSON Schemas;
- ``markdown``: the code blocks of README.md and docs/, and the one runner for their Python;
- ``projects``: temporary pytest projects that pytester runs in this process;
- ``strategies``: hypothesis strategies for valid requests.

The fixtures built on them are in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout: README.md, docs/, scenarios/, fixtures/, bench/."""
