"""The same requests give the same bytes as before: the golden corpus (tests/golden/corpus.py)."""

from __future__ import annotations

import json

from tests.golden.corpus import GOLDEN, run_corpus


def test_every_answer_in_the_corpus_is_byte_identical_to_the_pinned_one() -> None:
    pinned = json.loads(GOLDEN.read_text())
    now = run_corpus()
    assert list(now) == list(pinned)
    changed = [name for name in pinned if now[name] != pinned[name]]
    assert not changed, f"{len(changed)} answers changed, first {changed[0]}: {now[changed[0]]} != {pinned[changed[0]]}"
