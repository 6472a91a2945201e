"""How much CPU a server process has used: for bounds that mean work done, which a loaded machine
(a 2-core CI box running the suite on two workers) stretches in wall time but not in CPU time."""

from __future__ import annotations

from pathlib import Path

__all__ = ["main_thread_cpu_s"]


def main_thread_cpu_s(pid: int) -> float | None:
    """Seconds of CPU the main thread of process ``pid`` has run (Linux ``/proc/PID/schedstat``,
    counted in nanoseconds); None where the system does not say."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
