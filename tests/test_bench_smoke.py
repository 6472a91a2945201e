"""The load benchmarks still run: each script in its quick mode (a few hundred requests), and the table."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

BENCH = ROOT / "bench"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmarks read /proc")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


def bench(script: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=420,  # a deadline: 15-25 s idle, 40-50 s at a load of 13 on 2 cores, much more in a loaded suite
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


# Each benchmark runs once per worker, as a fixture: the table reads what they wrote into ``out``,
# wherever pytest-xdist runs the test that prints it.
@pytest.fixture(scope="module")
def throughput_run(out: Path) -> subprocess.CompletedProcess[str]:
    return bench("bench_throughput.py", out, "--quick")


@pytest.fixture(scope="module")
def workers_run(out: Path) -> subprocess.CompletedProcess[str]:
    return bench("bench_workers.py", out, "--quick")


@pytest.fixture(scope="module")
def memory_run(out: Path) -> subprocess.CompletedProcess[str]:
    return bench("bench_memory.py", out, "--quick")


def test_throughput(out: Path, throughput_run: subprocess.CompletedProcess[str]) -> None:
    done = throughput_run
    result = json.loads((out / "throughput.json").read_text())
    assert set(result["non_streaming"]) == {"16"}
    for row in result["non_streaming"].values():
        assert row["bare_rps"] > 0 and row["mockai_rps"] > 0 and row["mockai_distinct_rps"] > 0
    assert result["streaming"]["events_per_stream"] > 3 and result["streaming"]["mockai_events_per_s"] > 0
    assert result["streaming"]["mockai_distinct_events_per_s"] > 0 and set(result["targets"]) == {
        "distinct_c16",
        "same_c16",
        "stream",
        "cpu_beyond_bare_us",
    }
    assert "| non-streaming req/s, concurrency 16, same request |" in done.stdout


def test_workers(out: Path, workers_run: subprocess.CompletedProcess[str]) -> None:
    result = json.loads((out / "workers.json").read_text())
    assert result["same_bytes_on_every_worker"] is True
    assert result["rps_1_worker"] > 0 and result["rps_2_workers"] > 0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_workers_with_wrk(out: Path) -> None:
    bench("bench_workers_wrk.py", out, "--quick")
    result = json.loads((out / "workers_wrk.json").read_text())
    assert result["rps_1_worker"] > 0 and result["rps_2_workers"] > 0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_peers_quick_measures_mockai_alone(out: Path) -> None:
    done = bench("bench_peers.py", out, "--quick")
    result = json.loads((out / "peers.json").read_text())
    row = result["servers"]["mockai (default flags)"]
    assert row["same"]["rps"] > 0 and row["distinct"]["rps"] > 0 and row["events_per_stream"] > 3
    assert "| mockai (default flags) |" in done.stdout


def test_the_stage_profile_adds_up() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "profile_stages.py"), "--requests", "50", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    stages = result["us_per_request"]
    assert set(stages) >= {"validate", "plan (seeded)", "render JSON"} and all(us > 0 for us in stages.values())
    assert abs(sum(stages.values()) - result["total_us"]) < 0.5


def test_memory(out: Path, memory_run: subprocess.CompletedProcess[str]) -> None:
    result = json.loads((out / "memory.json").read_text())
    assert result["requests"] == 2_000 and len(result["samples"]) == 5
    assert all(sample["rss_kb"] > 0 for sample in result["samples"])


@pytest.mark.usefixtures("throughput_run", "workers_run", "memory_run")
def test_the_table_shows_what_ran(out: Path) -> None:
    done = bench("run_all.py", out, "--table")
    for text in ("streamed events/s", "`--workers 2` vs 1", "RSS after 1,000 → 2,000 requests"):
        assert text in done.stdout


def test_loadgen_refuses_anything_but_loopback() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "loadgen.py"), "--url", "http://example.com/v1/chat/completions"],
        input=b"{}",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and b"only 127.0.0.1" in done.stderr
