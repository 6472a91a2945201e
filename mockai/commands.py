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
        try:
            module = importlib.import_module(f"mockai.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mockai.{name}":
                raise
            continue  # TODO(core): remove once every command module has landed
        module.add_parser(sub)
