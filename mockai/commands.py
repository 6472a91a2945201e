"""Feature sub-commands (``validate``, ``record``, ``cassette import``, …) register here.

Each entry is a module exposing ``add_parser(sub)``, which sets ``handler`` with
``parser.set_defaults(handler=...)``.
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["COMMAND_MODULES", "add_parsers"]

COMMAND_MODULES: tuple[str, ...] = ("scenario_cli", "record_cli")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"mockai.{name}").add_parser(sub)
