"""What the ``mockai`` pytest fixture adds to each test, next to pytest-httpserver's ``httpserver``.

    python bench/bench_fixture.py [--tests 500] [--small 100] [--rounds 3] [--check]

Generates, in a temporary directory, suites of ``--tests`` trivial tests that are identical except
for the fixture they use: none (``plain``), ``mockai``, or pytest-httpserver's ``httpserver``.  Each
suite runs with ``python -m pytest -q`` in a subprocess, the suites in alternating order for
``--rounds`` rounds (after one unmeasured warm-up run each, so that bytecode and pytest's
assertion-rewrite caches exist, as on a developer's machine; ``--no-bytecode-cache`` keeps the
environment's own setting instead).  Reported, per fixture:

* ``per_test_ms``: (suite time - plain suite time) / tests, the median over rounds of the
  same-round difference: what a suite of that size pays per test, one-time start-up included;
  ``cpu_per_test_ms``: the same in CPU time (user + system), less sensitive to a busy machine;
* ``marginal_ms`` and ``fixed_ms`` (and their ``cpu_`` twins): the same measured with ``--small``
  tests too, split into the cost of one more test (slope) and the once-per-process cost
  (intercept: importing aiohttp and mockai, starting the server).

Writes ``bench/results/fixture.json`` (``--name`` changes the name).  Target: mockai ``per_test_ms`` <= 5 (``--check`` exits 1
otherwise).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import check, write_results

TARGET_MS = 5.0
INI = "[pytest]\naddopts = -p no:cacheprovider\n"
BODIES = {
    "plain": ("def test_{i}():\n", "    assert {i} + 1 > {i}\n"),
    "mockai": ("def test_{i}(mockai):\n", "    assert mockai.base_url.endswith('/v1')\n"),
    "httpserver": ("def test_{i}(httpserver):\n", "    assert httpserver.url_for('/').startswith('http')\n"),
}


def write_suite(root: Path, kind: str, tests: int) -> Path:
    folder = root / f"{kind}_{tests}"
    folder.mkdir()
    (folder / "pytest.ini").write_text(INI)
    head, body = BODIES[kind]
    text = "".join(head.format(i=i) + body.format(i=i) + "\n\n" for i in range(tests))
    (folder / "test_suite.py").write_text(text)
    return folder


def run_suite(folder: Path, tests: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one ``pytest`` run of the suite."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        raise SystemExit(f"bench: {folder.name} did not pass:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=500, help="tests per suite (default 500)")
    parser.add_argument("--small", type=int, default=100, help="the smaller suite, for the slope (0: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep the environment's PYTHONDONTWRITEBYTECODE (start-up then re-compiles)",
    )
    parser.add_argument("--name", default="fixture", help="results file: bench/results/NAME.json")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if mockai costs > {TARGET_MS} ms per test")
    args = parser.parse_args()

    sizes = [args.tests] + ([args.small] if args.small and args.small != args.tests else [])
    with tempfile.TemporaryDirectory(prefix="mockai-bench-fixture-") as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_"))}
        if not args.no_bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")  # nothing written next to the sources
        suites = {(kind, n): write_suite(root, kind, n) for n in sizes for kind in BODIES}
        for (_, n), folder in suites.items():  # warm-up: caches, page cache
            run_suite(folder, n, env)
        times: dict[tuple[str, int], list[float]] = {key: [] for key in suites}
        cpu: dict[tuple[str, int], list[float]] = {key: [] for key in suites}
        order = list(suites)
        for r in range(args.rounds):
            for key in order if r % 2 == 0 else reversed(order):
                wall, used = run_suite(suites[key], key[1], env)
                times[key].append(wall)
                cpu[key].append(used)
                print(f"round {r + 1}: {key[0]:>10} x{key[1]}: {wall:.2f} s ({used:.2f} s CPU)", file=sys.stderr)

    def extra(seconds: dict[tuple[str, int], list[float]], kind: str, n: int) -> float:
        """Median over rounds of (suite - plain suite) seconds, measured in the same round."""
        return statistics.median(t - p for t, p in zip(seconds[(kind, n)], seconds[("plain", n)], strict=True))

    fixtures: dict[str, Any] = {}
    for kind in ("mockai", "httpserver"):
        entry: dict[str, Any] = {
            "per_test_ms": round(extra(times, kind, args.tests) / args.tests * 1000, 2),
            "cpu_per_test_ms": round(extra(cpu, kind, args.tests) / args.tests * 1000, 2),
        }
        if len(sizes) == 2:
            big, small = sizes
            for label, seconds in (("", times), ("cpu_", cpu)):
                slope = (extra(seconds, kind, big) - extra(seconds, kind, small)) / (big - small)
                entry[f"{label}marginal_ms"] = round(slope * 1000, 2)
                entry[f"{label}fixed_ms"] = round((extra(seconds, kind, big) - slope * big) * 1000, 1)
        fixtures[kind] = entry

    mockai_ms = fixtures["mockai"]["per_test_ms"]
    result = {
        "target": f"mockai per_test_ms <= {TARGET_MS}",
        "ok": mockai_ms <= TARGET_MS,
        "fixtures": fixtures,
        "suite_seconds": {f"{kind}_{n}": [round(t, 3) for t in ts] for (kind, n), ts in times.items()},
        "suite_cpu_seconds": {f"{kind}_{n}": [round(t, 3) for t in ts] for (kind, n), ts in cpu.items()},
        "settings": {
            "tests": args.tests,
            "small": args.small,
            "rounds": args.rounds,
            "bytecode_cache": not args.no_bytecode_cache,
        },
        "command": "python " + " ".join(["bench/bench_fixture.py", *sys.argv[1:]]),
    }
    path = write_results(args.name, result)
    for kind, entry in fixtures.items():
        figures = ", ".join(f"{k} {v}" for k, v in entry.items())
        print(f"{kind:>10}: {figures}")
    print(f"wrote {path}")
    if args.check:
        check(result["ok"], f"the mockai fixture costs {mockai_ms} ms per test (target {TARGET_MS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
