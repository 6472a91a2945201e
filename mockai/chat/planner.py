"""From a validated request to one :class:`~mockai.core.plan.ReplyPlan`.

Two entry points share every step after the *what to say* decision:

* :meth:`Planner.seeded` decides the answer from the seeds and the request itself (whether it
  calls tools: :mod:`mockai.chat.tool_decisions`);
* :meth:`Planner.scripted` takes the answer from a scenario
  (:class:`~mockai.chat.choice_drafts.ChoiceDraft` objects).

Both then go through :meth:`Planner.build`, which tokenizes, applies ``stop`` and
``max_tokens``, draws logprobs, ids and usage.  Everything is a pure function of the server
seed, the request's ``seed`` and a canonical hash of the request (``stream`` and
``stream_options`` excluded, so a streamed and a non-streamed request tell the same story).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockai.chat.audio_output import voiced
from mockai.chat.choice_drafts import ChoiceDraft, ToolCallDraft
from mockai.chat.prediction_accounting import planned_usage
from mockai.chat.prompt_schema import followed_answer
from mockai.chat.reasoning_budget import effort_for, reasoning_tokens, token_cap
from mockai.chat.request_keys import alnum, request_key, request_keys, seeded_rng
from mockai.chat.schema_rules import format_place, generation_refusal
from mockai.chat.search_citations import cite
from mockai.chat.tool_decisions import decide_calls
from mockai.core.model_capabilities import capabilities
from mockai.core.model_catalog import ModelCatalog, is_reasoning_model, system_fingerprint
from mockai.core.plan import ChoicePlan, ReplyPlan, TokenLogprob, ToolCallPlan
from mockai.generate import text as textgen
from mockai.generate.jsongen import generator as jsongen
from mockai.generate.tokenizer import count_prompt_tokens, tokenize

__all__ = ["Planner", "cut_at_stop", "request_key"]

# 2025-01-01T00:00:00Z plus up to a year: plausible, and the same for the same request.
_CREATED_BASE = 1735689600
_ALTERNATIVE_TOKENS = (
    " the",
    " a",
    ",",
    ".",
    " and",
    " of",
    " to",
    " is",
    " it",
    " this",
    "\n",
    " that",
    " in",
    " for",
    " on",
    " with",
    " as",
    " be",
    " by",
    " we",
    " you",
    " at",
    " or",
    " an",
)


class Planner:
    def __init__(self, catalog: ModelCatalog, server_seed: int = 0) -> None:
        self.catalog = catalog
        self.server_seed = server_seed

    # --- deciding what to say -------------------------------------------------------------

    def seeded(
        self,
        body: Mapping[str, Any],
        *,
        assign_id: Callable[[str], str] | None = None,
        cached_tokens: int = 0,
        prompt_tokens: int | None = None,
    ) -> ReplyPlan:
        """The seeded answer; the real API's 400 (:func:`~mockai.chat.schema_rules.generation_refusal`)
        when a schema's value cannot be generated within the request's one work budget.
        ``cached_tokens``: the prompt tokens the server's prompt cache holds (reported in usage);
        ``prompt_tokens``: the prompt's ``count_prompt_tokens`` if already counted (else counted here)."""
        key, content_key = request_keys(body, self.server_seed)
        n = body.get("n") or 1
        budget = jsongen.WorkBudget()  # shared by every generated value of the request
        drafts = [self._seeded_choice(body, content_key, i, budget) for i in range(n)]
        return self.build(
            body,
            drafts,
            key=key,
            content_key=content_key,
            assign_id=assign_id,
            cached_tokens=cached_tokens,
            prompt_tokens=prompt_tokens,
        )

    def scripted(
        self,
        body: Mapping[str, Any],
        drafts: Sequence[ChoiceDraft],
        *,
        salt: str = "",
        usage: Mapping[str, int] | None = None,
        assign_id: Callable[[str], str] | None = None,
        cached_tokens: int = 0,
    ) -> ReplyPlan:
        key = request_key(body, self.server_seed)
        if salt:
            key = hashlib.blake2b(salt.encode(), key=key, digest_size=32).digest()
        return self.build(body, drafts, key=key, usage_override=usage, assign_id=assign_id, cached_tokens=cached_tokens)

    def _seeded_choice(
        self, body: Mapping[str, Any], key: bytes, index: int, budget: jsongen.WorkBudget
    ) -> ChoiceDraft:
        rng = seeded_rng(key, f"choice{index}")
        calls = decide_calls(body, rng, budget)
        if calls is not None:
            return calls
        verbosity = body.get("verbosity") if capabilities(str(body.get("model", ""))).verbosity else None
        scale = verbosity if verbosity in ("low", "high") else "medium"
        text, tokens = _text_for(body, rng, budget, scale)
        return ChoiceDraft(content=text, content_tokens=tokens)

    # --- from drafts to a plan ------------------------------------------------------------

    def build(
        self,
        body: Mapping[str, Any],
        drafts: Sequence[ChoiceDraft],
        *,
        key: bytes,
        content_key: bytes | None = None,
        usage_override: Mapping[str, int] | None = None,
        assign_id: Callable[[str], str] | None = None,
        cached_tokens: int = 0,
        prompt_tokens: int | None = None,
    ) -> ReplyPlan:
        """The plan of ``drafts``; ``assign_id`` turns the id the request gives into the plan's id
        (see :attr:`mockai.core.context.RequestContext.assign_id`).  A reasoning model thinks first
        (:mod:`mockai.chat.reasoning_budget`, drawn from ``content_key``), inside the token cap."""
        model = str(body.get("model", ""))
        cap = token_cap(body)
        effort = effort_for(body, capabilities(model))
        stops = _stops(body.get("stop"))
        want_logprobs = bool(body.get("logprobs"))
        top_n = int(body.get("top_logprobs") or 0)
        choices: list[ChoicePlan] = []
        budgets: list[int | None] = []
        thought = 0
        for index, draft in enumerate(drafts):
            # A model that does not reason draws nothing (seeding a generator costs ~10 us).
            draw = 0.0 if effort is None else seeded_rng(content_key or key, f"reasoning{index}").random()
            thinking = reasoning_tokens(effort, draw, cap)
            thought += thinking
            budget = None if cap is None else cap - thinking
            budgets.append(budget)
            choices.append(
                self._choice(draft, index, key, budget=budget, stops=stops, logprobs=want_logprobs, top_n=top_n)
            )
        created = _CREATED_BASE + int.from_bytes(key[:4], "big") % 31_536_000
        choices = cite(body, voiced(body, choices, budgets, key, created), key)
        if prompt_tokens is None:
            prompt_tokens = count_prompt_tokens(
                body.get("messages") or (), body.get("tools"), body.get("functions"), model
            )
        usage = planned_usage(
            body, choices, prompt_tokens=prompt_tokens, reasoning=thought, cached=cached_tokens, override=usage_override
        )
        plan_id = "chatcmpl-" + alnum(key, "id", 29)
        return ReplyPlan(
            id=plan_id if assign_id is None else assign_id(plan_id),
            created=created,
            model=self.catalog.resolve(model),
            choices=tuple(choices),
            usage=usage,
            system_fingerprint=system_fingerprint(model),
            service_tier=_service_tier(body.get("service_tier")),
            # (a reasoning model's choices have no logprobs key, unless asked at effort none)
            omit_logprobs_key=is_reasoning_model(model) and not want_logprobs,
            obfuscation_seed=int.from_bytes(key[4:12], "big"),
        )

    def _choice(
        self,
        draft: ChoiceDraft,
        index: int,
        key: bytes,
        *,
        budget: int | None,
        stops: tuple[str, ...],
        logprobs: bool,
        top_n: int,
    ) -> ChoicePlan:
        if budget == 0:  # reasoning used the whole cap: nothing visible is left
            return ChoicePlan(index=index, finish_reason="length", content_tokens=(), logprobs=() if logprobs else None)
        content_tokens, budget, truncated = _content_tokens(draft, stops, budget)
        refusal_tokens = tuple(tokenize(draft.refusal)) if draft.refusal is not None else None
        calls: list[ToolCallPlan] = []
        for j, call in enumerate(draft.tool_calls):
            if budget is not None and budget <= 0:
                truncated = True
                break
            plan_call, budget, cut = _tool_call(call, key, f"call{index}.{j}", budget)
            calls.append(plan_call)
            truncated = truncated or cut
            if cut:
                break
        function_call = None
        if draft.function_call is not None and budget is not None and budget <= 0:
            truncated = True
        elif draft.function_call is not None:
            function_call, budget, cut = _tool_call(draft.function_call, key, f"fn{index}", budget)
            truncated = truncated or cut
        finish = draft.finish_reason
        if finish is None:
            finish = _derived_finish(draft, truncated=truncated, calls=bool(calls), function_call=function_call)
        lp = None
        if logprobs:
            lp_tokens = content_tokens if content_tokens is not None else refusal_tokens
            lp = _logprobs(lp_tokens or (), seeded_rng(key, f"logprobs{index}"), top_n)
        if content_tokens is None and refusal_tokens is None and not calls and function_call is None:
            content_tokens = ()
        return ChoicePlan(
            index=index,
            finish_reason=finish,
            content_tokens=content_tokens,
            refusal_tokens=refusal_tokens,
            tool_calls=tuple(calls),
            function_call=function_call,
            logprobs=lp,
        )


