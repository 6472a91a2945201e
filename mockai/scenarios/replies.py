"""A rule's reply turned into a :data:`~mockai.core.plan.Reply`: templates, checks, timing, faults.

What the choices say goes through :meth:`Planner.scripted`, like every scripted answer, so ids,
tokens, logprobs, usage, ``stop`` and ``max_tokens`` behave as for seeded answers.  A reply with
nothing to say uses the seeded answer (with the rule's timing and fault).

Before anything is sent, a scripted tool call is checked against the tool the request offers
(it must be offered; object arguments must fit its ``parameters``) and a ``json`` answer against
the request's ``response_format`` schema.  A mismatch raises :class:`ScriptProblem`: the client
gets a clear error instead of an answer the real API could not have given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from mockai.chat.choice_drafts import ChoiceDraft, ToolCallDraft
from mockai.chat.planner import Planner
from mockai.core.errors import APIError
from mockai.core.plan import Delivery, ErrorReply, Fault, PlannedReply, Reply
from mockai.generate.jsongen import generator as jsongen
from mockai.scenarios.faults import api_error, stream_error
from mockai.scenarios.request_view import RequestView
from mockai.scenarios.rules import ChoiceSpec, FaultSpec, ReplySpec, Rule, ToolCallSpec
from mockai.scenarios.templating import compile_template, render_value

__all__ = ["ScriptProblem", "build_reply", "problem_error", "reply_delivery"]


class ScriptProblem(Exception):
    """A scripted reply that cannot be sent for this request (the rule is at fault, not the client)."""


def problem_error(rule: Rule, message: str, code: str = "scenario_error") -> APIError:
    """The error a client gets for a rule that cannot answer as written: a 400 of its own type (the
    script cannot be carried out for this request), which the SDKs raise as BadRequestError and no
    client retries.  Never a 5xx: nothing went wrong inside the server.  (It was a 422, which
    LangChain.js retries with backoff for about 1.5 minutes: its no-retry list has 400, not 422.)"""
    return APIError(
        400,
        f"mockai: {rule.describe()}: {message}",
        type="mockai_scenario_error",
        code=code,
        headers={"x-should-retry": "false"},
    )


def build_reply(
    rule: Rule,
    spec: ReplySpec,
    entry: int,
    view: RequestView,
    planner: Planner,
    *,
    api_key: str = "",
    seeded_delivery: Delivery | None = None,
    assign_id: Callable[[str], str] | None = None,
    cached_tokens: int = 0,
) -> Reply:
    """The reply for ``view`` (raises :class:`ScriptProblem` or :class:`TemplateError`);
    ``assign_id`` decides the plan's id (see ``RequestContext.assign_id``); ``cached_tokens``: what
    the server's prompt cache holds of the prompt, reported in usage as for seeded answers."""
    source = f"scenario:{rule.label}"
    delivery = reply_delivery(spec, view.stream, seeded_delivery)
    if spec.error is not None:
        return ErrorReply(api_error(spec.error, view.model, api_key), delivery, source)
    if delivery.fault is not None and delivery.fault.kind == "error_event" and not view.stream:
        return ErrorReply(delivery.fault.error or stream_error(None), Delivery(first_byte_delay=spec.delay), source)
    if spec.seeded:
        return PlannedReply(
            planner.seeded(view.body, assign_id=assign_id, cached_tokens=cached_tokens), delivery, source
        )
    n = int(view.body.get("n") or 1)
    lookup = view.template_root
    drafts = [_draft(spec.choices[i % len(spec.choices)], view, lookup) for i in range(n)]
    usage = dict(spec.usage) or None
    salt = f"{rule.name or rule.origin.where()}#{entry}"
    plan = planner.scripted(view.body, drafts, salt=salt, usage=usage, assign_id=assign_id, cached_tokens=cached_tokens)
    return PlannedReply(plan, delivery, source)


