"""mockai's streams have the same kinds of chunk, in the same order and with the same keys, as
real recorded streams for the same request (read from ../shared; the recordings stay out of the repo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import post_chat
from tests.support.reference import shared_params

# 2024 snapshots by the SDK's own account: the role chunk came alone and no service_tier or
# obfuscation existed; mockai follows the 2025+ shape of 13 and 14 (conformance §7).
OLD_SHAPE = {"25_sdk_stream_parallel_tools_strict.json"}


def recorded_streams(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.glob("*.json"))
        if json.loads(p.read_text())["response"].get("body_text", "").startswith("data:")
    ]


def kind(chunk: dict[str, Any]) -> str:
    if not chunk["choices"]:
        return "usage"
    delta = chunk["choices"][0]["delta"]
    if "role" in delta:
        return "role+tool" if delta.get("tool_calls") else "role"
    if "tool_calls" in delta:
        return "tool_open" if "id" in delta["tool_calls"][0] else "tool_args"
    if "refusal" in delta:
        return "refusal"
    if "content" in delta:
        return "content"
    return "finish"


def shape(chunks: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Per choice index: the kinds with runs collapsed (the number of delta chunks may differ),
    and further parallel tool calls (open + args after args) folded into the first one."""
    out: dict[int, list[str]] = {}
    for chunk in chunks:
        index = chunk["choices"][0]["index"] if chunk["choices"] else -1
        kinds = out.setdefault(index, [])
        k = kind(chunk)
        if kinds and kinds[-1] == k:
            continue
        if k == "tool_open" and kinds and kinds[-1] in ("tool_args", "tool_open*"):
            kinds[-1] = "tool_open*"  # another call follows: fold it
            continue
        if k == "tool_args" and kinds and kinds[-1] == "tool_open*":
            kinds[-1] = "tool_args"
            continue
        kinds.append(k)
    return out


def keys_by_kind(chunks: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    out = {}
    for chunk in chunks:
        k = kind(chunk)
        choice = chunk["choices"][0] if chunk["choices"] else {}
        delta = choice.get("delta", {})
        calls = delta.get("tool_calls") or [{}]
        out.setdefault(
            k,
            (
                tuple(chunk),
                tuple(choice),
                tuple(delta),
                tuple(calls[0]),
                None if not choice else choice.get("logprobs") is None,
            ),
        )
    return out


@pytest.mark.parametrize("path", shared_params(recorded_streams, "conformance", "real_traffic"))
def test_stream_shape_matches_recording(base_url: str, path: Path) -> None:
    if path.name in OLD_SHAPE:
        pytest.skip("2024 stream shape (role chunk alone); mockai follows the 2025+ shape")
    record = json.loads(path.read_text())
    real = [json.loads(e[6:]) for e in record["response"]["body_text"].split("\n\n") if e.startswith("data: {")]
    body = dict(record["request"]["body"])
    if any("tool_calls" in c["choices"][0]["delta"] for c in real if c["choices"]):
        body["tool_choice"] = "required"  # make the seeded answer the same kind as the recorded one
        body["parallel_tool_calls"] = sum(1 for c in real if c["choices"] and kind(c) in ("tool_open", "role+tool")) > 1
    options = dict(body.get("stream_options") or {})
    if "obfuscation" not in real[0]:
        options["include_obfuscation"] = False  # recorded before the field existed (2025-08)
    if options:
        body["stream_options"] = options
    response = post_chat(base_url, body)
    assert response.status_code == 200, response.text
    ours = [json.loads(e[6:]) for e in response.text.split("\n\n") if e.startswith("data: {")]
    real_has_usage = any(not c["choices"] for c in real)
    if real_has_usage and not (body.get("stream_options") or {}).get("include_usage"):
        real = [c for c in real if c["choices"]]  # SDK snapshot caveat (conformance §7): usage w/o include_usage
        for c in real:
            c.pop("usage", None)
    assert shape(ours) == shape(real)
    ours_keys, real_keys = keys_by_kind(ours), keys_by_kind(real)
    for k, real_value in real_keys.items():
        top, choice, delta, call, lp_null = real_value
        top = tuple(x for x in top if x != "service_tier" or "service_tier" in ours[0])
        o_top, o_choice, o_delta, o_call, o_lp_null = ours_keys[k]
        if "service_tier" not in real[0]:
            o_top = tuple(x for x in o_top if x != "service_tier")
        assert (o_top, o_choice, o_delta, o_call) == (top, choice, delta, call), k
        assert o_lp_null == lp_null, k
