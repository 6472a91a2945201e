"""YAML for scenario files: the safe loader, plus the line of every key and item.

:func:`load_yaml` returns the document and a :class:`LineTable` that maps a path inside it
(``(0, "reply", "content")``) to the line it was written on, so errors can name the place.
Duplicate keys are an error (PyYAML would silently keep the last one), and alias expansion is
bounded (no "billion laughs").

YAML has values JSON has not (dates, ``!!binary``, ``!!set``, ``!!omap``, ``.inf``, keys that
are not text) and integers Python cannot print (over 4,300 digits): those are loaded as
:class:`NotJson` markers, and :func:`non_json_values` lists them with their paths, so that the
scenario loader refuses them naming the file, the line and the rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from mockai.scenarios.rules import JsonPath, ScenarioError

__all__ = ["LineTable", "NotJson", "load_yaml", "non_json_values"]

_MAX_NODES = 1_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,misc,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class NotJson:
    """A YAML value with no JSON equivalent, kept to be reported: ``problem`` says why."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem

    def __repr__(self) -> str:
        return f"NotJson({self.text!r})"


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc,unused-ignore]
    """The safe loader, with :class:`NotJson` for what JSON cannot hold instead of Python objects."""


def _scalar_text(node: yaml.Node) -> str:
    text = node.value if isinstance(node, yaml.ScalarNode) else f"{node.tag.rsplit(':', 1)[-1]} value"
    return text if len(text) <= 40 else text[:37] + "..."


def _refuse(problem: str) -> Callable[[yaml.SafeLoader, yaml.Node], NotJson]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> NotJson:
        return NotJson(_scalar_text(node), problem.format(text=_scalar_text(node)))

    return construct


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | NotJson:
    try:
        return loader.construct_yaml_int(node)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        digits = sum(c.isdigit() for c in str(node.value))
        return NotJson(
            _scalar_text(node), f"an integer of {digits} digits is too long to use: quote it to mean the text"
        )


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float | NotJson:
    value = loader.construct_yaml_float(node)
    if math.isfinite(value):
        return value
    return NotJson(_scalar_text(node), f"{_scalar_text(node)} is not a JSON number: write a finite number")


_TAG = "tag:yaml.org,2002:"
_Loader.add_constructor(_TAG + "int", _construct_int)
_Loader.add_constructor(_TAG + "float", _construct_float)
_Loader.add_constructor(
    _TAG + "timestamp", _refuse("{text} is a YAML date, not a JSON value: quote it ('{text}') to mean the text")
)
_Loader.add_constructor(_TAG + "binary", _refuse("!!binary data is not a JSON value: write it as text"))
_Loader.add_constructor(_TAG + "set", _refuse("a !!set is not a JSON value: write a list"))
_Loader.add_constructor(_TAG + "omap", _refuse("an !!omap is not a JSON value: write a mapping"))
_Loader.add_constructor(_TAG + "pairs", _refuse("!!pairs are not a JSON value: write a mapping or a list"))


class LineTable:
    """Line numbers (1-based) of the paths of one YAML document."""

    def __init__(self, lines: dict[JsonPath, int] | None = None) -> None:
        self._lines = lines or {}

    def prefixed(self, step: str | int) -> LineTable:
        """The same lines for the document wrapped in a list or mapping at ``step``."""
        return LineTable({(step, *path): line for path, line in self._lines.items()})

    def line(self, path: JsonPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self._lines.get(path[:end])
            if found is not None:
                return found
        return None


def load_yaml(text: str, file: str, max_values: int | None = None) -> tuple[Any, LineTable]:
    """Parse one YAML document with the safe loader; raise :class:`ScenarioError` with the line.
    ``max_values``: a document of more values than this (as written, before aliases expand) is
    refused before it is composed, which costs about ten times the counting (a 4 MB list of
    2,000,000 values: 7 s and 700 MiB composed and checked)."""
    if max_values is not None:
        _check_values(text, file, max_values)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineTable()
        _check_size(node, file)
        lines: dict[JsonPath, int] = {}
        _walk(node, (), lines, set(), file)
        return loader.construct_document(node), LineTable(lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ScenarioError(f"{file}:{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{file}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _check_values(text: str, file: str, max_values: int) -> None:
    """Refuse a document of more than ``max_values`` values, counted from the parser's events."""
    counted = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, _VALUE_EVENTS):
                counted += 1
                if counted > max_values:
                    raise ScenarioError(f"{file}: the YAML document has more than {max_values} values")
    except yaml.YAMLError:
        return  # (the loader says where and why)


_VALUE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _children(node: yaml.Node) -> Iterator[tuple[str | int | None, yaml.Node, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            yield key, key_node, value_node
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield index, item, item


def _walk(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int], seen: set[int], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:  # an alias met again: its lines are those of the anchor
        return
    seen.add(id(node))
    keys: set[str] = set()
    for key, key_node, child in _children(node):
        if isinstance(node, yaml.MappingNode) and isinstance(key, str) and key != "<<":
            if key in keys:
                raise ScenarioError(f"{file}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            keys.add(key)
        if key is None:
            continue
        child_path = (*path, key)
        lines[child_path] = key_node.start_mark.line + 1
        _walk(child, child_path, lines, seen, file)


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse documents whose aliases expand to more than a million nodes."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise ScenarioError(f"{file}:{node.start_mark.line + 1}: a YAML alias refers to itself")
        if depth > 200:
            raise ScenarioError(f"{file}: the YAML document is nested too deeply")
        open_nodes.add(id(node))
        total = 1 + sum(size(child, depth + 1) for _, _, child in _children(node))
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    if size(root, 0) > _MAX_NODES:
        raise ScenarioError(f"{file}: the YAML document expands to more than {_MAX_NODES} values (aliases?)")


def non_json_values(data: Any) -> list[tuple[JsonPath, str]]:
    """Where ``data`` holds something that is not JSON (a :class:`NotJson`, a key that is not
    text, ``nan``, any other Python object), with what to write instead."""
    found: list[tuple[JsonPath, str]] = []
    stack: list[tuple[JsonPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and not _SURROGATE.search(key):
                    stack.append(((*path, key), child))
                    continue
                if isinstance(key, str):
                    found.append(((*path,), f"the key {key!r} has a lone surrogate: it cannot be sent"))
                    continue
                text = key.text if isinstance(key, NotJson) else str(key)
                found.append(
                    ((*path, text), f"the key {text} is not text: keys are strings in JSON, quote it ('{text}')")
                )
        elif isinstance(value, list):
            stack.extend(((*path, i), child) for i, child in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            found.append((path, "the text has a lone surrogate (half of a UTF-16 pair): it cannot be sent"))
        elif isinstance(value, NotJson):
            found.append((path, value.problem))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append((path, f"{value} is not a JSON number: write a finite number"))
        elif value is not None and not isinstance(value, (str, int, float)):  # bool is an int
            found.append((path, f"a {type(value).__name__} is not a JSON value"))
    return found
