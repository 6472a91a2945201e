"""Seeded JSON mode follows a JSON Schema given in the prompt (mockai/chat/prompt_schema.py, issue 16).

The prompts are written the way the libraries write them (instructor 1.17's ``Mode.JSON`` and
``Mode.MD_JSON`` handlers: the schema from pydantic's ``model_json_schema()`` dumped inline with
``indent=2`` into the system message); the answers are validated against the schema the way the
libraries do (pydantic's ``model_validate_json``) and with ``jsonschema_rs``.  Ordinary prompts keep
their answers: tests/chat/test_ordinary_prompts.py.
"""

from __future__ import annotations

import json
import random
import re
import time
from textwrap import dedent
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from mockai.chat.prompt_schema import followed_answer, json_block_requested, prompt_schema
from mockai.generate.jsongen.generator import WorkBudget
from tests.support.strategies import object_schemas, words

JSON_OBJECT = {"type": "json_object"}


class Address(BaseModel):
    street: str
    city: str
    zip_code: str | None = None


class Pet(BaseModel):
    name: str
    species: str


class Person(BaseModel):
    name: str
    age: int
    addresses: list[Address]
    pets: list[Pet] = []
    employer: Address | None = None


PERSON = Person.model_json_schema()  # nested: $defs and $ref


def instructor_json_prompt(schema: dict[str, Any]) -> str:
    """The system text instructor's ``Mode.JSON`` (and ``Mode.MD_JSON``) appends."""
    return dedent(
        f"""
        As a genius expert, your task is to understand the content and provide
        the parsed objects in json that match the following json_schema:\n

        {json.dumps(schema, indent=2, ensure_ascii=False)}

        Make sure to return an instance of the JSON, not the schema itself
        """
    )


def ask(client: Any, messages: list[dict[str, Any]], **extra: Any) -> str:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages, **extra)
    content = completion.choices[0].message.content
    assert isinstance(content, str)
    return content


def test_instructor_json_mode_with_a_nested_model_gets_a_valid_instance(client: Any) -> None:
    messages = [
        {"role": "system", "content": instructor_json_prompt(PERSON)},
        {"role": "user", "content": "Extract: Ada, 36, lives at 1 Loop Road, Cambridge."},
    ]
    content = ask(client, messages, response_format=JSON_OBJECT)
    person = Person.model_validate_json(content)
    assert person.addresses and all(a.city for a in person.addresses)
    assert content == json.dumps(json.loads(content), separators=(",", ":"), ensure_ascii=False)
    assert ask(client, messages, response_format=JSON_OBJECT) == content  # deterministic


def test_the_schema_may_follow_the_users_own_system_text_in_a_text_part(client: Any) -> None:
    system = "You extract people from text. Be precise.\n\n" + instructor_json_prompt(PERSON)
    messages = [
        {"role": "developer", "content": [{"type": "text", "text": system}]},
        {"role": "user", "content": "Grace, 85"},
    ]
    Person.model_validate_json(ask(client, messages, response_format=JSON_OBJECT))


@pytest.mark.parametrize(
    "prompt",
    [
        "Reply in JSON matching this schema:\n```json\n{schema}\n```",
        "Reply in JSON matching this schema:\n```\n{schema}\n```",
        "Return json valid against {schema} and nothing else.",
        'Return json for {{"name": "json_schema spec", "strict": true, "schema": {schema}}}',
    ],
    ids=["fenced-json", "fenced", "inline", "response-format-spec"],
)
def test_a_schema_in_a_user_message_is_followed_fenced_or_inline(client: Any, prompt: str) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "rank": {"type": "integer", "minimum": 1, "maximum": 10}},
        "required": ["city", "rank"],
        "additionalProperties": False,
    }
    content = ask(
        client, [{"role": "user", "content": prompt.format(schema=json.dumps(schema))}], response_format=JSON_OBJECT
    )
    value = json.loads(content)
    assert jsonschema_rs.validator_for(schema).is_valid(value), value
    assert set(value) == {"city", "rank"}


def test_the_latest_message_with_a_schema_wins(client: Any) -> None:
    old = {"type": "object", "properties": {"old": {"type": "string"}}, "required": ["old"]}
    new = {"type": "object", "properties": {"new": {"type": "boolean"}}, "required": ["new"]}
    messages = [
        {"role": "system", "content": f"Answer in JSON like {json.dumps(old)}"},
        {"role": "assistant", "content": '{"old": "x"}'},
        {"role": "user", "content": f"Now use this json schema: {json.dumps(new)}"},
    ]
    assert "new" in json.loads(ask(client, messages, response_format=JSON_OBJECT))


def test_instructor_md_json_gets_a_json_block_without_a_response_format(client: Any) -> None:
    messages = [
        {"role": "system", "content": instructor_json_prompt(PERSON)},
        {
            "role": "user",
            "content": "Extract: Ada, 36.\n\nReturn the correct JSON response within a ```json codeblock. not the JSON_SCHEMA",
        },
    ]
    content = ask(client, messages)
    assert content.startswith("```json\n") and content.endswith("\n```")
    Person.model_validate_json(content.removeprefix("```json\n").removesuffix("\n```"))


def test_without_a_schema_json_mode_answers_the_generic_object(client: Any) -> None:
    for text in ("Reply in JSON with a name.", 'Answer in json like {"type": "greeting", "properties": {"a": 1}}'):
        value = json.loads(ask(client, [{"role": "user", "content": text}], response_format=JSON_OBJECT))
        assert set(value) == {"answer", "confidence"}