def reply_delivery(spec: ReplySpec, stream: bool, seeded: Delivery | None = None) -> Delivery:
    """The timing, fault and headers of a reply (a JSON answer: stream faults as JSON ones)."""
    fault = _fault(spec.fault, stream) if spec.fault is not None else None
    base = seeded if spec.seeded and seeded is not None else Delivery()
    delays = spec.chunk_delays
    return Delivery(
        tokens_per_chunk=spec.tokens_per_chunk or base.tokens_per_chunk,
        first_byte_delay=spec.delay or base.first_byte_delay,
        chunk_delay=delays[0] if len(delays) == 1 else base.chunk_delay,
        chunk_delays=delays if len(delays) > 1 else base.chunk_delays,
        fault=fault,
        headers={**base.headers, **dict(spec.headers)},
    )


def _fault(spec: FaultSpec, stream: bool) -> Fault:
    error = stream_error(spec.error) if spec.kind == "error_event" else None
    if stream:
        return Fault(spec.kind, spec.after, error)
    # A JSON answer has no events: a reset drops the connection before any byte, a cut leaves
    # the body truncated (as a malformed one), an error event becomes the HTTP error.
    if spec.kind == "reset":
        return Fault("reset", 0)
    if spec.kind == "cut":
        return Fault("malformed", 0)
    return Fault(spec.kind, spec.after, error)


def _draft(choice: ChoiceSpec, view: RequestView, lookup: Callable[[str], Any]) -> ChoiceDraft:
    content = _render(choice.content, lookup)
    if choice.json is not None:
        value = render_value(choice.json, lookup)
        _check_structured(value, view)
        content = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    calls = tuple(_tool_call(call, view, lookup) for call in choice.tool_calls)
    function_call = None
    if choice.function_call is not None:
        function_call = _tool_call(choice.function_call, view, lookup)
    return ChoiceDraft(
        content=content,
        refusal=_render(choice.refusal, lookup),
        tool_calls=calls,
        function_call=function_call,
        finish_reason=choice.finish_reason,
    )


def _render(text: str | None, lookup: Callable[[str], Any]) -> str | None:
    return None if text is None else compile_template(text).render(lookup)


def _check_structured(value: Any, view: RequestView) -> None:
    schema = view.response_schema
    if view.response_format == "json_object" and not isinstance(value, dict):
        raise ScriptProblem(f"the request asks for a JSON object (json_object), the rule's json is {_short(value)}")
    if view.response_format != "json_schema" or not isinstance(schema, (Mapping, bool)):
        return
    problem = jsongen.first_error(schema, value)
    if problem:
        name = view.schema_name or "the request's json_schema"
        raise ScriptProblem(f"the json reply does not match {name}: {problem}")


def _tool_call(call: ToolCallSpec, view: RequestView, lookup: Callable[[str], Any]) -> ToolCallDraft:
    offered = view.tool(call.name)
    if offered is None:
        names = ", ".join(view.tool_names) or "no tools"
        raise ScriptProblem(f"the reply calls tool {call.name!r}, which the request does not offer ({names})")
    kind = call.kind or ("custom" if offered.get("type") == "custom" else "function")
    args = call.arguments if call.arguments is not None else ({} if kind == "function" else "")
    if isinstance(args, str):
        text = compile_template(args).render(lookup)
        return ToolCallDraft(call.name, text, kind, call.id)
    value = render_value(args, lookup)
    if kind == "custom":
        raise ScriptProblem(f"tool {call.name!r} is a custom tool: its input is text, not {_short(value)}")
    inner = offered.get("function")
    parameters = inner.get("parameters") if isinstance(inner, Mapping) else None
    if isinstance(parameters, (Mapping, bool)):
        problem = jsongen.first_error(parameters, value)
        if problem:
            raise ScriptProblem(f"the arguments of the {call.name} call do not match its parameters: {problem}")
    return ToolCallDraft(call.name, json.dumps(value, separators=(",", ":"), ensure_ascii=False), kind, call.id)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
