"""A state's lifetime: renewing it (every test's reset) lets go of the old state's store file, at
once when no request is using it, else when the last one is done; a file that is not a mockai
store is refused without being changed."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sized
from pathlib import Path

import httpx
import pytest

from mockai.core.sqlite_file import SQLiteFile
from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server, wait_for


def _open_handles(path: Path) -> int:
    """File descriptors of this process open on ``path`` (or its -wal / -shm companions)."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target in names
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc (Linux)")
def test_renewing_the_state_lets_go_of_the_old_store_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with running_server(store_path=path) as server:
        HTTP.post(
            f"{server.base_url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "store": True},
            headers=AUTH,
        ).raise_for_status()
        server.renew()
        settled = _open_handles(path)  # the fresh state's connections
        for _ in range(40):
            server.renew()
        assert _open_handles(path) == settled  # it was two more connections a renewal, never closed
    assert _open_handles(path) == 0


def test_a_request_in_flight_keeps_its_replaced_state_open(tmp_path: Path) -> None:
    """A stored Responses stream paced by a rule is stored when it ends: renewing the state in the
    middle must not close the store under it."""
    path = tmp_path / "store.db"
    with running_server(store_path=path) as server:
        server.run(
            lambda: server.state.scenarios.on(user_contains="slow").reply("one two three four").delay(chunk=0.05)
        )
        answer: list[httpx.Response] = []
        body = {"model": "gpt-4o-mini", "input": "slow please", "stream": True}
        url = f"{server.base_url}/responses"
        worker = threading.Thread(target=lambda: answer.append(HTTP.post(url, json=body, headers=AUTH, timeout=30)))
        worker.start()
        old = server.state
        wait_for(lambda: old.users > 0 or None, "the stream to start")
        server.renew()
        worker.join(30)
        assert answer and answer[0].status_code == 200
        assert (
            answer[0].text.rstrip().endswith('"type":"response.completed"}') or "response.completed" in answer[0].text
        )
        assert "event: error" not in answer[0].text
        wait_for(lambda: _closed(old.responses), "the old state's store to close after its last request")


def _closed(store: Sized) -> bool | None:
    try:
        len(store)
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return True
    return None


def test_a_file_that_is_not_a_mockai_store_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO accounts (name) VALUES ('ada')")
    db.commit()
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="not a mockai store file"):
        SQLiteFile(path, "CREATE TABLE IF NOT EXISTS t (x)")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(f"{path}-wal").exists()
