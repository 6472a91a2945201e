"""The ``reply:`` (or each of ``replies:``) of a scenario rule: from the YAML shape to a
:class:`~mockai.scenarios.rules.ReplySpec`.

What the JSON Schema cannot say is checked here: a choice that says nothing, ``content`` and
``json`` together, templates that do not compile, an error reply that also answers.  Problems are
raised as :class:`~mockai.scenarios.rules.RuleProblem` at their path inside the rule;
:mod:`mockai.scenarios.file_format` adds the file, line and rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockai.scenarios.rules import (
    UNSET,
    ChoiceSpec,
    EmbeddingSpec,
    ErrorSpec,
    FaultSpec,
    JsonPath,
    ModerationSpec,
    ReplySpec,
    RuleProblem,
    StreamErrorSpec,
    ToolCallSpec,
)
from mockai.scenarios.templating import TemplateError, check_value

__all__ = ["parse_reply"]

# RFC 9110: a header name is a token; a value has no control character but tab (CR or LF would
# end the header early and split the reply).  Content-Length and Transfer-Encoding frame the body.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FRAMING = frozenset({"content-length", "transfer-encoding"})
# Default number of stream events sent before a fault.
_DEFAULT_AFTER = {"cut": 1, "malformed": 1, "error_event": 1}
_SAYS = ("content", "refusal", "json", "tool_call", "tool_calls", "function_call")


def parse_reply(d: dict[str, Any], path: JsonPath) -> ReplySpec:
    says = [k for k in (*_SAYS, "finish_reason") if k in d]
    if "choices" in d and says:
        raise RuleProblem((*path, says[0]), "with choices, put content, tool calls … inside each choice")
    outside_chat = [k for k in ("embedding", "moderation") if k in d]
    if outside_chat:
        clash = says + [k for k in ("choices", "usage", "error", "tokens_per_chunk", "chunk_delay") if k in d]
        if len(outside_chat) > 1 or clash:
            other = outside_chat[1] if len(outside_chat) > 1 else clash[0]
            raise RuleProblem(
                (*path, other), f"{outside_chat[0]} is the whole answer: drop {other} (or use another rule)"
            )
    if "error" in d:
        clash = says + [k for k in ("choices", "fault", "usage") if k in d]
        if clash:
            raise RuleProblem((*path, clash[0]), f"a reply is either an error or an answer: drop {clash[0]} or error")
    if "choices" in d:
        choices = tuple(_choice(c, (*path, "choices", i)) for i, c in enumerate(d["choices"]))
    else:
        choices = (_choice(d, path),) if says else ()
    delays = d.get("chunk_delay")
    chunk_delays = (
        tuple(float(x) for x in (delays if isinstance(delays, list) else [delays])) if delays is not None else ()
    )
    return ReplySpec(
        choices=choices,
        usage=tuple(sorted((d.get("usage") or {}).items())),
        error=_error(d["error"], (*path, "error")) if "error" in d else None,
        fault=_fault(d["fault"], (*path, "fault")) if "fault" in d else None,
        delay=float(d.get("delay", 0.0)),
        tokens_per_chunk=d.get("tokens_per_chunk"),
        chunk_delays=chunk_delays,
        headers=_headers(d.get("headers"), (*path, "headers")),
        embedding=_embedding(d["embedding"]) if "embedding" in d else None,
        moderation=_moderation(d["moderation"]) if "moderation" in d else None,
    )


def _embedding(value: list[float] | dict[str, str]) -> EmbeddingSpec:
    if isinstance(value, dict):
        return EmbeddingSpec(as_text=value["as_text"])
    return EmbeddingSpec(values=tuple(float(x) for x in value))


def _moderation(value: dict[str, Any]) -> ModerationSpec:
    flagged = tuple(dict.fromkeys(value.get("flagged") or ()))
    scores = tuple(sorted((str(k), float(v)) for k, v in (value.get("scores") or {}).items()))
    return ModerationSpec(flagged, scores)


def _headers(value: Mapping[str, Any] | None, path: JsonPath) -> tuple[tuple[str, str], ...]:
    """The headers of a reply or an error, each a valid HTTP header the server may send as is."""
    out = []
    for key, raw in (value or {}).items():
        name, text = str(key).lower(), _header_value(raw)
        if not _TOKEN.fullmatch(name):
            raise RuleProblem(
                (*path, key), f"{name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"
            )
        if name in _FRAMING:
            raise RuleProblem(
                (*path, key), f"{name} is set by the server: a scripted value would break the HTTP framing"
            )
        bad = _CONTROL.search(text)
        if bad:
            raise RuleProblem(
                (*path, key), f"the value of {name} has a control character ({bad.group()!r}): a header is one line"
            )
        out.append((name, text))
    return tuple(out)


def _header_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choice(d: dict[str, Any], path: JsonPath) -> ChoiceSpec:
    if "tool_call" in d and "tool_calls" in d:
        raise RuleProblem((*path, "tool_calls"), "use tool_call (one) or tool_calls (a list), not both")
    if "content" in d and "json" in d:
        raise RuleProblem((*path, "json"), "json is sent as the content: use content or json, not both")
    if not any(k in d for k in _SAYS):
        raise RuleProblem(
            (*path, "finish_reason"), "finish_reason alone says nothing: add content, json or a tool call"
        )
    for key in ("content", "refusal", "json"):
        if key in d:
            _check_templates(d[key], (*path, key))
    raw_calls = [d["tool_call"]] if "tool_call" in d else d.get("tool_calls") or []
    calls = []
    for i, call in enumerate(raw_calls):
        where = (*path, "tool_call") if "tool_call" in d else (*path, "tool_calls", i)
        _check_templates(call.get("arguments"), (*where, "arguments"))
        calls.append(ToolCallSpec(call["name"], call.get("arguments"), call.get("id"), call.get("type")))
    function_call = None
    if "function_call" in d:
        fc = d["function_call"]
        _check_templates(fc.get("arguments"), (*path, "function_call", "arguments"))
        function_call = ToolCallSpec(fc["name"], fc.get("arguments"), kind="function")
    return ChoiceSpec(
        content=d.get("content"),
        refusal=d.get("refusal"),
        json=d.get("json"),
        tool_calls=tuple(calls),
        function_call=function_call,
        finish_reason=d.get("finish_reason"),
    )


def _check_templates(value: Any, path: JsonPath) -> None:
    try:
        check_value(value)
    except TemplateError as exc:
        raise RuleProblem(path, str(exc)) from None


def _error(value: int | dict[str, Any], path: JsonPath) -> ErrorSpec:
    if isinstance(value, int):
        return ErrorSpec(value)
    if "retry_after" in value and "retry_after_ms" in value:
        raise RuleProblem((*path, "retry_after_ms"), "use retry_after (seconds) or retry_after_ms, not both")
    retry_after = value.get("retry_after")
    if "retry_after_ms" in value:
        retry_after = value["retry_after_ms"] / 1000
    return ErrorSpec(
        status=value["status"],
        message=value.get("message", UNSET),
        type=value.get("type", UNSET),
        code=value.get("code", UNSET),
        param=value.get("param", UNSET),
        headers=_headers(value.get("headers"), (*path, "headers")),
        retry_after=None if retry_after is None else float(retry_after),
        should_retry=value.get("should_retry"),
    )


def _fault(value: str | dict[str, Any], path: JsonPath) -> FaultSpec:
    if isinstance(value, str):
        return FaultSpec(value, _DEFAULT_AFTER.get(value, 0))  # type: ignore[arg-type]
    kind = value["kind"]
    error = value.get("error")
    if error is not None and kind != "error_event":
        raise RuleProblem((*path, "error"), f"only an error_event fault sends an error (this one is {kind})")
    stream_error = None
    if error is not None:
        stream_error = StreamErrorSpec(
            error.get("message", UNSET),
            error.get("type", UNSET),
            error.get("code", UNSET),
            error.get("param", UNSET),
        )
    return FaultSpec(kind, value.get("after", _DEFAULT_AFTER.get(kind, 0)), stream_error)
