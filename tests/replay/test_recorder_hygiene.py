"""Finding 11 of issue 15: a recording cleans the temporary files a killed run left beside its
cassette, and the cassette's header tells the truth about what was redacted (which headers,
which body fields, and plainly when bodies were not redacted)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mockai.replay.cassette import (
    Cassette,
    CassetteRequest,
    CassetteResponse,
    Interaction,
    Redaction,
    dump_cassette,
    load_cassette,
)
from mockai.replay.cassette_file import CassetteFile, remove_stale_temp_files, write_atomic
from tests.support.bodies import chat
from tests.support.clients import AUTH, HTTP, post_chat
from tests.support.servers import ServerFactory, mockai_process

SECRET_USER = "alice.SECRET@example.com"
SECRET_KEY = "sk-SECRET-hygiene-0123456789"


def _interaction() -> Interaction:
    return Interaction(CassetteRequest("POST", "/v1/chat/completions", body=chat("hi")), CassetteResponse(200))


def _leftovers(folder: Path, name: str) -> tuple[list[Path], list[Path]]:
    """Temporary files as a killed ``write_atomic`` leaves them, and files that only look alike."""
    stale = []
    for _ in range(3):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)  # write_atomic's names
        os.write(fd, b"half a cassette")
        os.close(fd)
        stale.append(Path(tmp))
    decoys = [
        folder / f".other-{name}.abcdefgh.tmp",  # another cassette's
        folder / f"{name}.abcdefgh.tmp",  # no leading dot
        folder / f".{name}.notes.tmp",  # not 8 characters
        folder / f".{name}.abcdefgh.tmp.keep",
        folder / "notes.txt",
    ]
    for decoy in decoys:
        decoy.write_text("mine")
    return stale, decoys


def test_mockai_record_removes_a_killed_run_s_temp_files_at_start(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    upstream = server_factory()
    cassette = tmp_path / "chat.yaml"
    stale, decoys = _leftovers(tmp_path, cassette.name)
    with mockai_process("record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0"):
        assert not any(p.exists() for p in stale)
        assert all(p.read_text() == "mine" for p in decoys)


def test_serve_in_a_record_mode_removes_them_too(tmp_path: Path, server_factory: ServerFactory) -> None:
    upstream = server_factory()
    cassette = tmp_path / "chat.json"
    stale, decoys = _leftovers(tmp_path, cassette.name)
    recorder = server_factory(cassette=cassette, record_mode="new_episodes", upstream=upstream.base_url)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in decoys)
    assert post_chat(recorder.base_url, chat("hi")).status_code == 200
    notes = json.loads(cassette.read_text())["redaction"]  # a JSON cassette says it as data
    assert any("Bodies were NOT otherwise redacted" in note for note in notes)
    assert len(load_cassette(cassette).interactions) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == sorted(
        d.name for d in decoys if d.name.endswith(".tmp")
    )  # and the recording itself left none


def test_cleaning_a_missing_folder_or_a_clean_one_does_nothing(tmp_path: Path) -> None:
    assert remove_stale_temp_files(tmp_path / "nowhere" / "c.yaml") == []
    write_atomic(tmp_path / "c.yaml", b"version: 1\n")
    assert remove_stale_temp_files(tmp_path / "c.yaml") == []
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def _record_one(server_factory: ServerFactory, cassette: Path, **redaction: tuple[str, ...]) -> None:
    upstream = server_factory()
    recorder = server_factory(cassette=cassette, record_mode="new_episodes", upstream=upstream.base_url, **redaction)
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "X-Trace": "trace-SECRET"}
    response = post_chat(recorder.base_url, chat("hello", user=SECRET_USER), headers=headers)
    assert response.status_code == 200


def _header(cassette: Path) -> str:
    lines = cassette.read_text().splitlines()
    return "\n".join(line[2:] for line in lines if line.startswith("# "))


def test_a_cassette_with_bodies_not_redacted_says_so(tmp_path: Path, server_factory: ServerFactory) -> None:
    cassette = tmp_path / "plain.yaml"
    _record_one(server_factory, cassette)
    header, text = _header(cassette), cassette.read_text()
    assert "Secrets were removed" not in text
    assert "Bodies were NOT otherwise redacted" in header.replace("\n", " ")
    assert SECRET_USER in text  # true: the body is as sent
    assert "authorization" in header and SECRET_KEY not in text  # true: the key is not written
    assert "x-trace" not in header and "trace-SECRET" in text  # not said to be removed, and it is not
    assert len(load_cassette(cassette).interactions) == 1


def test_a_cassette_names_the_headers_and_fields_it_redacted(tmp_path: Path, server_factory: ServerFactory) -> None:
    cassette = tmp_path / "redacted.yaml"
    _record_one(server_factory, cassette, redact_fields=("user",), redact_headers=("X-Trace",))
    header, text = _header(cassette).replace("\n", " "), cassette.read_text()
    assert "Also not written: the headers x-trace." in header and "trace-SECRET" not in text
    assert "Request body fields written as <redacted> (at any depth): user." in header
    assert "Response bodies were not redacted" in header and "NOT redacted" not in header
    assert SECRET_USER not in text and SECRET_KEY not in text
    assert load_cassette(cassette).interactions[0].request.body["user"] == "<redacted>"


def test_a_cassette_with_redacted_fields_replays_without_the_flags(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    """A record/replay audit: recorded with --redact-field content, the exchange was a miss on a
    replay not given the flag again (the live request's content never equals "<redacted>").  The
    fields recorded as <redacted> are left out of matching whatever the replaying server's flags."""
    cassette = tmp_path / "redacted.yaml"
    _record_one(server_factory, cassette, redact_fields=("content",))
    assert load_cassette(cassette).interactions[0].request.body["messages"][0]["content"] == "<redacted>"
    replayer = server_factory(cassette=cassette)
    replayed = post_chat(replayer.base_url, chat("hello", user=SECRET_USER))
    assert replayed.status_code == 200, replayed.text
    other_model = {**chat("hello", user=SECRET_USER), "model": "gpt-4.1"}
    assert post_chat(replayer.base_url, other_model).status_code == 404  # (what is not redacted still counts)


def test_appending_to_a_cassette_says_earlier_exchanges_were_recorded_before(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    cassette = tmp_path / "grown.yaml"
    _record_one(server_factory, cassette, redact_fields=("user",))
    assert "recorded before" not in _header(cassette)
    upstream = server_factory()
    recorder = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    assert post_chat(recorder.base_url, chat("again")).status_code == 200
    header = _header(cassette).replace("\n", " ")
    assert (
        "Bodies were NOT otherwise redacted" in header and "the first 1 exchange(s) were recorded before it" in header
    )
    assert len(load_cassette(cassette).interactions) == 2


def test_a_cassette_written_without_its_redaction_does_not_claim_one(tmp_path: Path) -> None:
    unknown = dump_cassette(Cassette()).decode()
    assert "Secrets were removed" not in unknown
    assert "What else was redacted is not recorded" in unknown.replace("\n# ", " ")
    assert "authorization" in unknown  # mockai never writes the secret headers, whoever records
    file = CassetteFile(tmp_path / "c.yaml", redaction=Redaction(headers=("X-A",), fields=("user", "metadata")))
    file.append(_interaction())
    file.flush()
    header = _header(tmp_path / "c.yaml").replace("\n", " ")
    assert "Also not written: the headers x-a." in header
    assert "(at any depth): user, metadata." in header


def test_mockais_admin_token_is_neither_forwarded_nor_kept(tmp_path: Path, server_factory: ServerFactory) -> None:
    """A client may send ``X-Mockai-Admin-Token`` with every request (shared default headers): it
    is mockai's, so it never goes upstream, and it is a secret, so the journal and the cassette
    never show it."""
    upstream = server_factory()
    cassette = tmp_path / "c.yaml"
    recorder = server_factory(cassette=cassette, record_mode="new_episodes", upstream=upstream.base_url)
    token = "admin-token-SECRET-42"
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "X-Mockai-Admin-Token": token}
    assert post_chat(recorder.base_url, chat("hello"), headers=headers).status_code == 200
    [received] = [e.to_dict() for e in upstream.state.journal]
    assert "x-mockai-admin-token" not in {name.lower() for name in received["headers"]}
    [journaled] = [e.to_dict() for e in recorder.state.journal]
    assert {k.lower(): v for k, v in journaled["headers"].items()}["x-mockai-admin-token"] == "<redacted>"
    assert token not in cassette.read_text()


ECHOED_KEY = "sk-ECHOED-secret-0123456789"


def test_a_key_the_upstream_echoes_is_not_written(tmp_path: Path, server_factory: ServerFactory) -> None:
    """An upstream (a gateway, a proxy) may quote the key it refused in its answer: a security
    audit found "Incorrect API key provided: sk-..." written whole into the cassette, body and
    stream events, while the request's own header was removed."""
    upstream = server_factory()
    upstream.state.scenarios.on().reply(f"Incorrect API key provided: {ECHOED_KEY}.")
    cassette = tmp_path / "echo.yaml"
    recorder = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    headers = {"Authorization": f"Bearer {ECHOED_KEY}", "Content-Type": "application/json"}
    for stream in (False, True):
        answer = post_chat(recorder.base_url, {**chat("hi"), "stream": stream}, headers=headers)
        assert answer.status_code == 200
        if not stream:  # (a stream has it in pieces, a token a delta)
            assert ECHOED_KEY in answer.text  # the client gets the answer as sent
    text = cassette.read_text()
    assert ECHOED_KEY not in text and text.count("Incorrect API key provided: <redacted>.") >= 1
    assert len(load_cassette(cassette).interactions) == 2


_PAGE_HEADERS = [
    ({"Origin": "http://rebind.evil.example"}, "record_origin_refused"),
    ({"Host": "rebind.evil.example:8000"}, "record_host_refused"),
    ({"Sec-Fetch-Site": "cross-site"}, "record_origin_refused"),
]


def _page_refused(base_url: str) -> None:
    for extra, code in _PAGE_HEADERS:
        sent = post_chat(base_url, chat("INJECTED BY A WEB PAGE"), headers={**AUTH, **extra})
        assert sent.status_code == 403, (extra, sent.text)
        assert sent.json()["error"]["code"] == code


def test_the_recorder_forwards_nothing_a_web_page_sends(tmp_path: Path, server_factory: ServerFactory) -> None:
    """A security audit's text/plain POST with a foreign Origin and a rebound Host was forwarded
    upstream (spending the user's quota, or read back through DNS rebinding) and appended to the
    cassette."""
    upstream = server_factory()
    cassette = tmp_path / "poll.yaml"
    with mockai_process("record", "--upstream", upstream.base_url, "--cassette", str(cassette), "--port", "0") as rec:
        _page_refused(rec.url)
        own = post_chat(rec.url, chat("hi"), headers={**AUTH, "Origin": rec.url.removesuffix("/v1")})
        assert own.status_code == 200  # (a page of the proxy's own origin is the user's)
    assert "INJECTED" not in cassette.read_text() and len(load_cassette(cassette).interactions) == 1


def test_serve_in_a_record_mode_forwards_nothing_a_web_page_sends(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    upstream = server_factory()
    cassette = tmp_path / "poll.yaml"
    recorder = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    _page_refused(recorder.base_url)
    assert post_chat(recorder.base_url, chat("hi")).status_code == 200
    assert "INJECTED" not in cassette.read_text() and len(load_cassette(cassette).interactions) == 1


MCP_TOKEN = "oauth-SECRET-mcp-0123456789"
MCP_HEADER = "Bearer sk-SECRET-mcp-header-0123"
MCP_TOOL = {
    "type": "mcp",
    "server_label": "deepwiki",
    "server_url": "https://mcp.example.com/mcp",
    "authorization": MCP_TOKEN,
    "headers": {"Authorization": MCP_HEADER, "X-Trace": "trace-kept"},
    "require_approval": "never",
}


def test_an_mcp_tools_credentials_are_never_written_nor_shown(tmp_path: Path, server_factory: ServerFactory) -> None:
    """A hostile audit: an MCP tool's OAuth ``authorization`` and its ``headers.Authorization``
    (credentials in the body, for the API to call the MCP server with) were kept verbatim in the
    journal, in the Response the journal shows, and in a recorded cassette (request, and the
    Response echoing its tools).  They are ``<redacted>`` like an Authorization header; a
    replay still matches the request that carries them."""
    upstream = server_factory()
    cassette = tmp_path / "mcp.yaml"
    recorder = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    body = {"model": "gpt-4o-mini", "input": "hi", "tools": [MCP_TOOL]}
    recorded = HTTP.post(f"{recorder.base_url}/responses", json=body, headers=AUTH)
    assert recorded.status_code == 200
    text = cassette.read_text()
    assert MCP_TOKEN not in text and MCP_HEADER not in text and "sk-SECRET-mcp-header" not in text
    assert "trace-kept" in text  # (a header that is no secret stays)
    for server in (upstream, recorder):
        admin = server.base_url.removesuffix("/v1") + "/_mockai/requests"
        shown = HTTP.get(admin).text
        assert MCP_TOKEN not in shown and "sk-SECRET-mcp-header" not in shown and "trace-kept" in shown
    replayer = server_factory(cassette=cassette)
    replayed = HTTP.post(f"{replayer.base_url}/responses", json=body, headers=AUTH)
    assert replayed.status_code == 200 and replayed.json()["id"] == recorded.json()["id"]


def test_an_mcp_tools_credentials_are_not_written_to_the_store_file(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    """A docs audit: the README says secrets never touch disk, but a stored Response (which echoes
    its tools) kept an MCP tool's credentials whole in the --store-path file."""
    path = tmp_path / "store.db"
    server = server_factory(store_path=path)
    for stream in (False, True):
        body = {"model": "gpt-4o-mini", "input": "hi", "tools": [MCP_TOOL], "stream": stream, "background": stream}
        assert HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH).status_code == 200
    server.state.close()
    written = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("store.db-*"))
    assert MCP_TOKEN.encode() not in written and b"sk-SECRET-mcp-header" not in written
    assert b"trace-kept" in written  # (what is no secret is kept)
