"""pytest plugin (entry point ``pytest11``): the ``mockai`` fixture, marker and options.

* ``mockai`` (function scope): a :class:`~mockai.testing.mock.MockAI` with a fresh state for this test.
  One server runs per pytest process (each xdist worker has its own, on a free port); every test
  renews its state and, when it ends, requests still in flight are cancelled.
* ``@pytest.mark.mockai(scenario=..., seed=..., strict=..., on_no_match=..., **ServerConfig fields)``.
* ``--mockai-seed N``, ``--mockai-scenarios DIR``, ``--mockai-record-mode MODE``; a
  ``mockai_config`` fixture (a dict) for project-wide defaults.
  Precedence: command line > marker > ``mockai_config`` > built-in default.
* Strict by default: when a passing test ends, unmatched requests and unused scripted replies
  make its teardown fail with the closest rule and the differing field.
* A failing test that used the fixture gets a "mockai" section in its report: the requests it sent
  (method, path, model, last user text, status, the rule or source that answered) and the misses
  with their closest rules (:mod:`mockai.testing.reports`).  A passing test adds nothing.

This is the only module of the package that imports pytest.
"""

from __future__ import annotations

import difflib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from mockai.core.config import ServerConfig

# The server (aiohttp) is imported when a test first asks for the fixture, not when pytest
# loads plugins: a suite that never uses mockai pays nothing for it.
if TYPE_CHECKING:
    from mockai.testing.mock import MockAI, NoMatchMode
    from mockai.testing.reusable_server import ReusableServer

__all__ = ["mockai", "mockai_config"]

CONFIG_FIELDS = frozenset(f.name for f in fields(ServerConfig))
# Settings that are not ServerConfig fields (or that the plugin treats specially).
_PLUGIN_KEYS = frozenset({"scenario", "scenarios", "seed", "strict", "on_no_match", "scenarios_dir"})
_MARKER_ONLY_FORBIDDEN = frozenset({"scenarios_dir"})  # a directory is project-wide, not per test
_RELATIVE_TO_TEST = ("cassette", "store_path")  # relative paths are next to the test module

