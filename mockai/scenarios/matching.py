"""Matching requests against rules: conditions, an index that keeps 1,000 rules cheap, and misses.

Each rule compiles to a tuple of :class:`Check`\\ s over a :class:`~mockai.scenarios.request_view.RequestView`,
so matching a rule costs at most one cheap test per condition it has.

:class:`RuleIndex` files each rule under its most selective condition that can be looked up:
an exact ``user_equals`` text, a trigram of ``user_contains`` (the rarest among all rules), an
exact ``model``, or the literal prefix of a ``model`` glob; the others are checked for every
request.  Candidates come out in rule order, so
the first matching rule still wins.

:func:`explain` says why no rule matched: the closest rules and, for each, the conditions that
differed, with the value the request had.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from mockai.core.redaction import REDACTED, is_secret_header
from mockai.core.request_reading import message_text
from mockai.scenarios.regex_safety import compile_condition
from mockai.scenarios.request_view import MISSING, RequestView
from mockai.scenarios.rules import Match, MessageMatch, Rule, TextMatch

__all__ = ["Check", "CompiledRule", "RuleIndex", "compile_checks", "compile_rule", "explain", "text_fits"]

_GLOB = re.compile(r"[*?\[]")

# --- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One condition of a rule: its name in explanations, what it wants, and the test."""

    label: str
    expected: str
    test: Callable[[RequestView], bool]
    actual: Callable[[RequestView], str]


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + '..."'


def _show_secret(value: Any) -> str:
    """A secret header's value as explanations show it: whether it is there, never what it is."""
    return _show(value) if value is MISSING else REDACTED


def _text_checks(prefix: str, tm: TextMatch, get: Callable[[RequestView], str | None]) -> list[Check]:
    checks = []
    actual: Callable[[RequestView], str] = lambda v: _show(get(v) if get(v) is not None else MISSING)  # noqa: E731
    if tm.equals is not None:
        want = tm.equals
        checks.append(Check(f"{prefix}_equals", _show(want), lambda v: get(v) == want, actual))
    if tm.contains is not None:
        needle = tm.contains.lower()
        checks.append(
            Check(f"{prefix}_contains", _show(tm.contains), lambda v: needle in (get(v) or "").lower(), actual)
        )
    if tm.regex is not None:
        pattern = compile_condition(tm.regex)
        checks.append(
            Check(f"{prefix}_regex", f"/{tm.regex}/", lambda v: pattern.search(get(v) or "") is not None, actual)
        )
    return checks


def _message_check(i: int, mm: MessageMatch) -> Check:
    pattern = compile_condition(mm.text.regex) if mm.text.regex is not None else None
    needle = mm.text.contains.lower() if mm.text.contains is not None else None

    def fits(message: Any) -> bool:
        if not isinstance(message, dict):
            return False
        if mm.role is not None and message.get("role") != mm.role:
            return False
        text = message_text(message)
        if mm.text.equals is not None and text != mm.text.equals:
            return False
        if needle is not None and needle not in text.lower():
            return False
        return pattern is None or pattern.search(text) is not None

    def test(v: RequestView) -> bool:
        if mm.index is None:
            return any(fits(m) for m in v.messages)
        n = len(v.messages)
        return -n <= mm.index < n and fits(v.messages[mm.index])

    def actual(v: RequestView) -> str:
        if mm.index is None:
            return f"{len(v.messages)} message(s), none fits"
        n = len(v.messages)
        if not -n <= mm.index < n:
            return f"only {n} message(s)"
        m = v.messages[mm.index]
        role = m.get("role") if isinstance(m, dict) else None
        return f"role {role}, content {_show(message_text(m))}"

    wanted = {
        k: val
        for k, val in (
            ("index", mm.index),
            ("role", mm.role),
            ("equals", mm.text.equals),
            ("contains", mm.text.contains),
            ("regex", mm.text.regex),
        )
        if val is not None
    }
    return Check(f"messages[{i}]", _show(wanted), test, actual)


def _glob_or_equal(want: str) -> Callable[[str | None], bool]:
    if _GLOB.search(want):
        pattern = re.compile(fnmatch.translate(want))
        return lambda got: got is not None and pattern.match(got) is not None
    return lambda got: got == want


