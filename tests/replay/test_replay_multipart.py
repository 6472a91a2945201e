"""Multipart requests (audio transcriptions, file uploads) replay although the client draws a new
random boundary each time: they match on their parts, a file's content by digest."""

from __future__ import annotations

from pathlib import Path

from mockai.replay.cassette import CassetteRequest, CassetteResponse, Interaction
from mockai.replay.cassette_file import CassetteFile
from mockai.replay.index import CassetteIndex, parse_body
from tests.support.clients import sdk
from tests.support.servers import mockai_process

AUDIO = b"RIFF\x00\x01\xff\xfeWAVE\r\n--not-a-boundary\r\n\x80"
PATH = "/v1/audio/transcriptions"


def _form(boundary: str, audio: bytes = AUDIO, model: str = "whisper-1") -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n{model}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            f"Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + audio
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _recorded(boundary: str) -> Interaction:
    _, text = parse_body(_form(boundary))
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    request = CassetteRequest("POST", PATH, headers=headers, text=text)
    return Interaction(request, CassetteResponse(200, (("content-type", "application/json"),), b'{"text": "hi"}'))


def test_a_multipart_request_matches_whatever_its_boundary() -> None:
    recorded = _recorded("4a1f0c9e2b")
    index = CassetteIndex([recorded])
    assert index.take("POST", PATH, "", _form("d7c3b5a1e8f0"), repeat_last=True) is recorded
    assert index.take("POST", PATH, "", _form("d7c3b5a1e8f0", audio=b"other audio"), repeat_last=True) is None
    assert index.take("POST", PATH, "", _form("d7c3b5a1e8f0", model="gpt-4o-transcribe"), repeat_last=True) is None
    why = index.explain_miss("POST", PATH, "", _form("d7c3b5a1e8f0", audio=b"other audio"))
    assert "(multipart)[1].sha256" in why
    why = index.explain_miss("POST", PATH, "", _form("d7c3b5a1e8f0", model="gpt-4o-transcribe"))
    assert '"whisper-1"' in why and '"gpt-4o-transcribe"' in why


def test_a_recorded_transcription_replays_to_the_sdk(tmp_path: Path) -> None:
    cassette = tmp_path / "audio.yaml"
    file = CassetteFile(cassette)
    file.append(_recorded("0123456789abcdef"))
    file.flush()
    with mockai_process("serve", "--port", "0", "--quiet", "--cassette", str(cassette)) as server:
        client = sdk(server.url)
        result = client.audio.transcriptions.create(file=("a.wav", AUDIO, "audio/wav"), model="whisper-1")
        assert result.text == "hi"
