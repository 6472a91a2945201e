"""A security audit (two breaks in how a cassette is written): recorders in several processes
sharing one cassette lost each other's exchanges (the last writer won), and appending to a
cassette rewrote it, dropping the user's comments and keys and turning a symbolic link into a
copy.  Writers now hold an OS lock and append to the text on disk."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiohttp import web

from mockai.replay.cassette import CassetteRequest, CassetteResponse, Interaction, Redaction, load_cassette
from mockai.replay.cassette_file import CassetteFile
from tests.support.bodies import chat
from tests.support.clients import post_chat
from tests.support.servers import AppThread, mockai_process

# A writer in a child process: waits for the go file (so both write at once), then appends and
# flushes its exchanges one by one, each tagged with its name and number.
_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mockai.replay.cassette import CassetteRequest, CassetteResponse, Interaction
    from mockai.replay.cassette_file import CassetteFile

    path, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    deadline = time.monotonic() + 20
    while not go.exists() and time.monotonic() < deadline:
        pass
    file = CassetteFile(path)
    for n in range(count):
        body = {"writer": name, "n": n}
        file.append(Interaction(CassetteRequest("POST", "/v1/chat/completions", body=body), CassetteResponse(200)))
        file.flush()
    """
)


def _item(n: int, tag: str = "mine") -> Interaction:
    return Interaction(
        CassetteRequest("POST", "/v1/chat/completions", body={"tag": tag, "n": n}),
        CassetteResponse(200, (("content-type", "application/json"),), f'{{"n": {n}}}'.encode()),
    )


def _record(path: Path, *items: Interaction, redaction: Redaction | None = None) -> None:
    """Append ``items`` to the cassette at ``path`` the way a new recording run does."""
    file = CassetteFile(path, load_cassette(path) if path.exists() else None, redaction)
    for item in items:
        file.append(item)
        file.flush()


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_two_processes_appending_to_one_cassette_at_once_lose_nothing(tmp_path: Path, suffix: str) -> None:
    path, go, count = tmp_path / f"shared.{suffix}", tmp_path / "go", 25
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name, str(count), str(go)]) for name in "ab"]
    go.touch()
    for writer in writers:
        assert writer.wait(timeout=30) == 0
    bodies = [i.request.body for i in load_cassette(path).interactions]
    assert len(bodies) == 2 * count
    for name in "ab":  # each writer's exchanges, all there, in the order it wrote them
        assert [b["n"] for b in bodies if b["writer"] == name] == list(range(count))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", path.name]  # no lock or temp file left


async def _upstream_chat(request: web.Request) -> web.Response:
    sent = await request.json()
    return web.json_response({"object": "chat.completion", "echo": sent["messages"][0]["content"]})


def test_two_mockai_record_runs_on_one_cassette_keep_every_exchange(tmp_path: Path) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _upstream_chat)
    cassette = tmp_path / "shared.yaml"
    args = ("record", "--cassette", str(cassette), "--port", "0", "--upstream")
    with AppThread(app) as upstream, mockai_process(*args, upstream.url) as a, mockai_process(*args, upstream.url) as b:
        for n in range(4):
            for name, recorder in (("a", a), ("b", b)):
                assert post_chat(recorder.url, chat(f"{name}{n}")).status_code == 200
    said = [i.request.body["messages"][0]["content"] for i in load_cassette(cassette).interactions]
    assert said == [f"{name}{n}" for n in range(4) for name in "ab"]  # one after the other, as sent


def test_another_process_s_exchanges_join_the_list_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    mine, theirs = CassetteFile(path), CassetteFile(path)
    mine.append(_item(0))
    mine.flush()
    theirs.append(_item(1, "theirs"))
    theirs.flush()
    mine.append(_item(2))
    mine.flush()
    expected = [(i.request.body["tag"], i.request.body["n"]) for i in load_cassette(path).interactions]
    assert expected == [("mine", 0), ("theirs", 1), ("mine", 2)]
    assert [(i.request.body["tag"], i.request.body["n"]) for i in mine.cassette.interactions] == expected


_EDITED_YAML = """\
# My notes, above mockai's header: keep them.
version: 1
owner: team-search        # a key mockai does not know
interactions:
# NOTE: the first exchange is the golden one; do not re-record
- note: golden exchange, checked by hand
  request:
    method: POST
    path: /v1/chat/completions
    body: {tag: golden, n: 0}      # flow style, as I like it
  response:
    status: 200
    body: '{"n": 0}'

# trailing remark
"""