# --- helpers: tokens and finish reasons --------------------------------------------------------


def _content_tokens(
    draft: ChoiceDraft, stops: tuple[str, ...], budget: int | None
) -> tuple[tuple[str, ...] | None, int | None, bool]:
    """The draft's content as tokens (cut at a stop, then at the token budget), the budget left,
    and whether the budget cut it."""
    if draft.content is None:
        return None, budget, False
    text = draft.content
    if stops and draft.finish_reason is None:
        text = cut_at_stop(text, stops)
    drawn = draft.content_tokens  # (the text's own tokens: valid while no stop cut it)
    tokens = drawn if drawn is not None and text is draft.content else tuple(tokenize(text))
    truncated = False
    if budget is not None and len(tokens) > budget:
        tokens, truncated = tokens[:budget], True
    if budget is not None:
        budget -= len(tokens)
    return tokens, budget, truncated


def _derived_finish(draft: ChoiceDraft, *, truncated: bool, calls: bool, function_call: ToolCallPlan | None) -> str:
    """The finish reason of a draft that does not set one."""
    if truncated:
        return "length"
    if calls:
        return "stop" if draft.extra.get("named_tool") else "tool_calls"
    if function_call is not None:
        return "function_call"
    return "stop"


def _tool_call(
    call: ToolCallDraft, key: bytes, label: str, budget: int | None
) -> tuple[ToolCallPlan, int | None, bool]:
    tokens = tokenize(call.arguments)
    cut = False
    if budget is not None:
        budget -= 1  # the call itself counts one token (ChoicePlan.emitted_tokens)
        if len(tokens) > budget:
            tokens, cut = tokens[:budget], True
        budget -= len(tokens)
    call_id = call.id or "call_" + alnum(key, label, 24)
    plan = ToolCallPlan(call_id, call.name, "".join(tokens), call.kind, tuple(tokens))
    return plan, budget, cut


