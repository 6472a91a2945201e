"""Replaying a cassette (``mockai serve --cassette FILE``), and the record modes that reach upstream.

The cassette is a reply source.  For chat completions it answers after the scenario rules and
before seeded generation (:class:`CassetteSource`); for every other ``/v1/...`` path the server
asks :meth:`CassetteReplay.answer` before its own routes; and a request mockai refused before any
source was asked may still have a recorded answer (:meth:`CassetteReplay.after_refusal`).  Each
returns a recorded reply, a :class:`~mockai.core.plan.ForwardReply` ("ask upstream and record")
in the recording modes, a miss, or ``None``; the server delivers it.

Record modes, as in VCR.py:

* ``none`` (default): replay only; a request with no recorded answer gets a 404 ``cassette_miss``
  naming the nearest recorded request and the first field that differs (``cassette_fallback``
  lets the next source answer instead);
* ``once``: like ``none`` if the cassette exists, else record everything (like ``new_episodes``);
* ``new_episodes``: replay what matches, forward the rest upstream and append it;
* ``all``: forward everything upstream and append it, replay nothing.

Identical requests replay their recorded answers in order; in ``none`` the last one repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockai.core.config import RecordMode, ServerConfig
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, ForwardReply, RawReply, Reply
from mockai.replay.cassette import CassetteError, Interaction, Redaction, load_cassette
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import CassetteIndex
from mockai.replay.recorder import Recorder

__all__ = ["CassetteReplay", "CassetteSource", "cassette_path"]


@dataclass
class CassetteReplay:
    """One server's cassette: the index it replays from and, in recording modes, its recorder."""

    path: Path
    mode: RecordMode
    index: CassetteIndex
    replaying: bool
    recorder: Recorder | None
    timed: bool = False
    fallback: bool = False

    @classmethod
    def open(cls, config: ServerConfig) -> CassetteReplay:
        path = config.cassette
        if path is None:
            raise ValueError("no cassette configured")
        exists = path.exists()
        mode = config.record_mode
        if mode == "none" and not exists:
            raise CassetteError(
                f"{path}: no such cassette (record mode 'none' only replays): record it first with "
                "`mockai record`, or use --record-mode once --upstream URL"
            )
        recording = mode in ("new_episodes", "all") or (mode == "once" and not exists)
        cassette = load_cassette(path) if exists else None
        interactions = cassette.interactions if cassette is not None else []
        redaction = Redaction(config.redact_headers, config.redact_fields)
        index = CassetteIndex(interactions, config.match_ignore, config.redact_fields)
        recorder = None
        if recording:
            if not config.upstream:
                raise ValueError(f"record mode '{mode}' forwards to an upstream API: give --upstream URL")
            if config.workers > 1:
                raise ValueError(f"record mode '{mode}' writes one cassette: use --workers 1 to record")
            on_record = (lambda item: index.add(item, played=True)) if mode != "all" else None
            recorder = Recorder(config.upstream, CassetteFile(path, cassette), redaction, on_record)
        replay = cls(
            path, mode, index, mode != "all", recorder, config.replay_timing == "recorded", config.cassette_fallback
        )
        return replay

    def lookup(self, method: str, path: str, query: str, raw: bytes) -> Interaction | None:
        if not self.replaying:
            return None
        return self.index.take(method, path, query, raw, repeat_last=self.recorder is None)

    def reply(self, item: Interaction) -> RawReply:
        res = item.response
        delivery = Delivery(first_byte_delay=res.latency) if self.timed else Delivery()
        return RawReply(res.status, res.headers, res.body, res.events, "cassette", delivery, self.timed)

    def miss(self, method: str, path: str, query: str, raw: bytes) -> APIError:
        why = self.index.explain_miss(method, path, query, raw)
        return APIError.cassette_miss(
            f"mockai: no recorded exchange in cassette {self.path} matches {method} {path} "
            f"(record mode '{self.mode}'); {why}. Record it with --record-mode new_episodes, "
            "or leave a field out of matching with --match-ignore."
        )

    def answer(self, method: str, path: str, query: str, raw: bytes) -> Reply | None:
        """A ``/v1/...`` request other than a chat completion: its recorded answer, upstream's
        (recording), a miss for a path the cassette knows, or None (mockai's own routes answer)."""
        hit = self.lookup(method, path, query, raw)
        if hit is not None:
            return self.reply(hit)
        if self.recorder is not None:
            return ForwardReply()
        if self.index.knows(method, path) and not self.fallback:
            return ErrorReply(self.miss(method, path, query, raw), source="cassette-miss")
        return None

    def after_refusal(self, method: str, path: str, query: str, raw: bytes, status: int) -> Reply | None:
        """A chat request mockai refused (``status``) before any source was asked.

        A missing or wrong key (401) stands when replaying, as the API would refuse it; a recording
        mode lets the upstream judge the key.  Other refusals (JSON, validation): a recorded answer
        to this very request is what the real API said, so it wins over mockai's own.
        """
        if status >= 500 or (status == 401 and self.recorder is None):
            return None
        hit = None if status == 401 else self.lookup(method, path, query, raw)
        if hit is not None:
            return self.reply(hit)
        return ForwardReply() if self.recorder is not None else None

    def guards(self, method: str, path: str) -> bool:
        """Whether a request to this path is answered only with a valid key (a replayed path)."""
        return self.recorder is None and self.index.knows(method, path)


class CassetteSource:
    """Answers chat completions from the cassette (after scenario rules)."""

    name = "cassette"

    def __init__(self, replay: CassetteReplay) -> None:
        self.replay = replay

    async def choose(self, ctx: RequestContext) -> Reply | None:
        replay = self.replay
        hit = replay.lookup(ctx.method, ctx.path, ctx.query, ctx.raw)
        if hit is not None:
            return replay.reply(hit)
        if replay.recorder is not None:
            return ForwardReply()
        if replay.fallback:
            return None
        return ErrorReply(replay.miss(ctx.method, ctx.path, ctx.query, ctx.raw), source="cassette-miss")


def cassette_path(test_file: Path, name: str) -> Path:
    """Where a test's cassette lives, like pytest-recording: ``<dir>/cassettes/<module>/<name>``."""
    return test_file.parent / "cassettes" / test_file.stem / name
