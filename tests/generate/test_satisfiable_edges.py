"""Satisfiable schemas the generator used to refuse (review 3): unique items from a domain barely
large enough, a pattern with a minLength longer than its usual samples, an object whose
minProperties only patternProperties can reach.  Values for schemas that worked before are
unchanged (tests/golden and the seeded tests of test_jsongen pin them)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockai.generate.jsongen.generator import UnsatisfiableSchema, first_error, generate
from mockai.generate.regex_sampler import parse_regex, sample

SATISFIABLE = {
    "integers 0..3, four unique": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 3},
        "minItems": 4,
        "uniqueItems": True,
    },
    "exclusive bounds, all unique": {
        "type": "array",
        "items": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 6},
        "minItems": 5,
        "uniqueItems": True,
    },
    "enum of three, three unique": {
        "type": "array",
        "items": {"enum": ["a", "b", "c"]},
        "minItems": 3,
        "uniqueItems": True,
    },
    "both booleans": {"type": "array", "items": {"type": "boolean"}, "minItems": 2, "uniqueItems": True},
    "unique, in an object": {
        "type": "object",
        "properties": {"u": {"type": "array", "items": {"enum": [1, 2, 3, 4, 5]}, "minItems": 5, "uniqueItems": True}},
        "required": ["u"],
    },
    "a pattern and a long minLength": {"type": "string", "pattern": "^a+$", "minLength": 40},
    "exactly that length": {"type": "string", "pattern": "^a+$", "minLength": 40, "maxLength": 40},
    "a pattern with a tail": {"type": "string", "pattern": "^[a-z]+-\\d{3}$", "minLength": 60},
    "patternProperties only": {
        "type": "object",
        "patternProperties": {"^x_": {"type": "integer"}},
        "additionalProperties": False,
        "minProperties": 1,
    },
    "several pattern properties": {
        "type": "object",
        "patternProperties": {"^id_[0-9]+$": {"type": "string"}},
        "additionalProperties": False,
        "minProperties": 3,
    },
}


def assert_valid(schema: Any, value: Any) -> None:
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(value)]
    assert not errors, (errors, value)
    assert first_error(schema, value) is None


@pytest.mark.parametrize("name", SATISFIABLE)
def test_satisfiable_schemas_get_a_valid_value_for_every_seed(name: str) -> None:
    schema = SATISFIABLE[name]
    for seed in range(40):
        value = generate(schema, random.Random(seed))
        assert_valid(schema, value)
        assert value == generate(schema, random.Random(seed))  # deterministic


def test_unique_items_take_the_whole_domain() -> None:
    value = generate(SATISFIABLE["integers 0..3, four unique"], random.Random(0))
    assert sorted(value) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 3}, "minItems": 5, "uniqueItems": True},
        {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 3, "uniqueItems": True},
        {"type": "string", "pattern": "^a{1,5}$", "minLength": 6},
        {
            "type": "object",
            "patternProperties": {"^x$": {"type": "integer"}},
            "additionalProperties": False,
            "minProperties": 2,
        },
    ],
)
def test_unsatisfiable_ones_are_still_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsatisfiableSchema):
        generate(schema, random.Random(0))


def test_the_sampler_draws_repetitions_on_to_a_length() -> None:
    tree = parse_regex("^[a-z]+(?:-[a-z]+)*-\\d{2}$")
    assert tree is not None
    for seed in range(20):
        text = sample(tree, random.Random(seed), 0, at_least=50)
        assert text is not None and 50 <= len(text) <= 60, text
    # Without at_least the draws are unchanged.
    assert sample(tree, random.Random(7), 3) == sample(tree, random.Random(7), 3, at_least=0)
