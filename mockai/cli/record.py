"""``mockai record`` (the recording proxy) and ``mockai cassette import|show``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from mockai.cli.parsing import Parser, port_number
from mockai.replay.cassette import Cassette, CassetteError, Redaction, dump_cassette, load_cassette
from mockai.replay.cassette_file import write_atomic
from mockai.server.port_in_use import listen_error

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    rec = sub.add_parser("record", help="forward /v1/... to an upstream API and record each exchange")
    rec.add_argument("--upstream", required=True, help="upstream base URL, e.g. https://api.openai.com/v1")
    rec.add_argument(
        "--cassette", required=True, type=Path, help="cassette to append to (YAML; a .json name writes JSON)"
    )
    rec.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    rec.add_argument(
        "--port", metavar="N", type=port_number, default=8000, help="port (0 picks a free one; default 8000)"
    )
    _redaction_flags(rec)
    rec.set_defaults(handler=cmd_record)

    cas = sub.add_parser("cassette", help="convert or inspect cassettes")
    cas_sub = cas.add_subparsers(dest="cassette_command", required=True)
    imp = cas_sub.add_parser("import", help="convert a VCR.py / pytest-recording cassette to a mockai one")
    imp.add_argument("file", type=Path, help="the VCR.py cassette (YAML or JSON)")
    imp.add_argument("-o", "--output", type=Path, default=None, help="write here (default: standard output)")
    _redaction_flags(imp)
    imp.set_defaults(handler=cmd_import)
    show = cas_sub.add_parser("show", help="list the exchanges in a mockai cassette")
    show.add_argument("file", type=Path, help="the mockai cassette (YAML or JSON)")
    show.set_defaults(handler=cmd_show)


def _redaction_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redact-header",
        action="append",
        default=[],
        metavar="NAME",
        help="header never written, besides Authorization, api-key, OpenAI-Organization, "
        "OpenAI-Project and cookies (repeatable)",
    )
    parser.add_argument(
        "--redact-field",
        action="append",
        default=[],
        metavar="NAME",
        help="JSON request field written as <redacted> (repeatable)",
    )


def _redaction(args: argparse.Namespace) -> Redaction:
    return Redaction(tuple(args.redact_header), tuple(args.redact_field))


def cmd_record(args: argparse.Namespace) -> int:
    from mockai.server.recorder import record_forever

    def announce(url: str) -> None:
        print(f"mockai recording {args.upstream} into {args.cassette}, serving on {url}", flush=True)

    try:
        run = record_forever(args.upstream, args.cassette, args.host, args.port, _redaction(args), announce)
        asyncio.run(run)
    except KeyboardInterrupt:
        pass
    except ValueError as exc:  # a cassette that does not load, a bad upstream URL
        print(f"mockai: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(listen_error(args.host, args.port, exc), file=sys.stderr)
        return 2
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mockai.replay.vcr_import import import_vcr_file

    try:
        cassette = import_vcr_file(args.file, _redaction(args))
    except CassetteError as exc:
        print(f"mockai: {exc}", file=sys.stderr)
        return 2
    output: Path | None = args.output
    data = dump_cassette(cassette, as_json=output is not None and output.suffix == ".json")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(output, data)
        count = len(cassette.interactions)
        print(f"mockai: wrote {count} exchange{'s' * (count != 1)} to {output}", file=sys.stderr)
    return 0


def describe(cassette: Cassette) -> list[str]:
    lines = []
    for number, item in enumerate(cassette.interactions):
        req, res = item.request, item.response
        model = req.body.get("model") if isinstance(req.body, dict) else None
        shape = f"stream of {len(res.events)} events" if res.events is not None else f"{len(res.body)} bytes"
        what = f" model={model}" if model else ""
        query = f"?{req.query}" if req.query else ""
        lines.append(f"#{number} {req.method} {req.path}{query}{what} -> {res.status}, {shape}")
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    try:
        cassette = load_cassette(args.file)
    except CassetteError as exc:
        print(f"mockai: {exc}", file=sys.stderr)
        return 2
    count = len(cassette.interactions)
    print(f"{args.file}: version {cassette.version}, {count} exchange{'s' * (count != 1)}")
    for line in describe(cassette):
        print(line)
    return 0
