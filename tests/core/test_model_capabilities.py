"""The model capability table: lookup by longest prefix, and docs/models.md generated from it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockai.core import model_capabilities
from mockai.core.model_capabilities import FAMILIES, GENERIC, capabilities, markdown_table
from tests.support import ROOT


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-mini-search-preview-2025-03-11", "gpt-4o-mini-search"),
        ("gpt-4o-audio-preview", "gpt-4o-audio"),
        ("gpt-audio-mini-2025-10-06", "gpt-audio"),
        ("o3-mini", "o3-mini"),
        ("o1-mini-2024-09-12", "o1-mini"),
        ("gpt-5-nano", "gpt-5"),
        ("gpt-5.1", "gpt-5.1"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    ],
)
def test_a_model_takes_the_family_of_its_longest_prefix(model: str, family: str) -> None:
    assert capabilities(model).family == family


def test_an_unknown_model_is_a_generic_chat_model() -> None:
    caps = capabilities("my-fine-tuned-model")
    assert caps is GENERIC and not caps.reasoning and caps.sampling and caps.logprobs


def test_reasoning_families_have_efforts_and_take_no_sampling_parameters() -> None:
    for model in ("o3", "o4-mini", "gpt-5", "gpt-5.1"):
        caps = capabilities(model)
        assert caps.reasoning and caps.default_effort in caps.efforts and not caps.sampling
    assert capabilities("gpt-5.1").default_effort == "none"


def test_docs_models_md_is_generated_from_the_table() -> None:
    text = (ROOT / "docs" / "models.md").read_text()
    assert text.endswith(markdown_table()), "run: python -m mockai.core.model_capabilities (see docs/models.md)"


def _scanned(model: str) -> model_capabilities.Capabilities:
    """The table read the long way: every prefix, the longest that matches."""
    matching = [(len(prefix), caps) for prefix, caps in FAMILIES if model.startswith(prefix)]
    return max(matching, key=lambda entry: entry[0])[1] if matching else GENERIC


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from([p for p, _ in FAMILIES]), st.text(max_size=20)), st.text(max_size=12))
def test_the_memoised_answer_is_the_longest_prefix_read_the_long_way(prefix: str, tail: str) -> None:
    model = prefix + tail
    assert capabilities(model) is _scanned(model)
    assert capabilities(model) is _scanned(model)  # asked again: from the memo


def test_the_memo_of_client_model_ids_stays_bounded() -> None:
    for i in range(3 * model_capabilities._KNOWN_ENTRIES):
        assert capabilities(f"gpt-4o-client-{i}").family == "gpt-4o"
    assert len(model_capabilities._KNOWN) <= model_capabilities._KNOWN_ENTRIES
    long_id = "gpt-4o" + "x" * 100_000
    assert capabilities(long_id).family == "gpt-4o"
    assert long_id not in model_capabilities._KNOWN
