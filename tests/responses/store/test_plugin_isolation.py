"""Under the pytest plugin, every test starts with no stored responses (as with stored chat
completions): a temporary project run by pytester, the way users run it."""

from __future__ import annotations

import pytest

pytest.importorskip("openai")


def test_a_response_stored_in_one_test_is_gone_in_the_next(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import openai
        import pytest

        KEPT = []

        def test_store(mockai):
            client = mockai.openai(max_retries=0)
            created = client.responses.create(model="gpt-4o-mini", input="Keep me.")
            assert client.responses.retrieve(created.id).id == created.id
            KEPT.append(created.id)

        def test_next(mockai):
            client = mockai.openai(max_retries=0)
            with pytest.raises(openai.NotFoundError):
                client.responses.retrieve(KEPT[0])
            with pytest.raises(openai.BadRequestError):
                client.responses.create(model="gpt-4o-mini", input="Go on.", previous_response_id=KEPT[0])
        """
    )
    result = project.runpytest("-p", "no:randomly")
    outcomes = {k: v for k, v in result.parseoutcomes().items() if k not in ("seconds", "warnings")}
    assert outcomes == {"passed": 2}, result.stdout.str()
