"""The prompt cache skips tokenizing a prompt that surely holds fewer than 1,024 tokens, and
gives exactly what tokenizing it would; the prompt's tokens it counts are the planner's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.chat.planner import Planner
from mockai.core.model_catalog import ModelCatalog
from mockai.generate.tokenizer import count_prompt_tokens, message_tokens
from mockai.server import prompt_cache
from mockai.server.prompt_cache import MIN_CACHED, PromptPrefixes

texts = st.one_of(
    st.none(),
    st.text(max_size=400),
    st.text(alphabet=" a.1\n_é", min_size=200, max_size=1100),  # tokens as short as one character
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant"]), "content": texts},
        optional={"name": st.just("n")},
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(sent=messages)
def test_the_shortcut_gives_what_tokenizing_gives(sent: list[dict[str, Any]]) -> None:
    body = {"model": "gpt-4o-mini", "messages": sent}
    fast = PromptPrefixes.of(body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prompt_cache, "_surely_short", lambda messages: False)
        counted = PromptPrefixes.of(body)
    assert (counted.keys, counted.ends) == (fast.keys, fast.ends)
    if prompt_cache._surely_short(sent):
        assert sum(message_tokens(m) for m in sent) < MIN_CACHED
    # The prompt's tokens, handed to the planner when counted here, are what it would count itself.
    assert counted.tokens == count_prompt_tokens(sent)
    assert fast.tokens in (None, counted.tokens)


@settings(max_examples=100, deadline=None)
@given(sent=messages, tools=st.sampled_from([None, [{"type": "function", "function": {"name": "f"}}]]))
def test_a_long_prompt_is_counted_once_and_the_plan_says_the_same(sent: list[dict[str, Any]], tools: Any) -> None:
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": sent, **({"tools": tools} if tools else {})}
    prefixes = PromptPrefixes.of(body)
    planner = Planner(ModelCatalog())
    counting = planner.seeded(body)
    told = planner.seeded(body, prompt_tokens=prefixes.tokens)
    assert told == counting
    assert prefixes.tokens in (None, count_prompt_tokens(sent, tools))
