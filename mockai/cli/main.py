"""The ``mockai`` command line: ``serve``, ``validate`` (scenario files), ``record`` and ``cassette``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mockai.cli import record, validate
from mockai.cli.parsing import Parser, port_number
from mockai.core.config import ServerConfig
from mockai.core.version import __version__
from mockai.server.port_in_use import listen_error

__all__ = ["main"]


def _serve_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    p = sub.add_parser("serve", help="run the mock server")
    # A table of flags, one a line where it fits.
    # fmt: off
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", metavar="N", type=port_number, default=8000, help="port (0: a free one; default 8000)")
    p.add_argument("--seed", metavar="N", type=int, default=0, help="server seed for generated answers (default 0)")
    p.add_argument("--api-key", metavar="KEY", default=os.environ.get("MOCKAI_API_KEY"),
                   help="accept only this API key (default: $MOCKAI_API_KEY, else any key)")
    p.add_argument("--admin-token", default=os.environ.get("MOCKAI_ADMIN_TOKEN"), metavar="TOKEN",
                   help="the admin API (/_mockai/) answers only requests carrying this token "
                        "(default: $MOCKAI_ADMIN_TOKEN, else none needed)")
    p.add_argument("--strict-models", action="store_true", help="answer 404 for models not in the catalogue")
    p.add_argument("--cors", action="store_true",
                   help="let web pages call the /v1 routes (CORS preflights answered, any origin), as the real API "
                        "does; the admin API never")
    p.add_argument("--model", metavar="ID", action="append", default=None, dest="models",
                   help="serve this model id (repeatable; replaces the built-in catalogue)")
    p.add_argument("--max-body-bytes", metavar="N", type=int, default=32 * 1024 * 1024, help="413 above this size")
    p.add_argument("--tokens-per-chunk", metavar="N", type=int, default=1, help="tokens per streamed content chunk")
    p.add_argument("--journal-size", metavar="N", type=int, default=1000, help="requests kept in the journal (0: none)")
    p.add_argument("--journal-bytes", metavar="N", type=int, default=32 * 1024 * 1024,
                   help="memory the journal may hold, oldest evicted; large bodies are kept cut (default 32 MiB)")
    p.add_argument("--scenario", metavar="FILE_OR_DIR", action="append", type=Path, default=[], dest="scenarios",
                   help="scenario file or directory (repeatable)")
    p.add_argument("--on-no-match", choices=["seeded", "error"], default="seeded",
                   help="when no scenario rule matches: seeded answer (default) or an error")
    p.add_argument("--cassette", metavar="FILE", type=Path, default=None, help="replay answers from this cassette")
    p.add_argument("--record-mode", choices=["none", "once", "new_episodes", "all"], default="none",
                   help="with --cassette: none replays only (default); once records while the cassette does not "
                        "exist; new_episodes replays what matches and records the rest; all always asks the upstream "
                        "and appends (recording modes need --upstream)")
    p.add_argument("--upstream", metavar="URL", default=None, help="upstream base URL for recording")
    p.add_argument("--replay-timing", choices=["fast", "recorded"], default="fast",
                   help="replayed streams: as fast as possible (default) or with the recorded gaps between events")
    p.add_argument("--store-cap", metavar="N", type=int, default=10_000,
                   help="stored completions, stored responses and conversations kept (each; oldest evicted)")
    p.add_argument("--store-bytes", metavar="N", type=int, default=32 * 1024 * 1024,
                   help="memory each in-memory store may hold, oldest evicted (default 32 MiB)")
    p.add_argument("--store-path", metavar="FILE", type=Path, default=None,
                   help="keep stored completions, stored responses and conversations in this SQLite file")
    p.add_argument("--latency-profile", metavar="SPEC", default=None, help="seeded latency profile (see README)")
    p.add_argument("--workers", metavar="N", type=int, default=1, help="processes sharing the port (SO_REUSEPORT)")
    p.add_argument("--match-ignore", default="user,metadata", metavar="FIELDS",
                   help="request fields left out when matching a cassette, comma-separated dotted paths "
                        "(default: user,metadata; '' compares everything)")
    p.add_argument("--redact-header", action="append", default=[], metavar="NAME",
                   help="header never written to a cassette, besides the secret ones (repeatable)")
    p.add_argument("--redact-field", action="append", default=[], metavar="NAME",
                   help="JSON request field written as <redacted> in a cassette (repeatable)")
    p.add_argument("--cassette-fallback", action="store_true",
                   help="on a cassette miss in record mode none, answer as without a cassette instead of a 404")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per request on stderr")
    p.add_argument("--log-format", choices=["text", "json"], default="text",
                   help="the line per request on stderr: readable text (default) or one JSON object")
    # fmt: on


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        api_key=args.api_key,
        admin_token=args.admin_token,
        strict_models=args.strict_models,
        cors=args.cors,
        models=tuple(args.models) if args.models else None,
        max_body_bytes=args.max_body_bytes,
        tokens_per_chunk=args.tokens_per_chunk,
        journal_size=args.journal_size,
        journal_bytes=args.journal_bytes,
        scenarios=tuple(args.scenarios),
        on_no_match=args.on_no_match,
        cassette=args.cassette,
        record_mode=args.record_mode,
        upstream=args.upstream,
        replay_timing=args.replay_timing,
        store_cap=args.store_cap,
        store_bytes=args.store_bytes,
        store_path=args.store_path,
        latency_profile=args.latency_profile,
        workers=args.workers,
        match_ignore=tuple(f.strip() for f in args.match_ignore.split(",") if f.strip()),
        redact_headers=tuple(args.redact_header),
        redact_fields=tuple(args.redact_field),
        cassette_fallback=args.cassette_fallback,
        access_log="off" if args.quiet else args.log_format,
    )


def _announce(url: str) -> None:
    print(f"mockai serving on {url}", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if config.workers != 1:  # the parent only supervises: it never imports the server itself
        from mockai.server.workers import serve_workers

        return serve_workers(config, _announce)
    from mockai.server.runner import serve_forever

    try:
        asyncio.run(serve_forever(config, _announce))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(listen_error(config.host, config.port, exc), file=sys.stderr)
        return 2
    except ValueError as exc:  # configuration errors (bad scenario, cassette, …)
        print(f"mockai: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mockai",
        description="A deterministic emulator of the OpenAI API (chat, Responses, embeddings, moderations), for tests.",
    )
    parser.add_argument("--version", action="version", version=f"mockai {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    validate.add_parser(sub)
    record.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.error(f"unknown command {args.command}")
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
