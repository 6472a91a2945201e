"""Scenarios: scripted replies chosen by rules, the first reply source of every server.

Each :class:`~mockai.server.state.ServerState` builds its :class:`ScenarioSource` and loads
``config.scenarios`` at once (a broken file stops the server before it listens); the source
explains unmatched requests (``on_no_match``) and its sequences start over on ``POST /_mockai/reset``.

The source keeps, per server: the rules in order, how often each one answered, the requests no
rule matched (:attr:`ScenarioSource.misses`), and the replies that could not be sent
(:attr:`ScenarioSource.problems`: a tool call that does not fit the tool, a template naming
something the request lacks, …).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockai.chat.planner import Planner
from mockai.core.context import RequestContext
from mockai.core.errors import APIError
from mockai.core.json_budget import bounded_copy
from mockai.core.model_catalog import ModelCatalog
from mockai.core.plan import Delivery, ErrorReply, Reply
from mockai.core.request_reading import bearer_key
from mockai.responses.chat_view import chat_view
from mockai.scenarios.builder import RuleBuilder, call_site
from mockai.scenarios.file_format import load_path, load_text
from mockai.scenarios.inputs import InputsReply, build_inputs_reply
from mockai.scenarios.matching import CompiledRule, RuleIndex, compile_checks, explain
from mockai.scenarios.replies import ScriptProblem, build_reply, problem_error
from mockai.scenarios.request_view import RequestView
from mockai.scenarios.rules import Endpoint, Rule, ScenarioError
from mockai.scenarios.templating import TemplateError

__all__ = ["Miss", "Problem", "ScenarioError", "ScenarioSource", "endpoint_of"]

_KEPT = 1000  # misses and problems kept (oldest dropped)
_WHOLE_BODY_BYTES = 64 << 10  # a miss keeps a body up to this size whole
# The memory the misses kept may hold, oldest dropped (the newest is always kept).  A body kept
# whole is its parsed JSON: up to about 12 times its bytes (a body of many tiny messages), so a
# miss is charged that.  An audit found 1,000 misses of 62 KiB bodies holding 700 MiB.
_MISSES_BYTES = 32 << 20
_PARSED_PER_BYTE = 12
_MISS_COST = 1024  # the Miss, its explanation's closure, the request's headers


def endpoint_of(path: str) -> Endpoint:
    """The endpoint a request path is for (chat for any other path)."""
    if path.endswith("/embeddings"):
        return "embeddings"
    if path.endswith("/moderations"):
        return "moderations"
    return "chat"


def likely_path(body: dict[str, Any]) -> str:
    """The endpoint a request body is most likely for: chat when it has ``messages``; else, with
    ``input``, embeddings or moderations by the model's name, Responses for any other model."""
    if "messages" in body or "input" not in body:
        return "/v1/chat/completions"
    model = str(body.get("model", ""))
    if "embedding" in model:
        return "/v1/embeddings"
    if "moderation" in model:
        return "/v1/moderations"
    return "/v1/responses"


@dataclass
class Miss:
    """A request no rule matched; ``explanation`` names the closest rules and what differed."""

    seq: int
    body: dict[str, Any]
    _explain: Callable[[], str] = field(repr=False)
    _text: str | None = field(default=None, repr=False)

    @property
    def explanation(self) -> str:
        if self._text is None:
            self._text = self._explain()
        return self._text

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "body": self.body, "explanation": self.explanation}


class _Misses:
    """The misses kept: the last :data:`_KEPT`, within about :data:`_MISSES_BYTES`."""

    def __init__(self) -> None:
        self._kept: deque[tuple[Miss, int]] = deque()
        self._bytes = 0

    def append(self, miss: Miss, cost: int) -> None:
        kept = self._kept
        kept.append((miss, cost))
        self._bytes += cost
        while len(kept) > _KEPT or (self._bytes > _MISSES_BYTES and len(kept) > 1):
            self._bytes -= kept.popleft()[1]

    def last(self) -> Miss | None:
        return self._kept[-1][0] if self._kept else None

    def drop_last(self, seq: int) -> None:
        """Forget the miss of request ``seq`` if it is the newest (it was answered after all)."""
        kept = self._kept
        if kept and kept[-1][0].seq == seq:
            self._bytes -= kept.pop()[1]

    def all(self) -> list[Miss]:
        return [miss for miss, _ in list(self._kept)]

    def clear(self) -> None:
        self._kept.clear()
        self._bytes = 0


