"""YAML for scenario files: the safe loader, plus the line of every key and item.

:func:`load_yaml` returns the document and a :class:`LineTable` that maps a path inside it
(``(0, "reply", "content")``) to the line it was written on, so errors can name the place.
Duplicate keys are an error (PyYAML would silently keep the last one), and alias expansion is
bounded (no "billion laughs").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from mockai.scenarios.rules import JsonPath, ScenarioError

__all__ = ["LineTable", "load_yaml"]

_MAX_NODES = 1_000_000

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,misc,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


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


def load_yaml(text: str, file: str) -> tuple[Any, LineTable]:
    """Parse one YAML document with the safe loader; raise :class:`ScenarioError` with the line."""
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
