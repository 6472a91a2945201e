"""Rules written in Python: the same rules as YAML, built by chaining.

::

    src.on(user_contains="weather", tools=["get_weather"]).reply(
        tool_call=("get_weather", {"location": "Boston"})
    )
    src.on(tool_result="get_weather").reply("It is {{ tool_result.temperature }} degrees.")
    src.on().fail(429, retry_after=0.01, times=2)          # the first two calls fail, then the next rule
    src.on(model="gpt-4o*").reply(content="first").then(content="second")
    src.on(stream=True).stream_cut(after=3)               # the seeded answer, cut after 3 events

``on(**conditions)`` takes the keys of a YAML ``match:`` (plus ``name``, ``description``,
``optional``); ``reply(**fields)`` the keys of a YAML reply, with two conveniences: a tool call
may be a ``(name, arguments)`` pair, and a positional string is the content.  Every call builds
the YAML-shaped mapping and parses it with :func:`mockai.scenarios.file_format.parse_rule`, so a builder
rule equals the YAML rule it mirrors, and a mistake is reported at the line that made it.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from mockai.scenarios.file_format import parse_rule
from mockai.scenarios.rules import Origin, Rule

__all__ = ["RuleBuilder", "RuleRegistry", "call_site"]


class RuleRegistry(Protocol):
    """Where a builder's rule lives while it is built (a ScenarioSource)."""

    def register(self, rule: Rule) -> object:
        """Add ``rule`` after the others; return a handle for :meth:`update`."""
        ...

    def update(self, handle: object, rule: Rule) -> None:
        """Put ``rule`` in the place of the one registered under ``handle`` (its counter stays)."""
        ...

    def counts(self) -> Sequence[tuple[Rule, int]]: ...


def call_site() -> tuple[str, int]:
    """The first frame outside mockai: where a user wrote ``on(...)``."""
    frame = inspect.currentframe()
    package = str(Path(__file__).parents[1]) + os.sep  # the mockai package
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(package):
            return filename, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


_RULE_KEYS = ("name", "description", "optional")


def _call(value: Any) -> Any:
    """``("name", {args})`` -> ``{"name": ..., "arguments": ...}``; mappings pass through."""
    if isinstance(value, tuple):
        name, *rest = value
        call: dict[str, Any] = {"name": name}
        if rest:
            call["arguments"] = rest[0]
        return call
    return value


