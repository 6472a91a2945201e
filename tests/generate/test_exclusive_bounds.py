"""A number below an exclusive maximum of 0 exists (every negative one): it is generated, not
refused as unsatisfiable (the property test in test_jsongen found ``exclusiveMaximum: 0.0``)."""

from __future__ import annotations

import random

import pytest

from mockai.generate.jsongen.generator import generate
from mockai.generate.jsongen.schema_check import is_valid


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "exclusiveMaximum": 0.0},
        {"type": "number", "multipleOf": 0.5, "exclusiveMaximum": 0},
        {"type": "integer", "exclusiveMaximum": 0},
        {"type": "integer", "exclusiveMaximum": 0, "minimum": -3},
    ],
)
def test_below_an_exclusive_maximum_of_zero(schema: dict[str, object]) -> None:
    for seed in range(20):
        value = generate(schema, random.Random(seed))
        assert is_valid(schema, value) and value < 0
