"""From the chat plan of a request's chat view to one :class:`ResponsePlan`.

What is said is decided once, by the chat planner (seeded) or a scenario, for the chat view of the
request (:mod:`mockai.responses.chat_view`): one text generator, one story for both surfaces.
This module adds what a Response has and a chat completion has not, all drawn from the plan's
own seeded id (so the same request gives the same bytes):

* ids (api_behaviour §2): ``resp_`` + a 16-hex *group* shared by the response and its items
  (and, in a ``previous_response_id`` chain, by its parent) + ``00`` + ``%08x`` of a Unix time
  + 24 hex; items take the same group; ``call_id`` is the chat plan's ``call_`` id;
* output items in order: a ``reasoning`` item for a reasoning model (with a summary when
  ``reasoning.summary`` asks for one, ``encrypted_content`` when ``include`` asks), then the
  ``message`` (text or refusal), then one ``function_call`` / ``custom_tool_call`` per call (at
  most ``max_tool_calls`` of them);
* ``status``: ``incomplete`` with ``incomplete_details`` when ``max_output_tokens`` cut it (or a
  scenario ends it with ``finish_reason: content_filter``);
* what the Response echoes of the request (:mod:`mockai.responses.echo`).

:mod:`mockai.responses.render_json` and :mod:`mockai.responses.render_sse` are two views of it.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import orjson

from mockai.core.json_budget import bounded_copy, json_cost
from mockai.core.memo import Memo
from mockai.core.model_capabilities import capabilities
from mockai.core.model_catalog import is_reasoning_model
from mockai.core.plan import ChoicePlan, ReplyPlan, TokenLogprob, ToolCallPlan, Usage
from mockai.core.plan_excerpt import (
    ECHO_KEPT_BYTES,
    KEPT_CHARS,
    call_excerpt,
    excerpt_logprobs,
    excerpt_shares,
    excerpt_tokens,
)
from mockai.core.records import record
from mockai.core.request_reading import user_text_and_images
from mockai.generate import text as textgen
from mockai.generate.tokenizer import tokenize
from mockai.moderations.results import moderation_result
from mockai.responses.chat_view import input_messages
from mockai.responses.conversations import conversation_group, conversation_id_of
from mockai.responses.echo import UNECHOED, request_echo

__all__ = [
    "CallItem",
    "Echoes",
    "MessageItem",
    "OutputItem",
    "ReasoningItem",
    "ResponsePlan",
    "fernet_like",
    "parent_group",
    "response_excerpt",
    "response_plan",
    "with_group",
]

_ID_TAIL = 24  # hex digits after the group, the marker and the time
# A chat finish reason that leaves a Response incomplete, and the reason it gives.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


@record
class MessageItem:
    id: str
    tokens: tuple[str, ...]  # the text (or the refusal) exactly as streamed
    refusal: bool = False
    status: str = "completed"
    # One per text token when ``include`` asks for ``message.output_text.logprobs``; () otherwise.
    logprobs: tuple[TokenLogprob, ...] = ()
    phase: str | None = None  # "final_answer" for the models whose messages say it (gpt-5.4 on)

    @property
    def text(self) -> str:
        return "".join(self.tokens)


@record
class CallItem:
    id: str
    call: ToolCallPlan  # its id is the item's call_id
    status: str = "completed"


@record
class ReasoningItem:
    id: str
    # The summary's tokens; None: no summary was asked for (``summary: []``).
    summary_tokens: tuple[str, ...] | None = None
    # ``encrypted_content`` as first announced and as finished (they differ, [R:04]); None: not included.
    encrypted: tuple[str, str] | None = None

    @property
    def summary(self) -> str | None:
        return None if self.summary_tokens is None else "".join(self.summary_tokens)


OutputItem = MessageItem | CallItem | ReasoningItem


@record
class ResponsePlan:
    id: str
    created_at: int
    completed_at: int
    model: str
    status: str  # completed | incomplete
    incomplete_reason: str | None
    output: tuple[OutputItem, ...]
    usage: Usage
    # The request's parameters as the Response echoes them (keys of the Response, in order).
    echo: dict[str, Any]
    obfuscation_seed: int = 0
    group: str = ""  # the 16 hex every id of the response shares
    # Whether the request named a service tier (if not, an unfinished Response says "auto").
    tier_asked: bool = False
    # ``moderation: {"model"}`` asked: the results for the input and the output (else null).
    moderation: dict[str, Any] | None = None

    @property
    def output_text(self) -> str:
        return "".join(i.text for i in self.output if isinstance(i, MessageItem) and not i.refusal)


# Echoes of requests by what they echo (the service tier the plan gives, and the request less what
# request_echo does not read, as JSON): requests alike but for their input share one echo.
Echoes = Memo[tuple[str, bytes], dict[str, Any]]


def response_plan(plan: ReplyPlan, body: Mapping[str, Any], echoes: Echoes | None = None) -> ResponsePlan:
    """The Response of ``plan`` (the chat plan of ``body``'s chat view) for the request ``body``
    (its echo from ``echoes`` when they hold it: shared, so nobody may change it)."""
    hashing = _SEEDS.copy()  # (a copy of the keyed state: half the cost of keying a new one)
    hashing.update(plan.id.encode())
    if body.get("store") is False:  # ids of their own: never one a stored twin's GET would find
        hashing.update(b"/not stored")
    seed = hashing.digest()
    previous = body.get("previous_response_id")
    parent = parent_group(previous)
    group = parent or _conversation_group(body) or seed[:8].hex()
    created_at = plan.created
    if parent is not None and created_at <= (parent_at := int(str(previous)[23:31], 16)):
        # (a follow-up is never older than the response it continues: seeded times are not a clock)
        created_at = parent_at + 1 + created_at % 300
    choice = plan.choices[0] if plan.choices else ChoicePlan(index=0, finish_reason="stop", content_tokens=())
    reason = _INCOMPLETE.get(choice.finish_reason)
    incomplete = reason is not None
    status = "incomplete" if incomplete else "completed"
    ids = _Ids(seed, group, created_at)
    output: list[OutputItem] = []
    model = str(body.get("model", ""))
    if is_reasoning_model(model) and _effort(body, model) != "none":  # at effort none it does not think [R:23]
        output.append(_reasoning(ids, seed, body))
    phase = "final_answer" if capabilities(model).message_phase else None
    if choice.refusal_tokens is not None and choice.content_tokens is None:
        output.append(MessageItem(ids.next("msg"), choice.refusal_tokens, True, phase=phase))
    elif choice.content_tokens or not (choice.tool_calls or choice.function_call or incomplete):
        # (reasoning that used the whole budget leaves no message at all)
        tokens, logprobs = choice.content_tokens or (), choice.logprobs or ()
        output.append(MessageItem(ids.next("msg"), tokens, False, status, logprobs, phase))
    calls = choice.tool_calls
    if calls:
        cap = body.get("max_tool_calls")
        if isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1:  # (the schema's minimum is 1)
            calls = calls[:cap]
        for call in calls:
            output.append(CallItem(ids.next("ctc" if call.kind == "custom" else "fc"), call))
    echo = request_echo(body, plan.service_tier) if echoes is None else _echo(body, plan.service_tier, echoes)
    return ResponsePlan(  # (in field order: 1.1 us where keywords take 1.5)
        f"resp_{group}00{created_at:08x}{seed[8:20].hex()}",  # id
        created_at,
        created_at + 1 + plan.usage.completion_tokens // 400,  # completed_at
        plan.model,
        status,
        reason,  # incomplete_reason
        tuple(output),
        plan.usage,
        echo,
        plan.obfuscation_seed,
        group,
        body.get("service_tier") is not None,  # tier_asked
        _moderation(body, output),
    )


def _moderation(body: Mapping[str, Any], output: list[OutputItem]) -> dict[str, Any] | None:
    """The moderation of the request's input (its user text and images) and of the answer's text,
    by the model ``moderation`` names; ``None`` when it names none."""
    asked = body.get("moderation")
    if not isinstance(asked, Mapping) or not isinstance(asked.get("model"), str):
        return None
    texts, images = user_text_and_images(input_messages(body.get("input") or []))
    answer = "".join(i.text for i in output if isinstance(i, MessageItem))
    model = asked["model"]
    return {"input": moderation_result(texts, images, model), "output": moderation_result(answer, 0, model)}


def _echo(body: Mapping[str, Any], service_tier: str, echoes: Echoes) -> dict[str, Any]:
    rest = dict(body)
    for name in UNECHOED:
        rest.pop(name, None)
    try:
        key = (service_tier, orjson.dumps(rest))
    except orjson.JSONEncodeError:  # (an integer beyond 64 bits)
        return request_echo(body, service_tier)
    echo = echoes.get(key)
    if echo is None:
        echo = request_echo(body, service_tier)
        echoes.put(key, echo)
    return echo


def response_excerpt(plan: ResponsePlan) -> tuple[ResponsePlan, int]:
    """What the journal keeps of a large Response (:mod:`mockai.core.plan_excerpt`): its texts,
    calls and logprobs cut, and its echo of the request (instructions, tools, ...) cut as the
    journal cuts a large body; and the bytes the echo's excerpt holds."""
    chars, weight = excerpt_shares(len(plan.output))
    echo = bounded_copy(plan.echo, ECHO_KEPT_BYTES, max_string=KEPT_CHARS)
    output = tuple(_item_excerpt(item, chars, weight) for item in plan.output)
    return replace(plan, output=output, echo=echo), json_cost(echo)


def _item_excerpt(item: OutputItem, chars: int, weight: int) -> OutputItem:
    if isinstance(item, MessageItem):
        tokens = excerpt_tokens(item.tokens, chars)
        return replace(item, tokens=tokens, logprobs=excerpt_logprobs(item.logprobs, weight) or ())
    if isinstance(item, CallItem):
        return replace(item, call=call_excerpt(item.call, chars))
    return replace(item, summary_tokens=excerpt_tokens(item.summary_tokens, chars))


def with_group(plan: ResponsePlan, group: str) -> ResponsePlan:
    """``plan`` with every id in another group (a stored id must not be given twice)."""
    old = plan.group

    def moved(item_id: str) -> str:
        prefix, _, rest = item_id.partition("_")
        return f"{prefix}_{group}{rest[len(old) :]}" if rest.startswith(old) else item_id

    return replace(
        plan, id=moved(plan.id), group=group, output=tuple(replace(item, id=moved(item.id)) for item in plan.output)
    )


class _Ids:
    """Item ids of one response: the group, ``00``, a time a little after ``created_at``, 24 hex."""

    __slots__ = ("count", "created_at", "group", "seed")

    def __init__(self, seed: bytes, group: str, created_at: int) -> None:
        self.seed, self.group, self.created_at, self.count = seed, group, created_at, 0

    def next(self, prefix: str) -> str:
        count = self.count = self.count + 1
        hashing = _TAILS.copy()
        hashing.update(self.seed + bytes((count,)))
        return f"{prefix}_{self.group}00{self.created_at + (count > 1):08x}{hashing.hexdigest()}"


# What the seeds of a response and the tails of its item ids hash with (copied for each).
_SEEDS = hashlib.blake2b(digest_size=32, key=b"mockai-responses")
_TAILS = hashlib.blake2b(digest_size=_ID_TAIL // 2)


def _conversation_group(body: Mapping[str, Any]) -> str | None:
    """The group of a conversation of mockai's (its id's last 16 hex): its Responses share it."""
    named = conversation_id_of(body.get("conversation"))
    return _group_of(named, "conv_", 53, conversation_group(named)) if named is not None else None


def parent_group(previous: Any) -> str | None:
    """The group of a ``resp_`` id of today's shape (the new response shares it, §2)."""
    return _group_of(previous, "resp_", 55, previous[5:21]) if isinstance(previous, str) else None


def _group_of(named: str, prefix: str, length: int, group: str) -> str | None:
    """``group``, when ``named`` is an id of that ``prefix`` and ``length`` and ``group`` is hex."""
    if named.startswith(prefix) and len(named) == length and all(c in "0123456789abcdef" for c in group):
        return group
    return None


def _effort(body: Mapping[str, Any], model: str) -> str | None:
    """The reasoning effort asked for, else the model's default."""
    reasoning = body.get("reasoning")
    asked = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
    return asked if isinstance(asked, str) else capabilities(model).default_effort


def _reasoning(ids: _Ids, seed: bytes, body: Mapping[str, Any]) -> ReasoningItem:
    rng = random.Random(int.from_bytes(seed[20:28], "big"))
    reasoning = body.get("reasoning")
    asked = reasoning.get("summary") or reasoning.get("generate_summary") if isinstance(reasoning, Mapping) else None
    summary = None
    if asked in ("auto", "concise", "detailed"):
        title = textgen.phrase(rng).title()
        text = f"**{title}**\n\n" + textgen.paragraph(rng, 2, 4 if asked == "detailed" else 2)
        summary = tuple(tokenize(text))
    encrypted = None
    include = body.get("include")
    if isinstance(include, list) and "reasoning.encrypted_content" in include:
        blocks = (rng.randint(8, 20), rng.randint(8, 20))
        encrypted = (fernet_like(rng, ids.created_at, blocks[0]), fernet_like(rng, ids.created_at, blocks[1]))
    return ReasoningItem(ids.next("rs"), summary, encrypted)


def fernet_like(rng: random.Random, created_at: int, blocks: int) -> str:
    """An opaque ``gAAAAA…`` token, as the real API's encrypted content looks: a Fernet token
    (urlsafe base64 of version 0x80, its time: the response's ``created_at``, as the real ones
    carry theirs, then an IV, ``blocks`` blocks of ciphertext and a MAC, all seeded)."""
    payload = b"\x80" + created_at.to_bytes(8, "big") + rng.randbytes(16 + 32 * blocks + 32)
    return base64.urlsafe_b64encode(payload).decode()
