"""``{{ … }}`` templates in scripted replies: small, safe (no eval), checked when a rule is loaded.

A template is text with ``{{ path }}`` or ``{{ path | filter }}`` slots.  A path starts at one of
:data:`ROOTS` and goes on with ``.field``, ``[index]`` (negative counts from the end) or
``["key"]``::

    {{ last_user_message }}            {{ model }}          {{ turn }}
    {{ tool_result.temperature }}      (a field of the last tool result's JSON content)
    {{ tool_results[0].content }}      {{ messages[-1].content }}     {{ body.metadata.suite }}

Filters: ``json`` (compact JSON), ``upper``, ``lower``, ``length``.  A string that is exactly one
slot keeps the value's JSON type when it sits inside a ``json:`` or tool-call ``arguments`` object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mockai.core.request_reading import ToolResult

__all__ = ["ROOTS", "Template", "TemplateError", "check_value", "compile_template", "has_slots", "render_value"]

ROOTS = (
    "model",
    "last_user_message",
    "system",
    "turn",
    "messages",
    "tool_result",
    "tool_results",
    "body",
)
FILTERS: dict[str, Callable[[Any], Any]] = {
    "json": lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False),
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "length": lambda v: len(v) if isinstance(v, (str, list, dict)) else len(_text(v)),
}

_SLOT = re.compile(r"\{\{(.*?)\}\}", re.S)
_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*(-?\d+)\s*\]|\[\s*(?:"([^"]*)"|'([^']*)')\s*\]""")
_ROOT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateError(ValueError):
    """A template that cannot be parsed, or a path the request does not have."""


Step = str | int


@dataclass(frozen=True)
class Slot:
    text: str
    root: str
    steps: tuple[Step, ...]
    filters: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    parts: tuple[str | Slot, ...]

    @property
    def is_plain(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def render(self, lookup: Callable[[str], Any]) -> str:
        return "".join(p if isinstance(p, str) else _text(_evaluate(p, lookup)) for p in self.parts)

    def value(self, lookup: Callable[[str], Any]) -> Any:
        """The slot's own value when the template is exactly one slot, else the rendered text."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Slot):
            return _evaluate(self.parts[0], lookup)
        return self.render(lookup)


@lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """Parse ``text``; raise :class:`TemplateError` for a malformed slot or an unknown root."""
    parts: list[str | Slot] = []
    pos = 0
    for m in _SLOT.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(_parse_slot(m.group(0), m.group(1)))
        pos = m.end()
    rest = text[pos:]
    if "{{" in rest:
        raise TemplateError(f"unclosed '{{{{' in {text!r}")
    if rest:
        parts.append(rest)
    return Template(tuple(parts))


def _parse_slot(whole: str, inner: str) -> Slot:
    expr, *filters = (piece.strip() for piece in inner.split("|"))
    root_m = _ROOT.match(expr)
    if not root_m:
        raise TemplateError(f"{whole}: expected a name such as last_user_message")
    root = root_m.group(0)
    if root not in ROOTS:
        raise TemplateError(f"{whole}: unknown name {root!r}{_suggest(root, ROOTS)}; known: {', '.join(ROOTS)}")
    steps: list[Step] = []
    pos = root_m.end()
    while pos < len(expr):
        m = _STEP.match(expr, pos)
        if not m:
            raise TemplateError(f'{whole}: cannot read {expr[pos:]!r} (use .field, [index] or ["key"])')
        name, index, dq, sq = m.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(name if name is not None else (dq if dq is not None else sq))
        pos = m.end()
    for f in filters:
        if f not in FILTERS:
            raise TemplateError(f"{whole}: unknown filter {f!r}; known: {', '.join(FILTERS)}")
    return Slot(whole, root, tuple(steps), tuple(filters))


def _suggest(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _evaluate(slot: Slot, lookup: Callable[[str], Any]) -> Any:
    value = lookup(slot.root)
    where = slot.root
    for step in slot.steps:
        value = _step(value, step, where, slot.text)
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
    for f in slot.filters:
        value = FILTERS[f](value)
    return value


def _step(value: Any, step: Step, where: str, text: str) -> Any:
    if isinstance(value, ToolResult):
        return _tool_result_field(value, step, where, text)
    if isinstance(step, int):
        if isinstance(value, Sequence) and not isinstance(value, str):
            if -len(value) <= step < len(value):
                return value[step]
            raise TemplateError(f"{text}: {where} has {len(value)} item(s), no [{step}]")
        raise TemplateError(f"{text}: {where} is not a list")
    if isinstance(value, Mapping):
        if step in value:
            return value[step]
        keys = ", ".join(map(str, list(value)[:10]))
        raise TemplateError(f"{text}: {where} has no field {step!r} (it has: {keys})")
    raise TemplateError(f"{text}: {where} is {_text(value)!r}, which has no field {step!r}")


# What a template reads of a tool result, besides the fields of its JSON content.
_TOOL_RESULT_FIELDS: dict[str, Callable[[ToolResult], Any]] = {
    "content": lambda r: r.text,
    "name": lambda r: r.name,
    "id": lambda r: r.call_id,
    "tool_call_id": lambda r: r.call_id,
    "json": lambda r: r.json,
}


def _tool_result_field(result: ToolResult, step: Step, where: str, text: str) -> Any:
    """``{{ tool_result.content }}``, ``.name``, ``.id`` (or ``.tool_call_id``), ``.json``, or a field
    of the JSON content: ``{{ tool_result.temperature }}``, ``{{ tool_result[0] }}``."""
    if isinstance(step, str) and step in _TOOL_RESULT_FIELDS:
        return _TOOL_RESULT_FIELDS[step](result)
    data = result.json
    if isinstance(data, dict) and step in data:
        return data[step]
    if isinstance(data, list) and isinstance(step, int) and -len(data) <= step < len(data):
        return data[step]
    content = result.text
    shown = content if len(content) <= 80 else content[:77] + "..."
    raise TemplateError(f"{text}: {where} has no field {step!r} (its content is {shown!r})")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, ToolResult):  # a tool result in text is its content
        return value.text
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def render_value(value: Any, lookup: Callable[[str], Any]) -> Any:
    """``value`` with every string inside it rendered (a lone slot keeps its JSON type)."""
    if isinstance(value, str):
        template = compile_template(value)
        return value if template.is_plain else template.value(lookup)
    if isinstance(value, list):
        return [render_value(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, lookup) for k, v in value.items()}
    return value


def check_value(value: Any) -> None:
    """Compile every template inside ``value`` (raises :class:`TemplateError`)."""
    if isinstance(value, str):
        compile_template(value)
    elif isinstance(value, list):
        for v in value:
            check_value(v)
    elif isinstance(value, dict):
        for v in value.values():
            check_value(v)


def has_slots(value: Any) -> bool:
    if isinstance(value, str):
        return not compile_template(value).is_plain
    if isinstance(value, list):
        return any(has_slots(v) for v in value)
    if isinstance(value, dict):
        return any(has_slots(v) for v in value.values())
    return False
