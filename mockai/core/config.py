"""Server configuration: one frozen dataclass, filled by the CLI, the pytest plugin or user code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["ServerConfig"]

RecordMode = Literal["none", "once", "new_episodes", "all"]


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    # None: any well-formed bearer key is accepted; otherwise only this one.
    api_key: str | None = None
    # None: the admin API (/_mockai/) needs no token; otherwise every admin request must carry it
    # (Authorization: Bearer TOKEN or X-Mockai-Admin-Token: TOKEN).
    admin_token: str | None = None
    strict_models: bool = False
    # Browsers may call the /v1 routes from any page (a web app under test): CORS preflights are
    # answered and answers to a request with an Origin allow any origin to read them, as the real
    # API's do.  Off by default (a page on the web could otherwise read what a local mockai
    # stores); the admin API never.
    cors: bool = False
    # The model ids served (/v1/models, and what --strict-models allows) instead of the built-in
    # catalogue; None keeps the catalogue.
    models: tuple[str, ...] | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    tokens_per_chunk: int = 1
    # Journal of requests answered: bounded so a long load test stays flat in memory, by count and
    # by (estimated) bytes; large bodies are kept cut down (see mockai.server.journal).
    journal_size: int = 1000
    journal_bytes: int = 32 * 1024 * 1024
    # Scenarios (files or directories) and what to do when no rule matches.
    scenarios: tuple[Path, ...] = ()
    # "auto" (the pytest plugin's default): seeded while no rule is loaded, an error once one is.
    on_no_match: Literal["seeded", "error", "auto"] = "seeded"
    # Record / replay.
    cassette: Path | None = None
    record_mode: RecordMode = "none"
    upstream: str | None = None
    replay_timing: Literal["fast", "recorded"] = "fast"
    # Stored completions (store=true).
    store_cap: int = 10_000
    # In-memory store only: (estimated) bytes kept, oldest evicted; the newest is always kept.
    store_bytes: int = 32 * 1024 * 1024
    store_path: Path | None = None
    # Latency profile name or spec (see mockai.server.latency); None answers at once.
    latency_profile: str | None = None
    # Processes sharing one port (SO_REUSEPORT).
    workers: int = 1
    extra: dict[str, str] = field(default_factory=dict)
    # Cassettes, continued: request fields (dotted paths) left out when matching a recording; extra
    # headers and JSON fields removed before an exchange is written; and whether a cassette miss in
    # record mode "none" lets the next source (seeded / on_no_match) answer instead of a 404.
    match_ignore: tuple[str, ...] = ("user", "metadata")
    redact_headers: tuple[str, ...] = ()
    redact_fields: tuple[str, ...] = ()
    cassette_fallback: bool = False
    # A line per request on stderr (mockai.server.access_log): "off" (the default: the pytest plugin
    # and MockAI stay silent), "text" or "json"; `mockai serve` turns it on unless --quiet.
    access_log: Literal["off", "text", "json"] = "off"
    # Connections that keep mockai waiting (mockai.server.slow_clients), in seconds: one on which
    # nothing arrives (since it opened, or since the previous answer) is closed after idle_timeout
    # (aiohttp's keep-alive timeout); a request's head must be whole within client_timeout of its
    # first byte, and its body may go no longer than that without a byte (0: no bound).
    idle_timeout: float = 75.0
    client_timeout: float = 60.0
