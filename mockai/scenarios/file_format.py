"""Scenario files: from YAML (or JSON, or builder dicts) to :class:`~mockai.scenarios.rules.Rule` objects.

Three passes, each with errors that name the file, the line and the rule:

1. YAML with the safe loader (:mod:`mockai.scenarios.yaml_loader`);
2. the published JSON Schema (:mod:`mockai.scenarios.file_schema`): unknown keys, wrong types;
3. what a schema cannot say: a regex that does not compile, ``reply`` and ``replies`` together,
   a tool call whose arguments violate the tool schema the rule declares, a structured output
   that violates the declared schema; inside a reply (a template with an unknown name, …), that
   is :mod:`mockai.scenarios.reply_format`'s part.

A file is a list of rules; a directory is every ``*.yaml`` / ``*.yml`` / ``*.json`` in it, sorted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockai.generate.jsongen import generator as jsongen
from mockai.scenarios.file_schema import schema_problems, show
from mockai.scenarios.regex_safety import regex_problem
from mockai.scenarios.reply_format import parse_reply
from mockai.scenarios.rules import (
    Endpoint,
    Exhausted,
    JsonPath,
    Match,
    MessageMatch,
    Origin,
    ReplySpec,
    Rule,
    RuleProblem,
    ScenarioError,
    TextMatch,
    ToolResultMatch,
)
from mockai.scenarios.templating import has_slots
from mockai.scenarios.yaml_loader import LineTable, load_yaml, non_json_values

__all__ = ["load_path", "load_text", "parse_document", "parse_rule"]

SUFFIXES = (".yaml", ".yml", ".json")
_MAX_PROBLEMS = 20


# --- entry points ------------------------------------------------------------------------------


def load_path(path: str | Path) -> list[Rule]:
    """Rules from a file, or from every scenario file in a directory (sorted by name)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES and f.is_file())
        rules: list[Rule] = []
        problems: list[str] = []
        for f in files:
            try:
                rules.extend(load_path(f))
            except ScenarioError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ScenarioError(problems)
        return rules
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such scenario file or directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p}: cannot read the scenario file: {exc}") from None
    return load_text(text, str(p))


def load_text(text: str, origin: str = "<text>") -> list[Rule]:
    """Rules from YAML (or JSON) text; ``origin`` names it in errors."""
    data, lines = load_yaml(text, origin)
    return parse_document(data, origin, lines)


def parse_document(data: Any, file: str, lines: LineTable | None = None) -> list[Rule]:
    """Rules from an already parsed document: a list of rule mappings (or one rule mapping)."""
    lines = lines or LineTable()
    if data is None:
        return []
    if isinstance(data, dict):
        hint = " (start each rule with '- ')" if {"match", "reply", "replies"} & set(data) else ""
        raise ScenarioError(f"{file}:{lines.line(()) or 1}: a scenario file is a list of rules{hint}")
    not_json = [_where(file, lines, data, path) + message for path, message in non_json_values(data)]
    if not_json:  # the schema validator only takes JSON's types
        raise ScenarioError(_first_problems(not_json))
    problems: list[str] = []
    bad_rules: set[int] = set()
    for path, message in schema_problems(data):
        problems.append(_where(file, lines, data, path) + message)
        if path:
            bad_rules.add(int(path[0]))
    rules: list[Rule] = []
    if isinstance(data, list):
        for index, item in enumerate(data):
            if index in bad_rules:
                continue
            origin = Origin(file, lines.line((index,)), index + 1)
            try:
                rules.append(_rule(item, origin))
            except RuleProblem as bad:
                problems.append(_where(file, lines, data, (index, *bad.path)) + bad.message)
    if problems:
        raise ScenarioError(_first_problems(problems))
    return rules


def _first_problems(problems: list[str]) -> list[str]:
    ordered = sorted(dict.fromkeys(problems), key=_line_of)
    extra = len(ordered) - _MAX_PROBLEMS
    return ordered[:_MAX_PROBLEMS] + ([f"… and {extra} more"] if extra > 0 else [])


def parse_rule(data: Mapping[str, Any], origin: Origin) -> Rule:
    """One rule (as a mapping in the YAML shape) checked like a file's; errors name ``origin``."""
    try:  # tuples -> lists, keys -> str: exactly what YAML gives
        plain = json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{origin.where()}: only JSON values can go in a rule: {exc}") from None
    not_json = non_json_values(plain)
    if not_json:
        raise ScenarioError([f"{origin.where()}: {_dotted(p)}: {m}" for p, m in not_json])
    problems = [f"{origin.where()}: {_dotted(p[1:])}: {m}" for p, m in schema_problems([plain])]
    if problems:
        raise ScenarioError(problems)
    try:
        return _rule(plain, origin)
    except RuleProblem as bad:
        raise ScenarioError(f"{origin.where()}: {_dotted(bad.path)}: {bad.message}") from None


