"""Scenario rules and a cassette together, as strict mode sees them: what the cassette answers is
no miss of the script, and what it lacks is one."""

from __future__ import annotations

from pathlib import Path

from tests.support.bodies import chat
from tests.support.clients import post_chat
from tests.support.servers import ServerFactory


def test_strict_mode_counts_what_the_cassette_answers_and_what_it_lacks(
    tmp_path: Path, server_factory: ServerFactory
) -> None:
    """A plugin audit: with rules and a cassette, a request the cassette answered (as the docs say
    it does when no rule matches) was reported at the test's end as matching no rule; and a request
    the cassette lacks was no finding at all when the application swallowed the 404 (VCR.py fails
    the test on it)."""
    upstream = server_factory()
    cassette = tmp_path / "chat.yaml"
    recorder = server_factory(cassette=cassette, record_mode="all", upstream=upstream.base_url)
    assert post_chat(recorder.base_url, chat("Say hello")).status_code == 200
    replayer = server_factory(cassette=cassette)
    replayer.state.scenarios.on(user_contains="rome").reply("Sunny in Rome")
    assert post_chat(replayer.base_url, chat("Rome?")).json()["choices"][0]["message"]["content"] == "Sunny in Rome"
    assert post_chat(replayer.base_url, chat("Say hello")).status_code == 200  # (the cassette's answer)
    assert replayer.state.scenarios.misses == []
    assert post_chat(replayer.base_url, chat("Not recorded")).status_code == 404
    [miss] = replayer.state.scenarios.misses  # (explained by the rules it matched none of)
    assert miss.explanation.startswith("No scenario rule matched this request")
    cassette_only = server_factory(cassette=cassette)  # no rules: the cassette's miss is the finding
    assert post_chat(cassette_only.base_url, chat("Not recorded")).status_code == 404
    [miss] = cassette_only.state.scenarios.misses
    assert miss.explanation.startswith("the cassette has no answer for it either: ")