def compile_checks(m: Match) -> tuple[Check, ...]:
    checks: list[Check] = []
    if m.model is not None:
        model_ok = _glob_or_equal(m.model)
        checks.append(Check("model", _show(m.model), lambda v: model_ok(v.model), lambda v: _show(v.model)))
    if m.stream is not None:
        want_stream = m.stream
        checks.append(Check("stream", _show(want_stream), lambda v: v.stream == want_stream, lambda v: _show(v.stream)))
    checks += _text_checks("user", m.user, lambda v: v.last_user)
    checks += _text_checks("system", m.system, lambda v: v.system)
    if m.last_role is not None:
        role = m.last_role
        checks.append(Check("last_role", role, lambda v: v.last_role == role, lambda v: str(v.last_role)))
    for i, mm in enumerate(m.messages):
        checks.append(_message_check(i, mm))
    if m.tools:
        tools = m.tools
        checks.append(
            Check(
                "tools",
                ", ".join(tools),
                lambda v: all(t in v.tool_names for t in tools),
                lambda v: ", ".join(v.tool_names) or "(no tools)",
            )
        )
    if m.tool_choice is not None:
        choice = m.tool_choice
        checks.append(Check("tool_choice", choice, lambda v: v.tool_choice == choice, lambda v: v.tool_choice))
    if m.tool_result is not None:
        checks.append(_tool_result_check(m))
    if m.response_format is not None:
        fmt = m.response_format
        checks.append(Check("response_format", fmt, lambda v: v.response_format == fmt, lambda v: v.response_format))
    if m.schema_name is not None:
        name = m.schema_name
        checks.append(Check("schema_name", name, lambda v: v.schema_name == name, lambda v: str(v.schema_name)))
    for header, value in m.headers:
        ok = _glob_or_equal(value)
        shown = _show_secret if is_secret_header(header) else _show  # (a key is never shown)
        checks.append(
            Check(
                f"headers.{header}",
                shown(value),
                lambda v, h=header, ok=ok: ok(v.headers.get(h)),  # type: ignore[misc]
                lambda v, h=header, shown=shown: shown(v.headers.get(h, MISSING)),  # type: ignore[misc]
            )
        )
    for pointer, want in m.fields:
        checks.append(
            Check(
                f"fields {pointer}",
                _show(want),
                lambda v, p=pointer, w=want: _equal(v.pointer(p), w),  # type: ignore[misc]
                lambda v, p=pointer: _show(v.pointer(p)),  # type: ignore[misc]
            )
        )
    if m.turn is not None:
        turn = m.turn
        checks.append(Check("turn", str(turn), lambda v: v.turn == turn, lambda v: str(v.turn)))
    if not m.input.is_empty():
        checks.append(_input_check(m.input))
    return tuple(checks)


def text_fits(tm: TextMatch) -> Callable[[str | None], bool]:
    """Whether one text fits every part of ``tm`` (equals, contains case-insensitively, regex)."""
    pattern = compile_condition(tm.regex) if tm.regex is not None else None
    needle = tm.contains.lower() if tm.contains is not None else None

    def fits(text: str | None) -> bool:
        if text is None:
            return False
        if tm.equals is not None and text != tm.equals:
            return False
        if needle is not None and needle not in text.lower():
            return False
        return pattern is None or pattern.search(text) is not None

    return fits


def _input_check(tm: TextMatch) -> Check:
    """Some input fits (the rule then answers for the inputs that fit: see scenarios.inputs)."""
    fits = text_fits(tm)
    wanted = {k: val for k, val in (("equals", tm.equals), ("contains", tm.contains), ("regex", tm.regex)) if val}
    return Check(
        "input",
        _show(wanted),
        lambda v: any(map(fits, v.inputs)),
        lambda v: _show([t for t in v.inputs[:3]]) + (f" and {len(v.inputs) - 3} more" if len(v.inputs) > 3 else ""),
    )


def _equal(got: Any, want: Any) -> bool:
    # JSON equality: 1 == 1.0 but True != 1.
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    return bool(got == want) and got is not MISSING