def _line_of(message: str) -> tuple[str, int]:
    m = re.match(r"(.*?):(\d+):", message)
    return (m.group(1), int(m.group(2))) if m else (message, 0)


def _where(file: str, lines: LineTable, data: Any, path: JsonPath) -> str:
    line = lines.line(path) or 1
    if not path or not isinstance(data, list):
        return f"{file}:{line}: "
    index = int(path[0])
    item = data[index] if index < len(data) else None
    name = item.get("name") if isinstance(item, dict) else None
    label = f"rule {index + 1}" + (f' "{name}"' if isinstance(name, str) else "")
    rest = _dotted(path[1:])
    return f"{file}:{line}: {label}: " + (f"{rest}: " if rest else "")


def _dotted(path: JsonPath) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


# --- a rule ------------------------------------------------------------------------------------


def _rule(d: dict[str, Any], origin: Origin) -> Rule:
    match = _match(d.get("match") or {})
    if "reply" in d and "replies" in d:
        raise RuleProblem(("replies",), "use either reply (always the same answer) or replies (a sequence), not both")
    raw = d["replies"] if "replies" in d else [d.get("reply") or {}]
    key = "replies" if "replies" in d else "reply"
    replies = tuple(parse_reply(r, (key, i) if key == "replies" else (key,)) for i, r in enumerate(raw))
    match = _with_endpoint(match, replies, d.get("match") or {})
    times: int | None = d.get("times")
    exhausted: Exhausted | None = d.get("exhausted")
    if times is not None and times < len(replies):
        raise RuleProblem(
            ("times",),
            f"times is {times} but there are {len(replies)} replies: "
            f"the last {len(replies) - times} could never be sent",
        )
    if exhausted == "repeat" and times is not None:
        raise RuleProblem(("exhausted",), "exhausted: repeat means no limit, but times sets one")
    if exhausted is None:
        exhausted = "fall_through" if times is not None else "repeat"
    elif times is None and exhausted != "repeat":
        times = len(replies)
    if times is not None:  # the last reply repeats until the limit: trailing copies say nothing more
        while len(replies) > 1 and replies[-1] == replies[-2]:
            replies = replies[:-1]
    schemas = d.get("schemas") or {}
    tool_schemas = tuple((str(k), v) for k, v in (schemas.get("tools") or {}).items())
    response_schema = schemas.get("response_format")
    rule = Rule(
        match=match,
        replies=replies,
        name=d.get("name"),
        description=d.get("description"),
        times=times,
        exhausted=exhausted,
        optional=bool(d.get("optional", False)),
        tool_schemas=tool_schemas,
        response_schema=response_schema,
        origin=origin,
        spec=d,
    )
    _check_declared_schemas(rule, key)
    return rule


def _text(d: Mapping[str, Any], prefix: str, path: JsonPath) -> TextMatch:
    regex = d.get(f"{prefix}regex")
    if regex is not None:
        try:
            re.compile(regex)
        except (re.error, RecursionError, OverflowError) as exc:
            raise RuleProblem((*path, f"{prefix}regex"), f"invalid regular expression {show(regex)}: {exc}") from None
        slow = regex_problem(regex)
        if slow:
            raise RuleProblem(
                (*path, f"{prefix}regex"),
                f"the regular expression {show(regex)} could stall the server: {slow} "
                "(make a quantifier possessive, a*+, or a group atomic, (?>...), or anchor it with ^)",
            )
    return TextMatch(d.get(f"{prefix}equals"), d.get(f"{prefix}contains"), regex)


