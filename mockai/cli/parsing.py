"""The argument parser every ``mockai`` command uses: errors in the words of the command that was
typed, with a close match when there is one.

argparse (3.10, 3.11) reports an unknown flag of a subcommand with the top-level usage
(``usage: mockai [-h] ... {serve,...}``) and suggests nothing.  :class:`Parser` makes each
(sub)command refuse its own unknown arguments, so ``mockai serve --prot 8001`` prints ``serve``'s
usage and ``did you mean --port?``; an invalid choice (``--record-mode onse``, ``mockai serv``)
gets the closest choice too.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Parser", "closest", "port_number"]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word`` when one is close enough to be a typo; else None."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors name the command typed and suggest fixes.

    Subcommands made with ``add_subparsers().add_parser`` are of this class too (argparse builds
    them with the parent's class).
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            # Refused here, by the (sub)command that could not place them, with its own usage.
            self.error(self._unrecognized(extras))
        return parsed, extras

    def _unrecognized(self, extras: list[str]) -> str:
        message = f"unrecognized arguments: {' '.join(extras)}"
        flags = [s for action in self._actions for s in action.option_strings if s.startswith("--")]
        for extra in extras:
            if not extra.startswith("-") or extra == "--":
                continue
            name = extra.split("=", 1)[0]
            match = closest(name, flags)
            if match is not None:
                return f"{message} (did you mean {match}?)"
        return message

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is not None and value not in choices:
            shown = ", ".join(map(repr, choices))
            message = f"invalid choice: {value!r} (choose from {shown})"
            match = closest(str(value), map(str, choices))
            if match is not None:
                message += f"; did you mean {match!r}?"
            raise argparse.ArgumentError(action, message)


def port_number(text: str) -> int:
    """A ``--port`` value: 0 (pick a free one) to 65535; argparse's usage error otherwise."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port: {text!r} (a number from 0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port: {port} (a number from 0 to 65535)")
    return port
