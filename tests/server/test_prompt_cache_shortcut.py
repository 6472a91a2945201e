"""The prompt cache skips tokenizing a prompt that surely holds fewer than 1,024 tokens, and
gives exactly what tokenizing it would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.generate.tokenizer import message_tokens
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
        assert PromptPrefixes.of(body) == fast
    if prompt_cache._surely_short(sent):
        assert sum(message_tokens(m) for m in sent) < MIN_CACHED