def _match(d: dict[str, Any]) -> Match:
    path: JsonPath = ("match",)
    messages = tuple(
        MessageMatch(m.get("index"), m.get("role"), _text(m, "", (*path, "messages", i)))
        for i, m in enumerate(d.get("messages") or [])
    )
    result = d.get("tool_result")
    tool_result = None
    if isinstance(result, str):
        tool_result = ToolResultMatch(name=result)
    elif isinstance(result, dict):
        tool_result = ToolResultMatch(result.get("name"), result.get("id"), result.get("contains"))
    fields = []
    for key, value in (d.get("fields") or {}).items():
        pointer = key if key.startswith("/") else "/" + key.replace("~", "~0").replace("/", "~1")
        fields.append((pointer, value))
    headers = sorted((k.lower(), str(v)) for k, v in (d.get("headers") or {}).items())
    return Match(
        endpoint=d.get("endpoint", "chat"),
        input=_text(d, "input_", path),
        model=d.get("model"),
        user=_text(d, "user_", path),
        system=_text(d, "system_", path),
        last_role=d.get("last_role"),
        messages=messages,
        tools=tuple(d.get("tools") or ()),
        tool_choice=d.get("tool_choice"),
        tool_result=tool_result,
        stream=d.get("stream"),
        response_format=d.get("response_format"),
        schema_name=d.get("schema_name"),
        headers=tuple(headers),
        fields=tuple(sorted(fields, key=lambda kv: kv[0])),
        turn=d.get("turn"),
    )


def _with_endpoint(match: Match, replies: tuple[ReplySpec, ...], written: dict[str, Any]) -> Match:
    """``match`` with its endpoint: as written, else as its replies imply (an ``embedding`` or a
    ``moderation`` reply), else embeddings for a rule with ``input_*`` conditions, else chat.  A
    reply or a condition that does not fit the endpoint is a problem of the rule."""
    implied = {"embeddings" for r in replies if r.embedding is not None}
    implied |= {"moderations" for r in replies if r.moderation is not None}
    if len(implied) > 1:
        raise RuleProblem(("replies",), "a rule answers one endpoint: embedding and moderation replies need two rules")
    default: Endpoint = "chat" if match.input.is_empty() else "embeddings"  # input_* look at inputs
    endpoint: Endpoint = written.get("endpoint") or (implied.pop() if implied else default)  # type: ignore[assignment]
    if implied and endpoint not in implied:
        raise RuleProblem(("match", "endpoint"), f"the replies answer {implied.pop()} requests, not {endpoint}")
    if endpoint == "chat" and not match.input.is_empty():
        raise RuleProblem(
            ("match", "endpoint"), "input_* conditions look at embeddings and moderations inputs, not chat"
        )
    if endpoint != "chat":
        chat_only = [k for k in _CHAT_CONDITIONS if written.get(k) is not None]
        if chat_only:
            raise RuleProblem(
                ("match", chat_only[0]), f"{endpoint} requests have no {chat_only[0]}: use input_* conditions"
            )
        for i, reply in enumerate(replies):
            if reply.choices:
                where = ("replies", i) if len(replies) > 1 else ("reply",)
                raise RuleProblem(where, f"a chat answer cannot answer {endpoint} requests")
            if (endpoint == "embeddings" and reply.moderation is not None) or (
                endpoint == "moderations" and reply.embedding is not None
            ):
                raise RuleProblem(("replies",), f"this reply does not answer {endpoint} requests")
    return replace(match, endpoint=endpoint)


_CHAT_CONDITIONS = (
    "user_equals",
    "user_contains",
    "user_regex",
    "system_equals",
    "system_contains",
    "system_regex",
    "last_role",
    "messages",
    "tools",
    "tool_choice",
    "tool_result",
    "stream",
    "response_format",
    "schema_name",
    "turn",
)


# --- eager checks against schemas the rule declares ----------------------------------------------


def _check_declared_schemas(rule: Rule, key: str) -> None:
    tools = dict(rule.tool_schemas)
    for r, reply in enumerate(rule.replies):
        base: JsonPath = (key, r) if key == "replies" else (key,)
        for c, choice in enumerate(reply.choices):
            where = (*base, "choices", c) if len(reply.choices) > 1 else base
            if rule.response_schema is not None and choice.json is not None and not has_slots(choice.json):
                problem = jsongen.first_error(rule.response_schema, choice.json)
                if problem:
                    raise RuleProblem((*where, "json"), f"does not match schemas.response_format: {problem}")
            for call in choice.tool_calls:
                if not tools:
                    break
                if call.name not in tools:
                    raise RuleProblem(
                        (*where, "tool_call"),
                        f"tool {call.name!r} is not in schemas.tools ({', '.join(tools)})",
                    )
                args = call.arguments if call.arguments is not None else {}
                if isinstance(args, dict) and not has_slots(args):
                    problem = jsongen.first_error(tools[call.name], args)
                    if problem:
                        raise RuleProblem(
                            (*where, "tool_call", "arguments"),
                            f"do not match the parameters of {call.name}: {problem}",
                        )
