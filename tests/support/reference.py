"""The reference material in ../shared (kept out of the repository) and the official JSON Schemas
of the API, loosened where the live API is known to differ."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT

SHARED = ROOT.parent / "shared"


def shared_or_skip(*parts: str) -> Path:
    """A path in ../shared, or skip: that reference material is not shipped with the repo."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the reference material in ../shared is not part of the repo")
    return path


@functools.cache
def _validator(schema_name: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(official_schema(schema_name))


def shared_params(files: Callable[[Path], list[Path]], *parts: str) -> list[Any]:
    """Parameters for a test over files in ../shared; one skipped parameter when it is absent
    (collection must not call pytest.skip)."""
    folder = SHARED.joinpath(*parts)
    if not folder.exists():
        reason = f"{folder} is absent: the reference material in ../shared is not part of the repo"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="shared-absent")]
    return [pytest.param(p, id=p.stem) for p in files(folder)]


def official_schema(name: str) -> dict[str, Any]:
    """An official JSON Schema from ../shared/spec (skips when absent), with the places where the
    live API is known to differ from the spec (conformance §5, §6) loosened accordingly:
    ``system_fingerprint`` may be null, and reasoning models omit ``choices[].logprobs``."""
    schema: dict[str, Any] = json.loads(shared_or_skip("spec", f"{name}.schema.json").read_text())
    _loosen(schema)
    return schema


def _loosen(node: Any) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            fingerprint = props.get("system_fingerprint")
            if isinstance(fingerprint, dict) and fingerprint.get("type") == "string":
                fingerprint["type"] = ["string", "null"]
            if {"index", "finish_reason", "logprobs"} <= set(props) and "message" in props:
                node["required"] = [r for r in node.get("required", []) if r != "logprobs"]
        for value in node.values():
            _loosen(value)
    elif isinstance(node, list):
        for value in node:
            _loosen(value)


def assert_valid(instance: Any, schema_name: str) -> None:
    """Validate against an official schema from ../shared. Without ../shared, only this check is
    left out (with a warning): the rest of the calling test still runs."""
    if not (SHARED / "spec").exists():
        warnings.warn(f"{SHARED} is absent: {schema_name} validation skipped", stacklevel=2)
        return
    validator = _validator(schema_name)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{schema_name}: " + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