def test_a_schema_no_value_satisfies_falls_back_to_the_generic_object(client: Any) -> None:
    never = {"type": "object", "properties": {"a": False}, "required": ["a"]}
    content = ask(client, [{"role": "user", "content": f"json per {json.dumps(never)}"}], response_format=JSON_OBJECT)
    assert set(json.loads(content)) == {"answer", "confidence"}


def test_streamed_and_whole_answers_follow_the_same_schema(client: Any) -> None:
    messages = [{"role": "system", "content": instructor_json_prompt(PERSON)}, {"role": "user", "content": "Ada"}]
    whole = ask(client, messages, response_format=JSON_OBJECT)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, response_format=JSON_OBJECT, stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == whole


# --- the detection itself ----------------------------------------------------------------------


def test_what_is_not_a_schema() -> None:
    not_schemas = [
        {"type": "message", "properties": {"a": {}}},  # not an object type
        {"properties": {"color": "red"}},  # data: a property's "schema" is a string
        {"type": "object", "properties": {"a": {}}, "name": "x"},  # a key no schema has
        {"type": "array", "items": {"type": "string"}},  # JSON mode answers objects
        {"type": "object"},  # says nothing more than JSON mode does
    ]
    for value in not_schemas:
        assert prompt_schema([{"role": "user", "content": json.dumps(value)}]) is None, value
    assistant_only = [{"role": "assistant", "content": json.dumps(PERSON)}]
    assert prompt_schema(assistant_only) is None


def test_a_block_is_asked_only_by_an_instruction_before_a_fence_that_opens_nothing() -> None:
    asked = ["Return the answer within a ```json codeblock.", "Please respond in a ```json block"]
    not_asked = [
        "How do I render a ```json block in markdown?",
        "Here is my schema:\n```json\n{}\n```\nReturn a critique.",
        "Return it. ```json\n{}\n```",
    ]
    for text in asked:
        assert json_block_requested([{"role": "user", "content": text}]), text
    for text in not_asked:
        assert not json_block_requested([{"role": "user", "content": text}]), text
    earlier = [{"role": "user", "content": asked[0]}, {"role": "user", "content": "thanks"}]
    assert not json_block_requested(earlier)


def test_huge_prompts_cost_bounded_work() -> None:
    schema = json.dumps({"type": "object", "properties": {"a": {"type": "string"}}})
    adversarial = '"properties" ' + '{"a": [' * 200_000  # 1.6 MB of objects that never close
    many = " ".join(['{"x": 1}'] * 100_000) + schema  # the schema after 100,000 objects
    body = {"messages": [{"role": "user", "content": adversarial}], "response_format": JSON_OBJECT}
    start = time.process_time()
    assert followed_answer(body, random.Random(0), WorkBudget()) is None
    assert prompt_schema([{"role": "user", "content": many}]) is None  # past the attempts allowed
    assert time.process_time() - start < 0.5


@settings(max_examples=60, deadline=None)
@given(schema=object_schemas, before=words, after=words, fenced=st.booleans())
def test_every_object_schema_in_a_prompt_is_followed(
    schema: dict[str, Any], before: str, after: str, fenced: bool
) -> None:
    text = json.dumps(schema, indent=2)
    text = f"{before}\n```json\n{text}\n```\n{after}" if fenced else f"{before} {text} {after}"
    body = {"messages": [{"role": "user", "content": text}], "response_format": JSON_OBJECT}
    content = followed_answer(body, random.Random(1), WorkBudget())
    assert content is not None
    assert jsonschema_rs.validator_for(schema).is_valid(json.loads(content))


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet='{}[]":,. properties$ref#/abcjson`\n', max_size=300))
def test_any_text_gives_an_answer_or_none_and_never_raises(text: str) -> None:
    for fmt in (JSON_OBJECT, None):
        body: dict[str, Any] = {"messages": [{"role": "user", "content": "Return it in a ```json block " + text}]}
        if fmt:
            body["response_format"] = fmt
        content = followed_answer(body, random.Random(2), WorkBudget())
        assert content is None or isinstance(json.loads(content.strip("`").removeprefix("json")), dict)


def _block_requested_two_passes(messages: list[Any]) -> bool:
    """The rule as first written: find the last user message, then read the messages that count."""
    users = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"]
    last_user = users[-1] if users else -1
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not (message.get("role") in ("system", "developer") or i == last_user):
            continue
        content = message.get("content")
        texts = [content] if isinstance(content, str) else []
        if isinstance(content, list):
            texts = [
                p["text"]
                for p in content
                if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
            ]
        if any("```json" in text and re.search(_INSTRUCTION, text, re.IGNORECASE) for text in texts):
            return True
    return False


_INSTRUCTION = r"\b(?:return|respond|reply|answer|output|give|provide|wrap|put|enclose|format)\b[^\n.]{0,80}?```json(?![ \t]*\r?\n)"
_texts_asked = st.sampled_from(
    ["Return it in a ```json block", "Reply within ```json\n{}\n```", "see ```json", "hello", "answer: ```JSON", ""]
)
_messages = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "role": st.sampled_from(["system", "developer", "user", "assistant", "tool"]),
                "content": st.one_of(
                    _texts_asked,
                    st.none(),
                    st.lists(
                        st.one_of(
                            st.fixed_dictionaries({"type": st.just("text"), "text": _texts_asked}),
                            st.fixed_dictionaries({"type": st.just("image_url")}),
                        ),
                        max_size=3,
                    ),
                ),
            }
        ),
        st.just("not a message"),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(messages=_messages)
def test_a_block_request_is_read_in_one_pass_as_the_rule_says(messages: list[Any]) -> None:
    assert json_block_requested(messages) == _block_requested_two_passes(messages)
