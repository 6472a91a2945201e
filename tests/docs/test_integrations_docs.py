"""docs/integrations.md has a recipe of each kind for every library, and CI runs them: the recipes
themselves run in the integrations job (tests/integrations, .ci/integrations), outside this suite."""

from __future__ import annotations

from tests.integrations.recipes import LIBRARIES, node_recipe, python_recipes
from tests.support import ROOT


def test_every_library_has_a_serve_and_a_pytest_recipe() -> None:
    expected = {f"{lib}_serve.py" for lib in LIBRARIES} | {f"test_{lib}.py" for lib in LIBRARIES}
    assert set(python_recipes()) == expected | {"test_vercel_ai.py"}
    assert "createOpenAI" in node_recipe()


def test_ci_runs_the_integrations_job_for_every_library() -> None:
    job = (ROOT / ".ci" / "integrations").read_text()
    assert "bash .ci/integrations" in (ROOT / ".ci" / "run").read_text()
    for library in [*LIBRARIES, "vercel_ai"]:
        assert library in job, library