def _tool_result_check(m: Match) -> Check:
    tr = m.tool_result
    assert tr is not None
    needle = tr.contains.lower() if tr.contains is not None else None

    def test(v: RequestView) -> bool:
        return any(
            (tr.name is None or r.name == tr.name)
            and (tr.id is None or r.call_id == tr.id)
            and (needle is None or needle in r.text.lower())
            for r in v.tool_results
        )

    def actual(v: RequestView) -> str:
        if not v.tool_results:
            return "no tool result"
        return "; ".join(f"{r.name or r.call_id}: {_show(r.text)}" for r in v.tool_results[-3:])

    wanted = {k: val for k, val in (("name", tr.name), ("id", tr.id), ("contains", tr.contains)) if val is not None}
    return Check("tool_result", _show(wanted) if wanted else "any tool result", test, actual)


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    position: int
    checks: tuple[Check, ...]
    tests: tuple[Callable[[RequestView], bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tests", tuple(c.test for c in self.checks))

    def matches(self, view: RequestView) -> bool:
        # A plain loop: the hot path of matching, cheaper than all() over a generator.
        for test in self.tests:  # noqa: SIM110
            if not test(view):
                return False
        return True

    def failures(self, view: RequestView) -> list[Check]:
        return [c for c in self.checks if not c.test(view)]


def compile_rule(rule: Rule, position: int) -> CompiledRule:
    return CompiledRule(rule, position, compile_checks(rule.match))


# --- the index ---------------------------------------------------------------------------------


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


class RuleIndex:
    """Candidate rules for a request, in rule order, from a few dictionary lookups."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self.rules = tuple(rules)
        self._by_user: dict[str, list[int]] = {}
        self._by_trigram: dict[str, list[int]] = {}
        self._by_model: dict[str, list[int]] = {}
        # Model globs by their literal prefix ("gpt-4o*" under "gpt-4o"), looked up by length.
        self._by_model_prefix: dict[str, list[int]] = {}
        self._prefix_lengths: tuple[int, ...] = ()
        self._always: list[int] = []
        counts: Counter[str] = Counter()
        for compiled in self.rules:
            needle = compiled.rule.match.user.contains
            if needle is not None and compiled.rule.match.user.equals is None:
                counts.update(_trigrams(needle.lower()))
        for compiled in self.rules:
            m = compiled.rule.match
            pos = compiled.position
            needle = m.user.contains.lower() if m.user.contains is not None else ""
            prefix = _GLOB.split(m.model, 1)[0] if m.model is not None else ""
            if m.user.equals is not None:
                self._by_user.setdefault(m.user.equals, []).append(pos)
            elif len(needle) >= 3:
                rarest = min(sorted(_trigrams(needle)), key=lambda t: counts[t])
                self._by_trigram.setdefault(rarest, []).append(pos)
            elif m.model is not None and prefix == m.model:
                self._by_model.setdefault(m.model, []).append(pos)
            elif prefix:
                self._by_model_prefix.setdefault(prefix, []).append(pos)
            else:
                self._always.append(pos)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._by_model_prefix}))

    def candidates(self, view: RequestView) -> list[CompiledRule]:
        lists: list[list[int]] = [self._always] if self._always else []
        model = view.model
        if self._by_model:
            found = self._by_model.get(model)
            if found:
                lists.append(found)
        for length in self._prefix_lengths:
            found = self._by_model_prefix.get(model[:length])
            if found:
                lists.append(found)
        if self._by_user and view.last_user is not None:
            found = self._by_user.get(view.last_user)
            if found:
                lists.append(found)
        if self._by_trigram and view.last_user:
            lists.extend(self._trigram_lists(view.last_user_lower))
        rules = self.rules
        if len(lists) == 1:
            return [rules[p] for p in lists[0]]
        # Each rule sits in exactly one bucket: joining and sorting restores rule order.
        return [rules[p] for p in sorted(chain.from_iterable(lists))]

    def _trigram_lists(self, text: str) -> list[list[int]]:
        table = self._by_trigram
        if len(text) - 2 < len(table):
            return [table[t] for t in _trigrams(text) if t in table]
        return [positions for t, positions in table.items() if t in text]


# --- explaining a miss -------------------------------------------------------------------------


def describe_request(view: RequestView) -> str:
    parts = [f"model {_show(view.model)}"] if view.model else ["no model"]
    if view.inputs:
        parts.append(
            f"input {_show(view.inputs[0])}" + (f" and {len(view.inputs) - 1} more" if len(view.inputs) > 1 else "")
        )
    if view.last_user is not None:
        parts.append(f"last user message {_show(view.last_user)}")
    if view.tool_results:
        parts.append(f"{len(view.tool_results)} tool result(s)")
    if view.stream:
        parts.append("stream")
    return ", ".join(parts)


def explain(
    view: RequestView,
    rules: Sequence[CompiledRule],
    spent: Callable[[CompiledRule], str | None] = lambda c: None,
    closest: int = 3,
) -> str:
    """Why no rule matched ``view``: the closest rules and the conditions each one failed."""
    head = f"No scenario rule matched this request ({describe_request(view)})."
    if not rules:
        return head + " No rules for this endpoint are loaded."  # (other endpoints' rules never answer it)
    scored = []
    for compiled in rules:
        reasons = [f"{c.label}: expected {c.expected}, got {c.actual(view)}" for c in compiled.failures(view)]
        used_up = spent(compiled)
        if used_up and not reasons:
            reasons = [used_up]
        scored.append((len(reasons), compiled.position, compiled, reasons))
    scored.sort(key=lambda s: (s[0], s[1]))
    lines = [head, f"Closest of {len(rules)} rule(s):"]
    for _, _, compiled, reasons in scored[:closest]:
        lines.append(f"  - {compiled.rule.describe()}: " + "; ".join(reasons))
    return "\n".join(lines)
