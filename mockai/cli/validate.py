"""``mockai validate FILE…``: check scenario files (or directories) without starting a server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mockai.cli.parsing import Parser
from mockai.scenarios.file_format import SUFFIXES, load_path
from mockai.scenarios.rules import ScenarioError

__all__ = ["add_parser"]


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for path in _expand(args.files):
        try:
            rules = load_path(path)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(f"OK {path} ({len(rules)} rule{'s' if len(rules) != 1 else ''})")
    return 1 if failed else 0


def _expand(paths: list[Path]) -> list[Path]:
    """Each file, and each scenario file of each directory (sorted), so every file gets its line."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(f for f in path.iterdir() if f.is_file() and f.suffix in SUFFIXES))
        else:
            out.append(path)
    return out


def add_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario files: errors name the file, the line and the rule",
        description="Check scenario files or directories; exit 1 if any has an error.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario file or directory")
    p.set_defaults(handler=cmd_validate)
