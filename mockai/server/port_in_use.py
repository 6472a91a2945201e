"""One clear line when a command cannot listen: which port, and which process holds it when the OS says.

On Linux the holder is found the way ``ss -p`` finds it: the listening socket's inode in
``/proc/net/tcp`` (and ``tcp6``), then the process with a file descriptor on that inode.  Best
effort: another user's processes cannot be read, other systems have no ``/proc``; then the line
simply does not name one.  Nothing here raises, and the search is bounded in time.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

__all__ = ["listen_error", "port_holder"]

_PROC = Path("/proc")
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column
_SEARCH_SECONDS = 1.0
_COMMAND_CHARS = 80


def listen_error(host: str, port: int, exc: OSError) -> str:
    """The line a command prints when binding ``host:port`` failed with ``exc``."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        holder = port_holder(port)
        by = f" by {holder}" if holder else ""
        return (
            f"mockai: cannot listen on {where}: the port is already in use{by}; "
            "stop it or choose another --port (--port 0 picks a free one)"
        )
    if exc.errno == errno.EACCES:
        return f"mockai: cannot listen on {where}: permission denied (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"mockai: cannot listen on {where}: no such address on this machine (see --host)"
    reason = exc.strerror or str(exc)
    return f"mockai: cannot listen on {where}: {reason}"


def port_holder(port: int, proc: Path = _PROC) -> str | None:
    """``pid N (command line)`` of a process listening on TCP ``port``, or None when unknown."""
    try:
        inodes = _listening_inodes(port, proc)
        if not inodes:
            return None
        found = _process_with_socket({f"socket:[{inode}]" for inode in inodes}, proc)
    except Exception:  # best effort: never let the diagnosis hide the error itself
        return None
    if found is None:
        return None
    pid, command = found
    return f"pid {pid} ({command})" if command else f"pid {pid}"


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            _, _, hex_port = fields[1].rpartition(":")
            if hex_port == f"{port:04X}" and fields[9] != "0":
                inodes.add(fields[9])
    return inodes


def _process_with_socket(targets: set[str], proc: Path) -> tuple[int, str] | None:
    deadline = time.monotonic() + _SEARCH_SECONDS
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        if time.monotonic() > deadline:
            return None
        try:
            fds = os.scandir(Path(entry.path) / "fd")
        except OSError:  # another user's process, or gone
            continue
        with fds:
            for fd in fds:
                try:
                    if os.readlink(fd.path) in targets:
                        return int(entry.name), _command_line(Path(entry.path))
                except OSError:
                    continue
    return None


def _command_line(pid_dir: Path) -> str:
    try:
        raw = (pid_dir / "cmdline").read_bytes()
    except OSError:
        return ""
    # Arguments apart by spaces, and no control character (a newline in a `python -c` script)
    # breaks the one line this is said in.
    text = "".join(c if c.isprintable() else " " for c in raw.decode("utf-8", "replace")).strip()
    return text if len(text) <= _COMMAND_CHARS else text[: _COMMAND_CHARS - 1] + "…"
