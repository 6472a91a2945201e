"""One reply plan for a ``POST /v1/completions`` request, from which both renderings come.

Seeded as chat is (:mod:`mockai.chat.request_keys`): a request key of the canonical body and the
server seed gives the id and ``created``; each prompt's *content* key (the body with that one
prompt, less the parameters that only shape delivery: ``max_tokens``, ``stop``, ``n``,
``logprobs``, ``echo``, ``best_of``, ``user``, ``stream``) gives its text.  So ``max_tokens: 5``
is the first five tokens of the full answer (``finish_reason: "length"``), ``stop`` cuts that same
answer, choice 0 of ``n: 3`` is the ``n: 1`` answer, and the choices of a prompt array are the
answers each prompt would get alone (choice ``index`` = prompt index * n + i, as the API numbers
them).  The text is :func:`mockai.generate.text.paragraph_tokens`, tokenized by mockai's tokenizer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from mockai.chat.planner import cut_at_stop
from mockai.chat.request_keys import alnum, request_key, request_keys, seeded_rng
from mockai.completions.request import CompletionRequest, Prompt
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import ReplyPlan
from mockai.core.records import record
from mockai.generate.text import paragraph_tokens
from mockai.generate.tokenizer import tokenize

__all__ = ["ChoicePlan", "CompletionPlan", "Logprobs", "chat_view", "plan_completion", "scripted_completion"]

# 2025-01-01T00:00:00Z plus up to a year, as chat's plans (mockai.chat.planner).
_CREATED_BASE = 1735689600
# Parameters that do not change what a prompt's answer says (beyond chat's own list).
_DELIVERY_ONLY = ("echo", "best_of", "stream", "stream_options")
# What the completion starts with: "\n\n" before the answer, as in the API reference's example
# ("\n\nThis is indeed a test") and most recorded gpt-3.5-turbo-instruct answers.
_LEAD = "\n\n"
_ALTERNATIVES = (" the", " a", ",", ".", " and", " of", " to", " is", " it", " this", "\n", " that")


@record
class Logprobs:
    """The legacy logprobs object: one entry per token of the choice's text."""

    tokens: tuple[str, ...]
    token_logprobs: tuple[float | None, ...]  # None: the first prompt token of an echo
    top_logprobs: tuple[tuple[tuple[str, float], ...] | None, ...]
    text_offset: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokens": list(self.tokens),
            "token_logprobs": list(self.token_logprobs),
            "top_logprobs": [None if top is None else dict(top) for top in self.top_logprobs],
            "text_offset": list(self.text_offset),
        }

    def part(self, start: int, stop: int) -> Logprobs:
        """The entries of tokens ``start`` to ``stop`` (a stream chunk's)."""
        return Logprobs(
            self.tokens[start:stop],
            self.token_logprobs[start:stop],
            self.top_logprobs[start:stop],
            self.text_offset[start:stop],
        )


@record
class ChoicePlan:
    index: int
    echoed: str  # the prompt, when ``echo`` (sent before the completion)
    echoed_tokens: int  # how many of ``logprobs``' entries are the echoed prompt's
    tokens: tuple[str, ...]  # the completion's tokens
    finish_reason: str
    logprobs: Logprobs | None

    @property
    def text(self) -> str:
        return self.echoed + "".join(self.tokens)


@record
class CompletionPlan:
    id: str
    created: int
    model: str
    choices: tuple[ChoicePlan, ...]
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return sum(len(choice.tokens) for choice in self.choices)


def plan_completion(
    body: Mapping[str, Any], asked: CompletionRequest, catalog: ModelCatalog, server_seed: int
) -> CompletionPlan:
    """The seeded answer to a valid request (``body``: as validated; ``asked``: what it asks for)."""
    keyed = {k: v for k, v in body.items() if k not in _DELIVERY_ONLY}
    key = request_key(keyed, server_seed)
    choices: list[ChoicePlan] = []
    for p, prompt in enumerate(asked.prompts):
        _, content_key = request_keys({**keyed, "prompt": _keyed_prompt(prompt)}, server_seed)
        for i in range(asked.n):
            choices.append(_choice(asked, prompt, content_key, p * asked.n + i, i))
    return CompletionPlan(
        id="cmpl-" + alnum(key, "id", 29),  # cmpl- + 29 alphanumerics, as recorded (2025, 2026)
        created=_CREATED_BASE + int.from_bytes(key[:4], "big") % 31_536_000,
        model=catalog.resolve(asked.model),
        choices=tuple(choices),
        prompt_tokens=asked.prompt_tokens,
    )