def _reply_fields(content: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    reply = {k: v for k, v in fields.items() if v is not None}
    if content is not None:
        reply["content"] = content
    if "tool_call" in reply:
        reply["tool_call"] = _call(reply["tool_call"])
    if "tool_calls" in reply:
        reply["tool_calls"] = [_call(c) for c in reply["tool_calls"]]
    if "function_call" in reply:
        reply["function_call"] = _call(reply["function_call"])
    if "choices" in reply:
        reply["choices"] = [
            {"content": c} if isinstance(c, str) else _reply_fields(None, dict(c)) for c in reply["choices"]
        ]
    return reply


class RuleBuilder:
    """One rule under construction; already registered, updated by every call."""

    def __init__(self, source: RuleRegistry, conditions: dict[str, Any], file: str, line: int) -> None:
        self._source = source
        self._origin = Origin(file, line)
        self._spec: dict[str, Any] = {k: conditions.pop(k) for k in _RULE_KEYS if k in conditions}
        if conditions:
            self._spec["match"] = dict(conditions)
        self._replies: list[dict[str, Any]] = []
        self._times: int | None = None  # set by times()
        self._last_has_times = False  # the last reply was added with times=N
        self._last_count = 1  # ... and how many copies that made
        self._rule = self._build()
        self._handle = source.register(self._rule)

    # --- replies ---------------------------------------------------------------------------------

    def reply(self, content: str | None = None, /, *, times: int | None = None, **fields: Any) -> RuleBuilder:
        """Add a reply (YAML reply keys); ``times=N`` sends it N times, then the rule is used up."""
        return self._add(_reply_fields(content, fields), times)

    then = reply

    def fail(
        self,
        status: int = 500,
        message: str | None = None,
        *,
        times: int | None = None,
        **error: Any,
    ) -> RuleBuilder:
        """Add an HTTP error reply: ``fail(429, retry_after=0.01, times=2)``.

        Keys: ``type``, ``code``, ``param``, ``headers``, ``retry_after``, ``retry_after_ms``,
        ``should_retry``; what is left out takes the real API's default for the status.
        """
        fields = {k: v for k, v in error.items() if v is not None or k in ("code", "param")}
        if message is not None:
            fields["message"] = message
        return self._add({"error": {"status": status, **fields} if fields else status}, times)

    def _add(self, reply: dict[str, Any], times: int | None) -> RuleBuilder:
        count = 1 if times is None else times
        if count < 1:
            raise ValueError("times must be at least 1")
        replies = self._replies + [dict(reply) for _ in range(count)]
        self._last_count = count
        return self._apply(replies=replies, last_has_times=times is not None)

    # --- the last reply's timing and faults ----------------------------------------------------------

    def _edit_last(self, **changes: Any) -> RuleBuilder:
        replies = [dict(r) for r in self._replies] or [{}]
        # The copies made by times=N are edited together.
        for reply in replies[-self._last_count :]:
            for key, value in changes.items():
                if value is not None:
                    reply[key] = value
        return self._apply(replies=replies)

    def delay(self, first_byte: float | None = None, chunk: float | list[float] | None = None) -> RuleBuilder:
        """Seconds before the first byte, and between stream events."""
        return self._edit_last(delay=first_byte, chunk_delay=chunk)

    def stream(
        self, tokens_per_chunk: int | None = None, chunk_delay: float | list[float] | None = None
    ) -> RuleBuilder:
        """How the last reply streams: tokens per chunk, seconds between events."""
        return self._edit_last(tokens_per_chunk=tokens_per_chunk, chunk_delay=chunk_delay)

    def headers(self, **headers: str) -> RuleBuilder:
        """Extra response headers (``x_custom="1"`` is ``x-custom: 1``)."""
        return self._edit_last(headers={k.replace("_", "-"): v for k, v in headers.items()})

    def fault(self, kind: str, after: int | None = None, **error: Any) -> RuleBuilder:
        fault: dict[str, Any] = {"kind": kind}
        if after is not None:
            fault["after"] = after
        if error:
            fault["error"] = {k: v for k, v in error.items() if v is not None or k in ("code", "param")}
        return self._edit_last(fault=fault if len(fault) > 1 else kind)

    def stream_cut(self, after: int = 1) -> RuleBuilder:
        """The stream stops after ``after`` events, without ``[DONE]``."""
        return self.fault("cut", after)

    def reset(self, after: int = 0) -> RuleBuilder:
        """The connection is dropped after ``after`` events (0: before any byte)."""
        return self.fault("reset", after)

    def malformed(self, after: int = 1) -> RuleBuilder:
        """Event number ``after`` is not valid JSON (a JSON answer is truncated)."""
        return self.fault("malformed", after)

    def stream_error(self, after: int = 1, message: str | None = None, **error: Any) -> RuleBuilder:
        """An ``error`` event after ``after`` events, then ``[DONE]``, as the real API sends it."""
        if message is not None:
            error["message"] = message
        return self.fault("error_event", after, **error)

    def empty(self) -> RuleBuilder:
        """A 200 with an empty body."""
        return self.fault("empty")

    def hang(self) -> RuleBuilder:
        """Never answer (until the client times out or the server stops)."""
        return self.fault("hang")

    # --- the rule --------------------------------------------------------------------------------

    def times(self, n: int) -> RuleBuilder:
        """Answer at most ``n`` times; then ``exhausted`` decides (default: the next rule answers)."""
        self._times = n
        return self._apply()

    def exhausted(self, mode: str) -> RuleBuilder:
        """After the last reply: ``repeat`` it, ``fall_through`` to the next rule, or answer an ``error``."""
        return self._apply(extra={"exhausted": mode})

    def optional(self, optional: bool = True) -> RuleBuilder:
        """Do not report this rule as unused."""
        return self._apply(extra={"optional": optional})

    def named(self, name: str) -> RuleBuilder:
        return self._apply(extra={"name": name})

    def schemas(self, tools: dict[str, Any] | None = None, response_format: Any = None) -> RuleBuilder:
        """Schemas to check this rule's replies against now (as the YAML ``schemas:``)."""
        schemas: dict[str, Any] = {}
        if tools is not None:
            schemas["tools"] = tools
        if response_format is not None:
            schemas["response_format"] = response_format
        return self._apply(extra={"schemas": schemas})

    @property
    def rule(self) -> Rule:
        return self._rule

    @property
    def call_count(self) -> int:
        """How many requests this rule has answered."""
        return next((n for rule, n in self._source.counts() if rule is self._rule), 0)

    def describe(self) -> str:
        return self._rule.describe()

    def __repr__(self) -> str:
        return f"<RuleBuilder {self._rule.describe()}>"

    # --- building --------------------------------------------------------------------------------

    def _apply(
        self,
        replies: list[dict[str, Any]] | None = None,
        last_has_times: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> RuleBuilder:
        saved = (self._replies, self._last_has_times, dict(self._spec))
        if replies is not None:
            self._replies = replies
        if last_has_times is not None:
            self._last_has_times = last_has_times
        self._spec.update(extra or {})
        try:
            rule = self._build()
        except ValueError:
            self._replies, self._last_has_times, self._spec = saved
            raise
        self._rule = rule
        self._source.update(self._handle, rule)
        return self

    def _spec_now(self) -> dict[str, Any]:
        spec = dict(self._spec)
        if len(self._replies) == 1:
            spec["reply"] = self._replies[0]
        elif self._replies:
            spec["replies"] = self._replies
        times = self._times if self._times is not None else (len(self._replies) if self._last_has_times else None)
        if times is not None:
            spec["times"] = times
        return spec

    def _build(self) -> Rule:
        # Mistakes are reported at the call that made them; the rule keeps the line of on().
        rule = parse_rule(self._spec_now(), Origin(*call_site()))
        return replace(rule, origin=self._origin)