_EDITED_JSON = """{
  "version": 1,
  "owner": "team-search",
  "interactions": [
    {"note": "golden", "request": {"method": "POST", "path": "/v1/chat/completions", "body": {"tag": "golden", "n": 0}},
     "response": {"status": 200, "body": "{\\"n\\": 0}"}}
  ]
}
"""


@pytest.mark.parametrize(("suffix", "text"), [("yaml", _EDITED_YAML), ("json", _EDITED_JSON)])
def test_comments_and_unknown_keys_survive_an_append_byte_for_byte(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"edited.{suffix}"
    path.write_text(text)
    _record(path, _item(1), _item(2), redaction=Redaction())
    after = path.read_bytes()
    if suffix == "yaml":
        assert after.startswith(text.encode())  # every byte the user wrote, then the new exchanges
    else:
        assert after.startswith(text.encode()[: text.rindex("}}") + 2])
        data = json.loads(after)
        assert data["owner"] == "team-search" and data["interactions"][0]["note"] == "golden"
    assert [i.request.body["n"] for i in load_cassette(path).interactions] == [0, 1, 2]


def test_a_cassette_mockai_wrote_and_a_user_annotated_keeps_the_annotations(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _record(path, _item(0), redaction=Redaction(fields=("user",)))
    annotated = path.read_text().replace("- request:", "# the golden one\n- note: by hand\n  request:", 1)
    path.write_text(annotated)
    _record(path, _item(1), redaction=Redaction(fields=("user",)))  # the same redaction: the header stands
    assert path.read_text().startswith(annotated)
    _record(path, _item(2), redaction=Redaction())  # other redaction: mockai's own header says so again
    text = path.read_text()
    assert "# the golden one\n- note: by hand\n" in text
    assert "the first 2 exchange(s) were recorded before it" in text.replace("\n# ", " ")
    assert [i.request.body["n"] for i in load_cassette(path).interactions] == [0, 1, 2]


def test_an_edited_header_is_kept_and_a_comment_says_what_the_appended_exchanges_removed(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _record(path, _item(0), redaction=Redaction(fields=("user",)))
    edited = "# Recorded against the staging API.\n" + path.read_text()
    path.write_text(edited)
    _record(path, _item(1), redaction=Redaction(headers=("X-Trace",)))
    text = path.read_text()
    assert text.startswith(edited)
    appended = text[len(edited) :]
    assert appended.startswith("# The exchanges below were recorded by mockai")
    assert "Also not written: the headers x-trace." in appended
    assert [i.request.body["n"] for i in load_cassette(path).interactions] == [0, 1]


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_symlinked_cassette_stays_a_link_and_its_target_gets_the_exchange(tmp_path: Path, suffix: str) -> None:
    store = tmp_path / "shared_store"
    store.mkdir()
    target = store / f"golden.{suffix}"
    _record(target, _item(0))
    link = tmp_path / "tests" / f"linked.{suffix}"
    link.parent.mkdir()
    link.symlink_to(target)
    _record(link, _item(1))
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert [i.request.body["n"] for i in load_cassette(target).interactions] == [0, 1]
    assert sorted(p.name for p in link.parent.iterdir()) == [link.name]  # nothing written beside the link


def test_a_relative_symlink_to_a_cassette_not_written_yet_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    link = tmp_path / "c.yaml"
    link.symlink_to(Path("store") / "c.yaml")
    _record(link, _item(0))
    assert link.is_symlink()
    assert [i.request.body["n"] for i in load_cassette(tmp_path / "store" / "c.yaml").interactions] == [0]


def test_a_cassette_that_no_longer_reads_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    file = CassetteFile(path)
    file.append(_item(0))
    file.flush()
    broken = b"version: 1\ninteractions:\n- request: [unclosed\n"
    path.write_bytes(broken)
    file.append(_item(1))
    with pytest.raises(ValueError, match="left as it is"):
        file.flush()
    assert path.read_bytes() == broken
    path.write_bytes(b"")  # the user empties it: the waiting exchange is written
    file.flush()
    assert [i.request.body["n"] for i in load_cassette(path).interactions] == [1]
