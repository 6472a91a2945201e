"""Can the value mockai must generate for a schema exist: the contradictions the generator would
hit, found before answering.

Only the subschemas every value needs are looked at: the root, the properties an object requires
(or the ``additionalProperties`` schema that then holds them), the items an array needs
(``minItems``), ``allOf`` parts and ``$ref`` targets; an optional property or an ``anyOf`` branch
the generator could do without is not.  A subschema declaring its ``type`` cannot have:

* an empty ``enum``, or no ``enum`` value (``const``) of its type;
* a lower bound above its upper bound (``minLength``/``maxLength``, ``minItems``/``maxItems``,
  ``minProperties``/``maxProperties``, ``minContains``/``maxContains``, and the numeric bounds,
  exclusive ones included) for the only type it declares;
* a smallest value longer than a completion can be (see :mod:`mockai.generate.jsongen.budget`);
* a required property that ``additionalProperties: false`` forbids, or whose schema is ``false``.

These are mockai's reasons (a real model answers anyway, with a value that breaks the schema):
the wording is ours, in the shape of the real API's ``In context=(…), <reason>.``
"""

from __future__ import annotations

from typing import Any

from mockai.generate.jsongen.budget import MAX_VALUE_CHARS
from mockai.generate.jsongen.containers import MAX_ITEMS
from mockai.generate.jsongen.keywords import UnsatisfiableSchema
from mockai.generate.jsongen.refs import anchors_of, resolve_ref

__all__ = ["satisfiable_fault"]

_NO_VALUE = "so no value satisfies the schema"
_LONGEST = f"{MAX_VALUE_CHARS} characters"
_PAIRS: dict[str | None, tuple[tuple[str, str], ...]] = {
    "string": (("minLength", "maxLength"),),
    "array": (("minItems", "maxItems"), ("minContains", "maxContains")),
    "object": (("minProperties", "maxProperties"),),
}
_CAPS: dict[str | None, tuple[str, int]] = {
    "string": ("minLength", MAX_VALUE_CHARS),
    "array": ("minItems", MAX_ITEMS),
    "object": ("minProperties", MAX_ITEMS),
}
_KINDS = {"string": str, "boolean": bool, "object": dict, "array": list}
_SINGLE = {t: frozenset({t}) for t in ("array", "boolean", "integer", "null", "number", "object", "string")}
_OBJECT, _ARRAY = _SINGLE["object"], _SINGLE["array"]


def satisfiable_fault(schema: dict[str, Any]) -> str | None:
    """The first contradiction in what a value of a well-formed ``schema`` (whose references all
    resolve) must hold, as the message's detail, or None."""
    refs = _References(schema)
    followed: set[int] = set()  # the $ref targets looked at already (a schema may recurse)
    stack: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    while stack:
        node, context = stack.pop()
        if node is False:
            return f"In context={context!r}, the schema is false, {_NO_VALUE}."
        if not isinstance(node, dict):
            continue
        declared = node.get("type")
        types = _SINGLE[declared] if isinstance(declared, str) else frozenset(declared or ())
        reason = _node_fault(node, types)
        if reason is not None:
            return f"In context={context!r}, {reason}."
        if "allOf" not in node and "$ref" not in node and types not in (_OBJECT, _ARRAY):
            continue
        needed = _needed(node, types, context)
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = refs.target(ref, context)
            if id(target[0]) not in followed:
                followed.add(id(target[0]))
                needed.append(target)
        stack.extend(reversed(needed))
    return None


