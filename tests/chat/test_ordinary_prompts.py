"""Ordinary prompts get the same answers as before prompt schemas were followed (issue 16).

``tests/chat/ordinary_prompts.json`` holds 235 requests that follow no JSON Schema: plain and code
questions, prompts that mention JSON, ``json_object`` requests without a schema, schemas pasted
for discussion (no JSON answer asked), system/developer prompts and conversations whose assistant
turns hold schemas.  Beside each is the SHA-256 of the answer's body as main gave it before
:mod:`mockai.chat.prompt_schema` existed.  To pin new answers deliberately (an intended change of
output), run ``python -m tests.chat.test_ordinary_prompts`` and commit the diff with the reason.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tests.support.clients import AUTH, HTTP
from tests.support.servers import running_server

CORPUS = Path(__file__).resolve().parent / "ordinary_prompts.json"


def answer_digests(requests: dict[str, Any]) -> dict[str, str]:
    """name → SHA-256 of the body a fresh default server answers (each must be a 200)."""
    out: dict[str, str] = {}
    with running_server() as server:
        for name, body in requests.items():
            response = HTTP.post(f"{server.base_url}/chat/completions", json=body, headers=AUTH)
            assert response.status_code == 200, (name, response.text)
            out[name] = hashlib.sha256(response.content).hexdigest()
    return out


def test_the_corpus_is_large_and_varied() -> None:
    corpus = json.loads(CORPUS.read_text())
    assert len(corpus) >= 200
    kinds = {name.rsplit("-", 1)[0] for name in corpus}
    assert {"plain", "code", "json-mention", "schema-talk", "json-object", "conversation"} <= kinds


def test_ordinary_prompts_get_byte_identical_answers() -> None:
    corpus = json.loads(CORPUS.read_text())
    now = answer_digests({name: entry["request"] for name, entry in corpus.items()})
    changed = [name for name, entry in corpus.items() if now[name] != entry["answer_sha256"]]
    assert not changed, f"{len(changed)} of {len(corpus)} answers changed: {changed[:10]}"


if __name__ == "__main__":
    entries = json.loads(CORPUS.read_text())
    digests = answer_digests({name: entry["request"] for name, entry in entries.items()})
    pinned = {name: {"request": entry["request"], "answer_sha256": digests[name]} for name, entry in entries.items()}
    CORPUS.write_text(json.dumps(pinned, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {CORPUS}", file=sys.stderr)
