"""Replay from a 1,000-exchange cassette vs seeded generation: throughput in the same run.

    python bench/bench_cassette.py [--rounds 5] [--concurrency 16] [--check]

1. A seeded mockai (``mockai serve``) is the upstream; ``mockai record`` in front of it records
   1,000 distinct chat requests sent by ``bench/loadgen.py`` (its ``{n}`` numbering, 1..1000):
   the recording time, the cassette's size and its load time are reported.
2. ``mockai serve --cassette`` replays it.  The seeded server and the replaying one are measured
   in alternation for ``--rounds`` rounds, each round the same 900 requests (n = 101..1000, after
   a warm-up of n = 1..100): every one of them is a cassette hit.
3. The lookup itself, in process: microseconds per :meth:`CassetteIndex.take` with 10, 1,000 and
   10,000 exchanges indexed (it is a dictionary lookup: the cost does not grow with the cassette).

Writes ``bench/results/cassette.json``.  Target: replay within 20% of seeded (``--check`` exits 1
otherwise).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
from common import BODY, Server, body_bytes, interleave, median, mockai, paired_ratio, write_results

from mockai.replay.cassette import Cassette, CassetteRequest, CassetteResponse, Interaction, load_cassette
from mockai.replay.index import CassetteIndex

TARGET = 0.20
EXCHANGES = 1000
WARMUP = 100


def record(upstream: Server, cassette: Path, concurrency: int) -> dict[str, Any]:
    recorder = Server(
        [
            sys.executable,
            "-m",
            "mockai",
            "record",
            "--upstream",
            upstream.url,
            "--cassette",
            str(cassette),
            "--port",
            "0",
        ]
    )
    try:
        started = time.perf_counter()
        result = loadgen.run(
            recorder.url + "/chat/completions",
            body_bytes(BODY),
            concurrency=concurrency,
            requests=EXCHANGES,
            duration=600,
            warmup=0,
            vary=True,
        )
        took = time.perf_counter() - started
    finally:
        recorder.stop()
    if result["errors"]:
        raise SystemExit(f"bench: recording had {result['errors']} errors: {result['status']}")
    started = time.perf_counter()
    loaded = load_cassette(cassette)
    load_s = time.perf_counter() - started
    if len(loaded.interactions) != EXCHANGES:
        raise SystemExit(f"bench: {len(loaded.interactions)} exchanges recorded, not {EXCHANGES}")
    return {
        "exchanges": EXCHANGES,
        "seconds": round(took, 2),
        "exchanges_per_s": round(EXCHANGES / took, 1),
        "cassette_bytes": cassette.stat().st_size,
        "load_seconds": round(load_s, 3),
    }


def lookup_cost(sizes: tuple[int, ...] = (10, 1000, 10_000), probes: int = 20_000) -> dict[str, float]:
    """Microseconds per lookup of a request among ``size`` recorded ones (in process, no HTTP)."""
    out: dict[str, float] = {}
    for size in sizes:
        items = [
            Interaction(
                CassetteRequest("POST", "/v1/chat/completions", body=json.loads(body_bytes(BODY, n))),
                CassetteResponse(200, (), b"{}"),
            )
            for n in range(size)
        ]
        index = CassetteIndex(Cassette(items).interactions)
        raws = [body_bytes(BODY, n % size) for n in range(probes)]
        started = time.perf_counter()
        for raw in raws:
            if index.take("POST", "/v1/chat/completions", "", raw, repeat_last=True) is None:
                raise SystemExit("bench: lookup missed")
        out[str(size)] = round((time.perf_counter() - started) / probes * 1e6, 2)
    return out


def measure(server: Server, concurrency: int) -> dict[str, Any]:
    result = loadgen.run(
        server.url + "/chat/completions",
        body_bytes(BODY),
        concurrency=concurrency,
        requests=EXCHANGES - WARMUP,
        duration=60,
        warmup=WARMUP,
        vary=True,
    )
    result.pop("sample", None)
    if result["errors"]:
        raise SystemExit(f"bench: {result['errors']} errors: {result['status']}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if replay is > {TARGET:.0%} slower")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mockai-bench-") as tmp:
        cassette = Path(tmp, "bench.yaml")
        with mockai() as seeded:
            recording = record(seeded, cassette, 8)
            print(
                f"recorded {EXCHANGES} exchanges in {recording['seconds']} s; cassette "
                f"{recording['cassette_bytes']} bytes, loads in {recording['load_seconds']} s",
                flush=True,
            )
            with mockai("--cassette", str(cassette)) as replaying:
                runs = interleave(
                    {
                        "seeded": lambda: measure(seeded, args.concurrency),
                        "replay_1000": lambda: measure(replaying, args.concurrency),
                    },
                    args.rounds,
                )
    seeded_rps = [r["rps"] for r in runs["seeded"]]
    replay_rps = [r["rps"] for r in runs["replay_1000"]]
    ratio = paired_ratio(replay_rps, seeded_rps)
    lookups = lookup_cost()
    summary = {
        "target": f"replay from a {EXCHANGES}-exchange cassette within {TARGET:.0%} of seeded generation",
        "median_rps": {"seeded": median(seeded_rps), "replay_1000": median(replay_rps)},
        "ratio_replay_vs_seeded": ratio,
        "ok": ratio >= 1 - TARGET,
        "lookup_us_by_cassette_size": lookups,
        "recording": recording,
        "settings": {
            "rounds": args.rounds,
            "concurrency": args.concurrency,
            "requests_per_round": EXCHANGES - WARMUP,
            "warmup": WARMUP,
        },
        "command": "python bench/bench_cassette.py " + " ".join(sys.argv[1:]),
        "runs": runs,
    }
    path = write_results("cassette", summary)
    print(
        f"median req/s: seeded {median(seeded_rps):.0f}, replay {median(replay_rps):.0f} "
        f"(ratio {ratio:.2f}); lookup µs by size {lookups}"
    )
    print(f"wrote {path}")
    return 0 if summary["ok"] or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
