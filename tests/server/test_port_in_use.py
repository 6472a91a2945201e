"""A port already in use: one clear line, naming the process that holds it when the OS says."""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockai.server.port_in_use import listen_error, port_holder
from tests.support.servers import run_cli

linux_proc = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port of 127.0.0.1 this test process listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


@linux_proc
@pytest.mark.parametrize("command", ["serve", "record", "serve --workers 2"])
def test_one_line_naming_the_port_and_the_process_holding_it(held_port: int, command: str) -> None:
    extra = ["--upstream", "http://127.0.0.1:9/v1", "--cassette", os.devnull + ".yaml"] if command == "record" else []
    done = run_cli(*command.split(), "--port", str(held_port), *extra, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not line.startswith("mockai: note:")]
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith(
        f"mockai: cannot listen on 127.0.0.1:{held_port}: the port is already in use by pid {os.getpid()} ("
    )
    assert line.endswith("; stop it or choose another --port (--port 0 picks a free one)")
    assert sys.executable.rsplit("/", 1)[-1] in line  # the holder's command line: this pytest
    assert line.count(str(held_port)) == 1  # said once (aiohttp's own wording repeated the address)


@linux_proc
def test_the_holder_is_found_through_proc(held_port: int) -> None:
    holder = port_holder(held_port)
    assert holder is not None and holder.startswith(f"pid {os.getpid()} (")
    assert len(holder) <= len(f"pid {os.getpid()} ()") + 80


def test_a_free_port_has_no_holder() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])  # bound, not listening: nobody holds it for connections
    assert port_holder(port) is None


def test_unreadable_or_garbled_proc_names_no_one_and_never_raises(tmp_path: Path) -> None:
    assert port_holder(8000, proc=tmp_path / "missing") is None
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text("header\n garbage line\n 0: 0100007F:ZZZZ 00000000:0000 0A x x x x x 1\n")
    assert port_holder(8000, proc=tmp_path) is None
    # The socket is listed, but no process can be read: the line names no one.
    (tmp_path / "net" / "tcp6").write_text(
        "header\n   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n"
    )
    (tmp_path / "123" / "fd").mkdir(parents=True)
    assert port_holder(8000, proc=tmp_path) is None
    (tmp_path / "123" / "fd" / "3").symlink_to("socket:[4242]")
    (tmp_path / "123" / "cmdline").write_bytes(b"python3\0-m\0http.server\x008000\0")
    assert port_holder(8000, proc=tmp_path) == "pid 123 (python3 -m http.server 8000)"
    # A script given on the command line keeps the message on one line.
    (tmp_path / "123" / "cmdline").write_bytes(b"python3\0-c\0import socket\ns = socket.socket()\r\n\tpass\0")
    assert port_holder(8000, proc=tmp_path) == "pid 123 (python3 -c import socket s = socket.socket()   pass)"


def test_other_listen_errors_are_one_line_too() -> None:
    line = listen_error("10.255.255.1", 8000, OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"))
    assert line == "mockai: cannot listen on 10.255.255.1:8000: no such address on this machine (see --host)"
    line = listen_error("0.0.0.0", 80, OSError(errno.EACCES, "Permission denied"))
    assert "permission denied" in line and "\n" not in line
    assert listen_error("h", 1, OSError(errno.EIO, "I/O error")) == "mockai: cannot listen on h:1: I/O error"
