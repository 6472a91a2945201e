"""The model capability table: lookup by longest prefix, and docs/models.md generated from it."""

from __future__ import annotations

import pytest

from mockai.core.model_capabilities import GENERIC, capabilities, markdown_table
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