_OUTCOME = pytest.StashKey[str]()
_ACTIVE = pytest.StashKey["MockAI"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockai", "mockai: a deterministic OpenAI API emulator")
    group.addoption(
        "--mockai-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed for mockai's generated answers in every test (overrides markers and mockai_config)",
    )
    group.addoption(
        "--mockai-record-mode",
        default=None,
        choices=["none", "once", "new_episodes", "all"],
        help="record mode for tests with a cassette (overrides markers and mockai_config)",
    )
    group.addoption(
        "--mockai-scenarios",
        default=None,
        metavar="DIR",
        help="directory where relative @pytest.mark.mockai(scenario=...) names are looked up "
        "(default: next to the test module)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockai(scenario=None, seed=None, strict=None, on_no_match=None, **server_settings): "
        "set up the mockai fixture for this test (scenario file(s), seed, strictness, ServerConfig fields)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report.outcome
        active = item.stash.get(_ACTIVE, None)
        if report.failed and active is not None:
            # The test failed on its own: show what it sent to mockai and who answered (a section
            # of its report, as pytest-httpserver and VCR show theirs), without failing it twice.
            try:
                text = active.failure_report()
            except Exception as exc:  # the report must never hide the test's own failure
                text = f"mockai could not list this test's requests: {exc!r}"
            if text:
                report.sections.append(("mockai", text))
    return report


@pytest.fixture(scope="session")
def mockai_config() -> dict[str, Any]:
    """Project-wide defaults for the ``mockai`` fixture; override it in a conftest.py.

    Keys: ``seed``, ``strict``, ``scenario`` (file or list of files), ``scenarios_dir``,
    ``on_no_match`` (``auto``/``seeded``/``error``) and any :class:`~mockai.core.config.ServerConfig` field.
    """
    return {}


@pytest.fixture(scope="session")
def _mockai_server() -> Iterator[ReusableServer]:
    from mockai.testing.reusable_server import ReusableServer

    server = ReusableServer(ServerConfig(port=0))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mockai(
    request: pytest.FixtureRequest, mockai_config: Mapping[str, Any], _mockai_server: ReusableServer
) -> Iterator[MockAI]:
    """A mockai server with a fresh state for this test; ``OPENAI_BASE_URL`` points at it."""
    from mockai.testing.mock import MockAI

    settings = _settings(request, mockai_config)
    strict = bool(settings.pop("strict", True))
    on_no_match: NoMatchMode = settings.pop("on_no_match", "auto")
    config = replace(ServerConfig(port=0), **settings)
    harness = MockAI(config, strict=strict, on_no_match=on_no_match, server=_mockai_server)
    problem = None
    try:
        harness.start()
    except ValueError as exc:  # a scenario file that cannot be used (ScenarioError), a bad setting
        problem = f"mockai: {exc}"
    if problem is not None:
        _usage(problem)
    node = request.node
    node.stash[_ACTIVE] = harness
    try:
        yield harness
        report = harness.report() if strict and node.stash.get(_OUTCOME, "") == "passed" else None
    finally:
        del node.stash[_ACTIVE]
        harness.stop()
    if report:
        pytest.fail(f"mockai: {report}", pytrace=False)


def _settings(request: pytest.FixtureRequest, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``mockai_config`` < marker < command line into ServerConfig fields + plugin keys."""
    merged = dict(_checked(defaults, "mockai_config"))
    # Markers on the module, the class and the function: the closest one wins, key by key.
    for marker in reversed(list(request.node.iter_markers("mockai"))):
        if marker.args:
            _usage("@pytest.mark.mockai takes keyword arguments only, e.g. scenario='x.yaml'")
        marked = _checked(marker.kwargs, "@pytest.mark.mockai")
        bad = _MARKER_ONLY_FORBIDDEN & set(marked)
        if bad:
            _usage(f"@pytest.mark.mockai: {sorted(bad)} belongs in mockai_config")
        merged.update(marked)
    options = request.config.option
    if options.mockai_seed is not None:
        merged["seed"] = options.mockai_seed
    if options.mockai_record_mode is not None:
        merged["record_mode"] = options.mockai_record_mode
    # Where relative scenario names are looked up: --mockai-scenarios (relative to where pytest
    # was invoked) > mockai_config["scenarios_dir"] (relative to the rootdir) > the test's folder.
    configured = merged.pop("scenarios_dir", None)
    scenarios_dir: Path | None = None
    if options.mockai_scenarios:
        scenarios_dir = request.config.invocation_params.dir / options.mockai_scenarios
    elif configured:
        scenarios_dir = request.config.rootpath / configured

    test_dir = Path(str(request.node.path)).parent
    names = merged.pop("scenario", None)
    more = merged.pop("scenarios", None)
    found = [_find_scenario(n, scenarios_dir, test_dir) for n in [*_listed(names), *_listed(more)]]
    if found:
        merged["scenarios"] = tuple(found)
    cassette = merged.get("cassette")
    if cassette is not None and Path(cassette).parent == Path():
        # A bare name lives where pytest-recording keeps them: cassettes/<module>/<name>.
        merged["cassette"] = test_dir / "cassettes" / Path(str(request.node.path)).stem / cassette
    for name in _RELATIVE_TO_TEST:
        if merged.get(name) is not None:
            path = Path(merged[name])
            merged[name] = path if path.is_absolute() else test_dir / path
    if merged.get("models") is not None:
        merged["models"] = tuple(merged["models"])
    _check_types(merged)
    return merged


def _check_types(settings: Mapping[str, Any]) -> None:
    expected: dict[str, tuple[type, ...]] = {"seed": (int,), "strict": (bool,), "journal_size": (int,)}
    for key, types in expected.items():
        value = settings.get(key)
        if value is not None and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
            _usage(f"mockai setting {key}={value!r}: expected {' or '.join(t.__name__ for t in types)}")
    mode = settings.get("on_no_match", "auto")
    if mode not in ("auto", "seeded", "error"):
        _usage(f"mockai setting on_no_match={mode!r}: expected 'auto', 'seeded' or 'error'")


def _usage(message: str) -> NoReturn:
    """A setup error that shows the message, not a traceback into the plugin."""
    pytest.fail(message, pytrace=False)


def _checked(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = set(values) - _PLUGIN_KEYS - CONFIG_FIELDS
    if unknown:
        names = sorted(_PLUGIN_KEYS | CONFIG_FIELDS)
        hints = [
            f"{word!r}: did you mean {close[0]!r}?"
            for word in sorted(unknown)
            if (close := difflib.get_close_matches(word, names, n=1, cutoff=0.6))
        ]
        hint = f" ({'; '.join(hints)})" if hints else ""
        _usage(f"{where}: unknown mockai setting(s) {sorted(unknown)}{hint}; known: {', '.join(names)}")
    return dict(values)


def _listed(value: Any) -> list[str | Path]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [value]
    return list(value)


def _find_scenario(name: str | Path, scenarios_dir: Path | None, test_dir: Path) -> Path:
    path = Path(name)
    places = [] if path.is_absolute() else [d for d in (scenarios_dir, test_dir) if d is not None]
    candidates = [d / path for d in places] or [path]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    _usage(f"mockai scenario {str(name)!r} not found (looked for {looked})")
