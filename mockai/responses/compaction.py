"""``POST /v1/responses/compact`` (``client.responses.compact``): a conversation compacted.

The body takes the parameters of the spec's compact body (``model``, required; ``input``,
``instructions``, ``previous_response_id``, prompt caching, ``service_tier``, ``image``,
``safety_identifier``, which the answer echoes), checked
as ``POST /v1/responses`` checks them; any other is the real ``Unknown parameter`` 400.  The
conversation is the one a Response to the same request would read: the stored chain of
``previous_response_id`` (an unknown id: the real 404), then ``input``.

The answer is a ``response.compaction``: its ``output`` is every user message of the conversation,
oldest first, as the API reference describes it ("all user messages, followed by a single
compaction item"), laid out as its example shows them (``type``, ``role``, ``content``), then one
``compaction`` item whose ``encrypted_content`` is opaque (``gAAAAA…``, as encrypted reasoning).
Sent back as ``input``, those items continue the conversation.  ``usage``: the conversation's
input tokens, as ``usage.input_tokens`` of the same request would count them, and a summary's
output tokens drawn from them.  Ids and ``created_at`` are drawn from the request and the server's
seed (the same request gives the same bytes); a compaction continuing a Response shares its id
group, as a Response continuing it would.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

from mockai.core.errors import unknown_parameter
from mockai.core.json_text import canonical_bytes, indented_bytes
from mockai.core.plan import Usage
from mockai.responses.input_items import input_items
from mockai.responses.planner import fernet_like, parent_group
from mockai.responses.render_json import usage_dict
from mockai.responses.validation import TOP_LEVEL, validate_responses_request

__all__ = ["COMPACTED", "compacted_body", "validate_compact_request"]

# The compact body's parameters (the spec's, and the SDK 3.57's and 3.60's), as /v1/responses knows them.
COMPACTED = (
    frozenset(
        {
            "model",
            "input",
            "instructions",
            "previous_response_id",
            "prompt_cache_key",
            "prompt_cache_options",
            "prompt_cache_retention",
            "service_tier",
            "image",
            "safety_identifier",  # (the SDK 3.60's)
        }
    )
    & TOP_LEVEL
)
# Mockai's times: from 2025-01-01 on, as its Responses' (within a year of it).
_CREATED_BASE = 1_735_689_600
_YEAR = 31_536_000


def validate_compact_request(body: object) -> dict[str, Any]:
    """``body`` if it is a valid request to compact, else the API's error."""
    if isinstance(body, dict):
        fault = unknown_parameter(body, COMPACTED)
        if fault is not None:
            raise fault
        if "input" not in body and "model" in body:  # (optional here: a stored chain is compacted alone)
            body = {**body, "input": []}
    return validate_responses_request(body)


def compacted_body(
    body: Mapping[str, Any], history: Iterable[Mapping[str, Any]], tokens: int, server_seed: int
) -> bytes:
    """The answer to the compact request ``body`` (validated), whose conversation so far is
    ``history`` (stored items) and whose conversation counts ``tokens`` input tokens."""
    digest = hashlib.blake2b(canonical_bytes(body), key=b"mockai-compaction", digest_size=32)
    digest.update(str(server_seed).encode())
    seed = digest.digest()
    group = parent_group(body.get("previous_response_id")) or seed[:8].hex()  # (as a Response continuing it)
    created_at = _CREATED_BASE + int.from_bytes(seed[8:12], "big") % _YEAR
    response_id = f"resp_{group}00{created_at:08x}{seed[12:24].hex()}"
    given = input_items(body.get("input"), response_id)
    rng = random.Random(seed)
    output: list[dict[str, Any]] = [_user_message(item) for item in (*history, *given) if _is_user_message(item)]
    output.append(
        {
            "id": f"cmp_{group}00{created_at + 1:08x}{hashlib.blake2b(seed, digest_size=12).hexdigest()}",
            "type": "compaction",
            "encrypted_content": fernet_like(rng, created_at, min(8 + tokens // 64, 256)),
        }
    )
    summary = min(tokens, 64 + rng.randrange(max(tokens // 4, 1)))
    usage = usage_dict(Usage(prompt_tokens=tokens, completion_tokens=summary))  # (a Response's usage)
    payload = {
        "id": response_id,
        "object": "response.compaction",
        "created_at": created_at,
        "output": output,
        "usage": usage,
    }
    if body.get("safety_identifier") is not None:  # (the SDK 3.60's compacted response has it)
        payload["safety_identifier"] = body["safety_identifier"]
    return indented_bytes(payload)[:-1]  # (a Response's layout: 2-space indent, no trailing newline)


def _is_user_message(item: Mapping[str, Any]) -> bool:
    return item.get("type", "message") == "message" and item.get("role") == "user"


def _user_message(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": item.get("content") or []}
