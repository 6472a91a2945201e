"""The command line's own errors: the usage of the command typed, close matches, help for every flag."""

from __future__ import annotations

import argparse

import pytest

from mockai.cli import main as cli_main
from mockai.cli.main import build_parser, config_from_args, main
from tests.support.servers import run_cli


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments that parse must not start a server here: they fail the test instead."""

    def serve(args: argparse.Namespace) -> int:
        raise AssertionError(f"the arguments were accepted: {args}")

    monkeypatch.setattr(cli_main, "cmd_serve", serve)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``mockai ARGV`` prints on stderr when it refuses its arguments (exit status 2)."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_a_misspelt_serve_flag_gets_serves_usage_and_the_close_match(capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "serve", "--prot", "8001")
    assert err.startswith("usage: mockai serve ")
    assert "usage: mockai [-h]" not in err
    assert err.rstrip().endswith("mockai serve: error: unrecognized arguments: --prot 8001 (did you mean --port?)")


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["serve", "--record-mdoe", "none"], "usage: mockai serve ", "(did you mean --record-mode?)"),
        (["serve", "--seeed=3"], "usage: mockai serve ", "(did you mean --seed?)"),
        (["serve", "--quiett"], "usage: mockai serve ", "(did you mean --quiet?)"),
        (["record", "--upstrem", "http://x", "--cassette", "c.yaml"], "usage: mockai record ", "--upstream"),
        (["validate", "a.yaml", "--strcit"], "usage: mockai validate ", "unrecognized arguments: --strcit"),
        (["cassette", "show", "c.yaml", "--jsn"], "usage: mockai cassette show ", "unrecognized arguments: --jsn"),
    ],
)
def test_each_subcommand_refuses_its_own_unknown_flags(
    capsys: pytest.CaptureFixture[str], argv: list[str], usage: str, hint: str
) -> None:
    err = refused(capsys, *argv)
    assert err.startswith(usage), err
    assert hint in err


def test_nothing_close_is_suggested_for_a_flag_far_from_every_one(capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "serve", "--zzzzzz")
    assert err.rstrip().endswith("error: unrecognized arguments: --zzzzzz")


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["serve", "--record-mode", "onse"], "usage: mockai serve ", "did you mean 'once'?"),
        (["serve", "--log-format", "jsno"], "usage: mockai serve ", "did you mean 'json'?"),
        (["serv"], "usage: mockai [-h]", "did you mean 'serve'?"),
        (["cassette", "sho", "c.yaml"], "usage: mockai cassette [-h]", "did you mean 'show'?"),
    ],
)
def test_an_invalid_choice_gets_the_closest_one(
    capsys: pytest.CaptureFixture[str], argv: list[str], usage: str, hint: str
) -> None:
    err = refused(capsys, *argv)
    assert err.startswith(usage), err
    assert "invalid choice" in err and hint in err


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


def test_every_flag_and_argument_of_every_command_has_help() -> None:
    missing = [
        f"{parser.prog} {action.option_strings or action.dest}"
        for parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()
    ]
    assert missing == []
    assert len(_parsers(build_parser())) == 7  # mockai, serve, validate, record, cassette, import, show


def test_serve_help_describes_record_mode_and_replay_timing() -> None:
    done = run_cli("serve", "--help", timeout=30)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--record-mode {none,once,new_episodes,all} with --cassette: none replays only" in text
    assert "--replay-timing {fast,recorded} replayed streams:" in text
    assert "-q, --quiet no line per request on stderr" in text


def test_the_log_flags_reach_the_configuration() -> None:
    def setting(*argv: str) -> str:
        return config_from_args(build_parser().parse_args(["serve", *argv])).access_log

    assert setting() == "text"
    assert setting("--log-format", "json") == "json"
    assert setting("--quiet") == "off"
    assert setting("-q", "--log-format", "json") == "off"


def test_the_error_comes_from_the_command_line_program_too() -> None:
    """The same refusal through ``python -m mockai``, as users meet it."""
    done = run_cli("serve", "--prot", "8001", timeout=30)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage: mockai serve ")
    assert "did you mean --port?" in done.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "65536", "http"])
@pytest.mark.parametrize("command", [["serve"], ["record", "--upstream", "http://x/v1", "--cassette", "c.yaml"]])
def test_a_port_out_of_range_is_a_usage_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], command: list[str], port: str
) -> None:
    err = refused(capsys, *command, "--port", port)
    assert err.rstrip().endswith(
        f"argument --port: invalid port: {port if port != 'http' else repr(port)} (a number from 0 to 65535)"
    )
    assert "Traceback" not in err


def test_the_api_key_and_admin_token_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given as arguments, both show in ``ps`` to every user of the machine (a security audit)."""
    monkeypatch.setenv("MOCKAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("MOCKAI_ADMIN_TOKEN", "token-from-env")
    config = config_from_args(build_parser().parse_args(["serve"]))
    assert config.api_key == "sk-from-env" and config.admin_token == "token-from-env"
    given = config_from_args(build_parser().parse_args(["serve", "--api-key", "sk-given"]))
    assert given.api_key == "sk-given"  # an argument wins
    monkeypatch.delenv("MOCKAI_API_KEY")
    monkeypatch.delenv("MOCKAI_ADMIN_TOKEN")
    assert config_from_args(build_parser().parse_args(["serve"])).api_key is None