def chat_view(asked: CompletionRequest) -> dict[str, Any]:
    """The request as scenario rules read every request: a chat request whose user message is the
    first prompt (a token-id prompt: empty), with the same ``max_tokens``, ``n`` and ``stop``."""
    first = asked.prompts[0] if asked.prompts else ""
    view: dict[str, Any] = {
        "model": asked.model,
        "messages": [{"role": "user", "content": first if isinstance(first, str) else ""}],
        "max_tokens": asked.max_tokens,
        "n": asked.n,
    }
    if asked.stops:
        view["stop"] = list(asked.stops)
    return view


def scripted_completion(plan: ReplyPlan, asked: CompletionRequest, catalog: ModelCatalog) -> CompletionPlan | str:
    """The completion a scenario rule's answer (the chat plan of :func:`chat_view`) gives: each
    prompt's choice ``i`` says that plan's choice ``i``; or why it cannot (a tool call)."""
    if any(choice.tool_calls or choice.function_call is not None for choice in plan.choices):
        return "a completion has no tool calls: reply with text"
    choices: list[ChoicePlan] = []
    for p, prompt in enumerate(asked.prompts):
        for i in range(asked.n):
            said = plan.choices[i % len(plan.choices)] if plan.choices else None
            tokens = tuple((said.content_tokens or said.refusal_tokens or ()) if said is not None else ())
            finish = said.finish_reason if said is not None and said.finish_reason == "length" else "stop"
            choices.append(
                _said(asked, prompt, p * asked.n + i, tokens, finish, (plan.id.encode(), f"logprobs{p}.{i}"))
            )
    return CompletionPlan(
        id="cmpl-" + plan.id.removeprefix("chatcmpl-"),
        created=plan.created,
        model=catalog.resolve(asked.model),
        choices=tuple(choices),
        prompt_tokens=asked.prompt_tokens,
    )


def _keyed_prompt(prompt: Prompt) -> Any:
    return prompt if isinstance(prompt, str) else list(prompt)


def _choice(asked: CompletionRequest, prompt: Prompt, content_key: bytes, index: int, i: int) -> ChoicePlan:
    rng = seeded_rng(content_key, f"choice{i}")
    text, full = paragraph_tokens(rng)
    text, full = _LEAD + text, (_LEAD, *full)  # an instruct model's answer starts on a new paragraph
    finish = "stop"
    tokens = full
    cut = cut_at_stop(text, asked.stops)
    if cut is not text:
        tokens = tuple(tokenize(cut))
    if len(tokens) > asked.max_tokens:
        tokens, finish = tokens[: asked.max_tokens], "length"
    return _said(asked, prompt, index, tokens, finish, (content_key, f"logprobs{i}"))


def _said(
    asked: CompletionRequest,
    prompt: Prompt,
    index: int,
    tokens: tuple[str, ...],
    finish: str,
    seed: tuple[bytes, str],
) -> ChoicePlan:
    """The choice that says ``tokens``: with the prompt echoed before them when ``echo`` asks
    (token ids are not decoded), and its logprobs when asked (drawn from ``seed``'s generator,
    seeded only then: a seeding costs microseconds)."""
    echoed = prompt if asked.echo and isinstance(prompt, str) else ""
    logprobs = None
    if asked.logprobs is not None:
        logprobs = _logprobs(asked, prompt, echoed, tokens, seeded_rng(*seed))
    echoed_tokens = len(tokenize(echoed)) if echoed and logprobs is not None else 0
    return ChoicePlan(index, echoed, echoed_tokens, tokens, finish, logprobs)


def _logprobs(
    asked: CompletionRequest, prompt: Prompt, echoed: str, tokens: tuple[str, ...], rng: random.Random
) -> Logprobs:
    """Seeded log probabilities; ``text_offset`` counts characters from the prompt's start (the
    completion's first token is at the prompt's length), as the API reports them.  An echoed
    prompt's first token has no log probability (null), as the model has nothing before it."""
    top_n = asked.logprobs or 0
    echo_tokens = tuple(tokenize(echoed)) if echoed else ()
    every = echo_tokens + tokens
    start = 0 if echoed else (len(prompt) if isinstance(prompt, str) else 0)
    offsets, at = [], start
    for token in every:
        offsets.append(at)
        at += len(token)
    chosen: list[float | None] = []
    tops: list[tuple[tuple[str, float], ...] | None] = []
    for n, token in enumerate(every):
        value = -round(rng.random() ** 3 * 2.5, 6)
        if echoed and n == 0:
            chosen.append(None)
            tops.append(None)
            continue
        top: list[tuple[str, float]] = [(token, value)] if top_n else []
        others = [t for t in _ALTERNATIVES if t != token]
        below = value
        for alternative in rng.sample(others, max(top_n - 1, 0)):
            below = round(below - rng.uniform(0.5, 3.0), 6)
            top.append((alternative, below))
        chosen.append(value)
        tops.append(tuple(top))
    return Logprobs(every, tuple(chosen), tuple(tops), tuple(offsets))