def _kept_miss(ctx: RequestContext, explain: Callable[[], str]) -> tuple[Miss, int]:
    """A miss explained when first read, and what keeping it costs; a large body is explained now
    and kept cut down, so the misses kept stay small whatever the requests weigh."""
    if len(ctx.raw) <= _WHOLE_BODY_BYTES:
        return Miss(ctx.seq, ctx.body, explain), _MISS_COST + _PARSED_PER_BYTE * len(ctx.raw)
    text = explain()
    kept = bounded_copy(ctx.body, _WHOLE_BODY_BYTES)
    return Miss(ctx.seq, kept, lambda: text), _MISS_COST + 2 * (_WHOLE_BODY_BYTES + len(text))


@dataclass
class Problem:
    """A rule matched but its reply could not be sent as written."""

    seq: int
    rule: Rule
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "rule": self.rule.describe(), "message": self.message}


@dataclass
class _Entry:
    rule: Rule
    checks: tuple[Any, ...]
    count: int = 0
    # rule.times, or no limit: compared on every candidate, so kept as a plain number.
    limit: float = field(init=False)

    def __post_init__(self) -> None:
        self.limit = self.rule.times if self.rule.times is not None else math.inf

    def spent(self) -> bool:
        return self.count >= self.limit


class ScenarioSource:
    """Rules, matched in order; the first that matches answers (a :class:`~mockai.core.context.ReplySource`)."""

    name = "scenarios"

    def __init__(
        self,
        planner: Planner | None = None,
        *,
        seeded_delivery: Callable[[RequestContext], Delivery] | None = None,
        cached_tokens: Callable[[RequestContext], int] | None = None,
    ) -> None:
        self.planner = planner or Planner(ModelCatalog())
        self._seeded_delivery = seeded_delivery
        # The server's prompt cache: what it holds of a request's prompt (0 without a server).
        self._cached_tokens = cached_tokens
        self._entries: list[_Entry] = []
        # Per endpoint (chat, embeddings, moderations): the index of its rules, and their entries.
        self._snapshot: dict[Endpoint, tuple[RuleIndex, tuple[_Entry, ...]]] | None = None
        self._lock = threading.RLock()
        self._misses = _Misses()
        self._problems: deque[Problem] = deque(maxlen=_KEPT)

    # --- rules ---------------------------------------------------------------------------------

    @property
    def rules(self) -> tuple[Rule, ...]:
        with self._lock:
            return tuple(e.rule for e in self._entries)

    def load(self, path: str | Path) -> list[Rule]:
        """Add the rules of a scenario file, or of every file in a directory."""
        rules = load_path(path)
        self.add(rules)
        return rules

    def load_text(self, text: str, origin: str = "<text>") -> list[Rule]:
        """Add the rules of YAML (or JSON) text; ``origin`` names it in errors."""
        rules = load_text(text, origin)
        self.add(rules)
        return rules

    def add(self, rules: Rule | Iterable[Rule]) -> None:
        """Add rules after those already loaded (earlier rules win)."""
        with self._lock:
            for rule in [rules] if isinstance(rules, Rule) else list(rules):
                self._entries.append(_Entry(rule, compile_checks(rule.match)))
            self._snapshot = None

    def replace(self, rules: Iterable[Rule]) -> None:
        """Use exactly these rules from now on (their counters start at zero)."""
        with self._lock:
            self._entries = [_Entry(rule, compile_checks(rule.match)) for rule in rules]
            self._snapshot = None

    def clear(self) -> None:
        """No rules, no misses, no problems."""
        with self._lock:
            self._entries = []
            self._snapshot = None
        self.reset()

    def on(self, **conditions: Any) -> RuleBuilder:
        """A new rule with these conditions (the keys of a YAML ``match:``); chain its replies.

        ``src.on(user_contains="weather", tools=["get_weather"]).reply(tool_call=("get_weather", {...}))``
        """
        file, line = call_site()
        return RuleBuilder(self, conditions, file, line)

    def register(self, rule: Rule) -> object:
        with self._lock:
            entry = _Entry(rule, compile_checks(rule.match))
            self._entries.append(entry)
            self._snapshot = None
            return entry

    def update(self, handle: object, rule: Rule) -> None:
        with self._lock:
            for entry in self._entries:
                if entry is handle:
                    entry.rule = rule
                    entry.checks = compile_checks(rule.match)
                    entry.limit = rule.times if rule.times is not None else math.inf
                    self._snapshot = None

    def _current(self, endpoint: Endpoint = "chat") -> tuple[RuleIndex, tuple[_Entry, ...]]:
        snapshots = self._snapshot
        snapshot = snapshots.get(endpoint) if snapshots is not None else None
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = {}
                entries = tuple(e for e in self._entries if e.rule.match.endpoint == endpoint)
                index = RuleIndex([CompiledRule(e.rule, i, e.checks) for i, e in enumerate(entries)])
                snapshot = self._snapshot[endpoint] = (index, entries)
        return snapshot

    # --- what happened -------------------------------------------------------------------------

    def answered_elsewhere(self, seq: int) -> None:
        """Request ``seq``, which no rule matched, was answered by a later reply source (a
        cassette): it is no miss of the script (the cassette answers when no rule matches)."""
        self._misses.drop_last(seq)

    def unanswered(self, ctx: RequestContext, why: str) -> None:
        """Request ``ctx`` was answered by nothing the test prepared (no rule, and the cassette has
        no answer for it: ``why``): a miss strict mode reports, as VCR.py fails a test on a request
        its cassette lacks, even when the application swallows the 404."""
        last = self._misses.last()
        if last is not None and last.seq == ctx.seq:
            return  # (the rules' own explanation is kept)
        self._misses.append(*_kept_miss(ctx, lambda: f"the cassette has no answer for it either: {why}"))

    @property
    def misses(self) -> list[Miss]:
        """Requests no rule matched (while rules were loaded), oldest first."""
        return self._misses.all()

    @property
    def problems(self) -> list[Problem]:
        """Replies that could not be sent as written, oldest first."""
        return list(self._problems)

    def unused(self) -> list[Rule]:
        """Rules never matched, or with replies (or ``times``) not used up; ``optional`` ones excepted."""
        with self._lock:
            return [e.rule for e in self._entries if not e.rule.optional and e.count < e.rule.expected_matches()]

    def counts(self) -> list[tuple[Rule, int]]:
        """Each rule with the number of requests it answered."""
        with self._lock:
            return [(e.rule, e.count) for e in self._entries]

    def reset(self) -> None:
        """Sequences start over; misses and problems are forgotten (rules stay)."""
        with self._lock:
            for entry in self._entries:
                entry.count = 0
        self._misses.clear()
        self._problems.clear()

    def explain(
        self, body: dict[str, Any], headers: dict[str, str] | None = None, *, path: str = "/v1/chat/completions"
    ) -> str:
        """Which rule would answer ``body`` sent to ``path`` now, or why none would (nothing is
        counted).  A Responses body is seen as its rules see it, through its chat view (without the
        stored conversation a ``previous_response_id`` would bring)."""
        if path.endswith("/responses") and isinstance(body.get("input", ""), (str, list)):
            body = chat_view(body)
        view = RequestView(body, headers or {})
        index, entries = self._current(endpoint_of(path))
        for compiled in index.candidates(view):
            entry = entries[compiled.position]
            if compiled.matches(view):
                if entry.spent() and entry.rule.exhausted == "fall_through":
                    continue
                state = " (used up: it would answer an error)" if entry.spent() else ""
                return f"{compiled.rule.describe()} matches this request{state}."
        return self._explain(view, index, entries)

    def _explain(self, view: RequestView, index: RuleIndex, entries: tuple[_Entry, ...]) -> str:
        def spent(compiled: CompiledRule) -> str | None:
            entry = entries[compiled.position]
            if entry.spent():
                return f"used up: it answered {entry.count} time(s) (times: {entry.rule.times})"
            return None

        return explain(view, index.rules, spent)

    # --- answering -----------------------------------------------------------------------------

    async def choose(self, ctx: RequestContext) -> Reply | None:
        """The answer of the first chat rule that matches ``ctx``, or None."""
        if not self._current("chat")[1]:
            return None  # no rule: no view of the request to build (its headers by lower-cased name)
        view = RequestView(ctx.body, ctx.headers)
        found = self._first_match(ctx, view, "chat")
        if found is None or isinstance(found, ErrorReply):
            return found
        return self._reply(ctx, view, *found)

    async def choose_for_inputs(
        self, ctx: RequestContext, *, keep_miss: bool = True
    ) -> InputsReply | ErrorReply | None:
        """The answer of the first embeddings (or moderations) rule that matches ``ctx``, or None
        (kept among the misses if ``keep_miss``: seeded vectors are no mistake of a test)."""
        endpoint = endpoint_of(ctx.path)
        if not self._current(endpoint)[1]:
            return None
        view = RequestView(ctx.body, ctx.headers)
        found = self._first_match(ctx, view, endpoint, keep_miss)
        if found is None or isinstance(found, ErrorReply):
            return found
        rule, count = found
        return build_inputs_reply(rule, rule.reply_for(count), view, bearer_key(ctx.headers))

    def problem_of(self, seq: int, source: str, message: str) -> ErrorReply:
        """:meth:`problem` for the rule whose reply came from ``source`` (``scenario:<label>``), as
        a surface that reads a rule's answer its own way finds it cannot send it."""
        label = source.removeprefix("scenario:")
        rule = next((rule for rule in self.rules if rule.label == label), None)
        if rule is None:  # (the rules were replaced meanwhile)
            return ErrorReply(APIError(400, f"mockai: {message}", type="mockai_scenario_error"), source=source)
        return self.problem(seq, rule, message)

    def problem(self, seq: int, rule: Rule, message: str) -> ErrorReply:
        """A reply of ``rule`` that cannot be sent for request ``seq``: kept, and answered as a 400."""
        self._problems.append(Problem(seq, rule, message))
        return ErrorReply(problem_error(rule, message), source=f"scenario:{rule.label}")

    def _first_match(
        self, ctx: RequestContext, view: RequestView, endpoint: Endpoint, keep_miss: bool = True
    ) -> tuple[Rule, int] | ErrorReply | None:
        """The first rule for ``endpoint`` that matches, and its count before this match (counted);
        the error of a used-up rule that says so; None (a miss, kept) when none matches."""
        index, entries = self._current(endpoint)
        if not entries:
            return None
        for compiled in index.candidates(view):
            entry = entries[compiled.position]
            spent = entry.count >= entry.limit
            if spent and compiled.rule.exhausted != "error":
                continue
            if not compiled.matches(view):
                continue
            rule = compiled.rule
            if spent:
                message = f"its replies are used up (it answered {entry.count} time(s); times: {rule.times})"
                self._problems.append(Problem(ctx.seq, rule, message))
                error = problem_error(rule, message, "scenario_exhausted")
                return ErrorReply(error, source=f"scenario:{rule.label}")
            count = entry.count
            entry.count += 1
            return rule, count
        if keep_miss:
            self._misses.append(*self._miss(ctx, view, index, entries))
        return None

    def _miss(
        self, ctx: RequestContext, view: RequestView, index: RuleIndex, entries: tuple[_Entry, ...]
    ) -> tuple[Miss, int]:
        return _kept_miss(ctx, lambda: self._explain(view, index, entries))

    def _reply(self, ctx: RequestContext, view: RequestView, rule: Rule, count: int) -> Reply:
        spec = rule.reply_for(count)
        seeded = self._seeded_delivery(ctx) if spec.seeded and self._seeded_delivery else None
        try:
            return build_reply(
                rule,
                spec,
                min(count, len(rule.replies) - 1),
                view,
                self.planner,
                api_key=bearer_key(ctx.headers),
                seeded_delivery=seeded,
                assign_id=ctx.assign_id,
                cached_tokens=self._cached_tokens(ctx) if self._cached_tokens is not None else 0,
            )
        except (ScriptProblem, TemplateError) as exc:
            self._problems.append(Problem(ctx.seq, rule, str(exc)))
            return ErrorReply(problem_error(rule, str(exc)), source=f"scenario:{rule.label}")

    async def no_match(self, ctx: RequestContext) -> APIError:
        """The 404 for a request no rule matched, naming the closest rules."""
        last = self._misses.last()
        if last is not None and last.seq == ctx.seq:
            text = last.explanation
        else:
            index, entries = self._current(endpoint_of(ctx.path))
            text = self._explain(RequestView(ctx.body, ctx.headers), index, entries)
        return APIError(404, text, code="no_matching_rule")