class _References:
    """Where a schema's ``$ref`` lead (anchors indexed on first use)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.base = schema["$id"].split("#")[0] if isinstance(schema.get("$id"), str) else "urn:mockai:schema"
        self.anchors: dict[str, Any] | None = None

    def target(self, ref: str, context: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """The subschema ``ref`` names, and its context (the referring one for an anchor)."""
        pointer = ref.partition("#")[2]
        if pointer and not pointer.startswith("/") and self.anchors is None:
            self.anchors = anchors_of(self.schema)
        try:
            target = resolve_ref(self.schema, self.base, ref, self.anchors or {})
        except UnsatisfiableSchema:  # pragma: no cover - the references were checked before
            return True, context
        if not pointer.startswith("/"):
            return target, context
        return target, tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:])


_NUMBERS = frozenset({"integer", "number"})


def _of_type(value: Any, type_: str) -> bool:
    if type_ in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return type_ == "number" or isinstance(value, int) or value.is_integer()
    if type_ == "null":
        return value is None
    return isinstance(value, _KINDS[type_])


def _node_fault(node: dict[str, Any], types: frozenset[str]) -> str | None:
    if "enum" in node and not node["enum"]:
        return f"'enum' is empty, {_NO_VALUE}"
    if not types:
        return None
    declared = node["type"]
    if "enum" in node and not any(_of_type(v, t) for v in node["enum"] for t in types):
        return f"no value of 'enum' is of the schema's type {declared!r}, {_NO_VALUE}"
    if "const" in node and not any(_of_type(node["const"], t) for t in types):
        return f"'const' is not of the schema's type {declared!r}, {_NO_VALUE}"
    kind = next(iter(types)) if len(types) == 1 else None
    if kind in _PAIRS:
        for low, high in _PAIRS[kind]:
            if low in node and high in node and node[low] > node[high]:
                return f"{low!r} ({node[low]!r}) is greater than {high!r} ({node[high]!r}), {_NO_VALUE}"
        key, cap = _CAPS[kind]
        if node.get(key, 0) > cap:
            return f"{key!r} ({node[key]!r}) asks for a value longer than a completion can be ({_LONGEST})"
        if kind == "object":
            return _object_fault(node)
    elif types <= _NUMBERS:
        return _bounds_fault(node)
    return None


def _bounds_fault(node: dict[str, Any]) -> str | None:
    low = [(node[k], k) for k in ("minimum", "exclusiveMinimum") if isinstance(node.get(k), (int, float))]
    high = [(node[k], k) for k in ("maximum", "exclusiveMaximum") if isinstance(node.get(k), (int, float))]
    for lo, lo_key in low:
        for hi, hi_key in high:
            inclusive = lo_key == "minimum" and hi_key == "maximum"
            if lo > hi or (lo == hi and not inclusive):
                relation = "greater than" if lo > hi else "equal to"
                return f"{lo_key!r} ({lo!r}) is {relation} {hi_key!r} ({hi!r}), {_NO_VALUE}"
    return None


def _object_fault(node: dict[str, Any]) -> str | None:
    properties = node.get("properties", {})
    for name in node.get("required", ()):
        if properties.get(name) is False:
            return f"the required property {name!r} has the schema false, {_NO_VALUE}"
        closed = node.get("additionalProperties") is False and "patternProperties" not in node
        if name not in properties and closed:
            where = "is not in 'properties' and 'additionalProperties' is false"
            return f"the required property {name!r} {where}, {_NO_VALUE}"
    return None


def _needed(node: dict[str, Any], types: frozenset[str], context: tuple[str, ...]) -> list[tuple[Any, tuple[str, ...]]]:
    """The subschemas a value of ``node`` needs, with their contexts (the ``$ref`` target aside)."""
    needed = [(part, (*context, "allOf", str(i))) for i, part in enumerate(node.get("allOf", ()))]
    if types == _OBJECT and "patternProperties" not in node:
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for name in node.get("required", ()):
            if name in properties:
                needed.append((properties[name], (*context, "properties", name)))
            else:
                needed.append((extra, (*context, "additionalProperties")))
    if types == _ARRAY and node.get("minItems", 0) > 0:
        prefix = node.get("prefixItems", [])
        needed += [(item, (*context, "prefixItems", str(i))) for i, item in enumerate(prefix[: node["minItems"]])]
        items = node.get("items", True)
        if node["minItems"] > len(prefix) and not isinstance(items, list):
            needed.append((items, (*context, "items")))
    return needed
