"""``MockAI``: a mockai server for one test, scripted from the test, checked when it ends.

The pytest fixture ``mockai`` is an instance of this class; unittest (or any) code uses it as a
context manager::

    with MockAI() as m:
        m.on(user_contains="weather").reply("Sunny")
        client = m.openai()
        ...
    # leaving the block checks: every request matched a rule, every scripted reply was used

While it runs, ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at it (restored afterwards), so
``OpenAI()`` with no arguments, and subprocesses, talk to the mock.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from mockai.core.config import ServerConfig
from mockai.scenarios.source import likely_path
from mockai.server.state import ServerState
from mockai.testing.reports import failure_report, strict_report
from mockai.testing.request_log import RecordedRequest, RequestLog
from mockai.testing.reusable_server import ReusableServer

if TYPE_CHECKING:
    from mockai.scenarios.builder import RuleBuilder
    from mockai.scenarios.rules import Rule
    from mockai.scenarios.source import Miss, Problem, ScenarioSource

__all__ = ["DEFAULT_API_KEY", "MockAI", "MockAIStrictError", "NoMatchMode"]

DEFAULT_API_KEY = "sk-mockai-test-0000000000000000"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_API_KEY = "OPENAI_API_KEY"
# Settings a running server cannot change: a test that sets one gets a server of its own.
_SOCKET_FIELDS = ("host", "port", "max_body_bytes", "workers")

NoMatchMode = Literal["auto", "seeded", "error"]


class MockAIStrictError(AssertionError):
    """Requests matched no rule, or scripted replies were never used (strict mode)."""


class MockAI:
    """A fresh mockai state for one test: scripts, journal, strictness, environment.

    ``config`` (or keyword ``ServerConfig`` fields such as ``seed=7``) sets the server up;
    ``strict`` makes :meth:`check` (run when the ``with`` block or the pytest test ends) fail on
    unmatched requests and unused scripted replies; ``on_no_match`` says what a request no rule
    matches gets: ``"auto"`` (an error naming the closest rule once the test has rules, a seeded
    answer while it has none), ``"seeded"`` or ``"error"``.  ``server`` lends a running
    :class:`ReusableServer` (the pytest plugin shares one per worker) instead of starting one.
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        strict: bool = True,
        on_no_match: NoMatchMode = "auto",
        set_env: bool = True,
        api_key: str | None = None,
        server: ReusableServer | None = None,
        **config_fields: Any,
    ) -> None:
        base = config if config is not None else ServerConfig(port=0)
        self.config = replace(base, **config_fields) if config_fields else base
        if on_no_match not in ("auto", "seeded", "error"):
            raise ValueError(f"on_no_match must be 'auto', 'seeded' or 'error', not {on_no_match!r}")
        self.strict = strict
        self.on_no_match: NoMatchMode = on_no_match
        # The key clients send: the one the server insists on, if it does.
        self.api_key = api_key or self.config.api_key or DEFAULT_API_KEY
        self._set_env = set_env
        self._lent = server
        self._server: ReusableServer | None = None
        self._owns_server = False
        self._saved_env: dict[str, str | None] | None = None
        self._clients: list[Any] = []

    # lifecycle --------------------------------------------------------------------------------
    def start(self) -> MockAI:
        """Start (or borrow) the server, give it a fresh state, point the environment at it."""
        if self._server is not None:
            raise RuntimeError("this MockAI is already started")
        lent = self._lent
        if lent is not None and lent.running and _compatible(lent.config, self.config):
            self._server = lent
        else:
            # Scenario files are loaded by the renew below, once.
            self._server = ReusableServer(replace(self.config, scenarios=()))
            self._server.start()
            self._owns_server = True
        try:
            self._renew()
        except BaseException:
            self.stop()
            raise
        if self._set_env:
            self._saved_env = {name: os.environ.get(name) for name in (ENV_BASE_URL, ENV_API_KEY)}
            os.environ[ENV_BASE_URL] = self.base_url
            os.environ[ENV_API_KEY] = self.api_key
        return self

    def stop(self) -> None:
        """Cancel requests still in flight, close the clients it made, restore the environment."""
        server = self._server
        if server is None:
            return
        try:
            if server.running:
                server.settle()  # first: a client blocked on a hung request gets its error now
            for client in self._clients:
                client.close()
            self._clients.clear()
        finally:
            self._restore_env()
            if self._owns_server:
                server.stop()
            self._server = None
            self._owns_server = False

    def __enter__(self) -> MockAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            report = self.report() if exc_type is None and self.strict else None
        finally:
            self.stop()
        if report:
            raise MockAIStrictError(report)

    def reset(self) -> None:
        """Start over: no rules but those of ``config.scenarios``, an empty journal, nothing stored."""
        self._running().settle()
        self._renew()

    def _renew(self) -> None:
        """A fresh state for this test, built from its config (``on_no_match`` included)."""
        config = self.config
        if self.on_no_match != "seeded":
            config = replace(config, on_no_match=self.on_no_match)
        self._running().renew(config)

    def _running(self) -> ReusableServer:
        if self._server is None:
            raise RuntimeError("MockAI is not started: use `with MockAI() as m:` or call .start()")
        return self._server

    def _restore_env(self) -> None:
        saved, self._saved_env = self._saved_env, None
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    # where it is ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: what ``OpenAI(base_url=...)`` takes."""
        return self._running().base_url

    @property
    def url(self) -> str:
        """The server's root URL (admin endpoints live under ``/_mockai``)."""
        return self.base_url.removesuffix("/v1")

    @property
    def state(self) -> ServerState:
        return self._running().state

    # scripting --------------------------------------------------------------------------------
    @property
    def scenarios(self) -> ScenarioSource:
        """The scenario rules of this test (a ``mockai.scenarios.source.ScenarioSource``)."""
        return self.state.scenarios

    def on(self, **conditions: Any) -> RuleBuilder:
        """A new rule, as in a scenario file: ``m.on(user_contains="hi").reply("Hello!")``."""
        return self.scenarios.on(**conditions)

    def load(self, path: str | os.PathLike[str]) -> list[Rule]:
        """Load a scenario file (or a directory of them) into this test's rules."""
        return self.scenarios.load(Path(path))

    def load_text(self, text: str, origin: str = "<test>") -> list[Rule]:
        """Load scenario YAML given as text."""
        return self.scenarios.load_text(text, origin)

    @property
    def rules(self) -> list[Rule]:
        return list(self.scenarios.rules)

    def explain(self, body: dict[str, Any], path: str | None = None) -> str:
        """Which rule a request body would match, or why none does.  ``path``: the endpoint it is
        for (``"/v1/responses"``, ``"/v1/embeddings"``…); by default guessed from the body
        (``messages``: chat; ``input``: embeddings or moderations by the model's name, else
        Responses)."""
        return self.scenarios.explain(body, path=path or likely_path(body))

    # what happened ----------------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """How many requests the server is answering right now (a hung one counts until the end)."""
        return self._running().inflight_count()

    @property
    def requests(self) -> RequestLog:
        """The requests answered so far, of every endpoint (a snapshot; take it again after more requests)."""
        server = self._running()
        # A stream's entry is written just after its last byte: let requests in flight finish.
        server.wait_idle(0.25)
        return RequestLog(RecordedRequest.from_entry(e) for e in server.state.journal)

    def unmatched(self) -> list[Miss]:
        """Requests no rule matched (counted while the test has rules), each with its explanation."""
        return self.scenarios.misses

    def problems(self) -> list[Problem]:
        """Rules that matched but whose reply could not be sent as written."""
        return self.scenarios.problems

    def unused(self) -> list[Rule]:
        """Rules never matched, or with scripted replies left over (``optional`` ones excepted)."""
        return self.scenarios.unused()

    def _unused_counts(self) -> list[tuple[Rule, int]]:
        source = self.scenarios
        counts = {id(rule): n for rule, n in source.counts()}
        return [(rule, counts.get(id(rule), 0)) for rule in source.unused()]

    def report(self) -> str | None:
        """What strict mode objects to, as a message; None when all is well."""
        server = self._running()
        if server.running:
            server.settle()
        misses, problems, unused = self.unmatched(), self.problems(), self._unused_counts()
        if not misses and not problems and not unused:
            return None
        return strict_report(misses, problems, unused)

    def failure_report(self) -> str | None:
        """The "mockai" section of a failed test's report: the requests it sent, who answered them,
        and what strict mode objects to (see :mod:`mockai.testing.reports`); None when there is
        nothing to show."""
        server = self._running()
        if server.running:
            server.settle()
        return failure_report(self.requests, self.unmatched(), self.problems(), self._unused_counts())

    def check(self) -> None:
        """Raise :class:`MockAIStrictError` when a request matched nothing or a reply went unused."""
        report = self.report()
        if report:
            raise MockAIStrictError(report)

    # clients ----------------------------------------------------------------------------------
    def openai(self, **kwargs: Any) -> Any:
        """An ``openai.OpenAI`` client for this server (closed when the test ends)."""
        import openai

        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("api_key", self.api_key)
        client = openai.OpenAI(**kwargs)
        self._clients.append(client)
        return client

    def async_openai(self, **kwargs: Any) -> Any:
        """An ``openai.AsyncOpenAI`` client for this server (use ``async with`` to close it)."""
        import openai

        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("api_key", self.api_key)
        return openai.AsyncOpenAI(**kwargs)

    def __repr__(self) -> str:
        where = self._server.base_url if self._server is not None else "not started"
        return f"<MockAI {where} seed={self.config.seed} strict={self.strict}>"


def _compatible(running: ServerConfig, wanted: ServerConfig) -> bool:
    return all(
        getattr(running, name) == getattr(wanted, name) or (name == "port" and wanted.port == 0)
        for name in _SOCKET_FIELDS
    )