# --- helpers: text ----------------------------------------------------------------------------


def _text_for(
    body: Mapping[str, Any], rng: random.Random, budget: jsongen.WorkBudget, scale: str = "medium"
) -> tuple[str, tuple[str, ...] | None]:
    """The seeded answer's text, and its tokens when they are drawn with it."""
    followed = followed_answer(body, rng, budget)  # a JSON Schema the prompt gives
    if followed is not None:
        return followed, None
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping):
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            schema = spec.get("schema") or {"type": "object"}
            try:
                value = jsongen.generate(schema, rng, words=textgen.phrase, budget=budget)
            except jsongen.UnsatisfiableSchema as exc:
                raise generation_refusal(format_place(spec), exc) from None
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False), None
        if fmt.get("type") == "json_object":
            obj = {"answer": textgen.sentence(rng), "confidence": round(rng.uniform(0.5, 1.0), 2)}
            return json.dumps(obj, separators=(",", ":")), None
    return textgen.paragraph_tokens(rng, verbosity=scale)


def _stops(stop: Any) -> tuple[str, ...]:
    if isinstance(stop, str):
        return (stop,) if stop else ()
    if isinstance(stop, list):
        return tuple(s for s in stop if isinstance(s, str) and s)
    return ()


def cut_at_stop(text: str, stops: tuple[str, ...]) -> str:
    """``text`` up to the first of ``stops`` it holds (``text`` itself when it holds none)."""
    positions = [p for p in (text.find(s) for s in stops) if p >= 0]
    return text[: min(positions)] if positions else text


def _logprobs(tokens: Sequence[str], rng: random.Random, top_n: int) -> tuple[TokenLogprob, ...]:
    out = []
    for token in tokens:
        chosen = -round(rng.random() ** 3 * 2.5, 6)
        top: list[tuple[str, float]] = []
        if top_n:
            top.append((token, chosen))
            alternatives = [t for t in _ALTERNATIVE_TOKENS if t != token]
            value = chosen
            for alt in rng.sample(alternatives, min(top_n - 1, len(alternatives))):
                value = round(value - rng.uniform(0.5, 3.0), 6)
                top.append((alt, value))
        out.append(TokenLogprob(token, chosen, tuple(top)))
    return tuple(out)


def _service_tier(requested: Any) -> str:
    return requested if requested in ("flex", "priority", "scale") else "default"
