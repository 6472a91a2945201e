"""Scenario rules as plain frozen data: what a rule matches and what it answers.

YAML files (:mod:`mockai.scenarios.file_format`) and the Python builder (:mod:`mockai.scenarios.builder`) both
produce these objects through the same parser, so two rules written either way compare equal
(``origin`` and ``spec`` are left out of the comparison).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "UNSET",
    "ChoiceSpec",
    "EmbeddingSpec",
    "Endpoint",
    "ErrorSpec",
    "Exhausted",
    "FaultKind",
    "FaultSpec",
    "JsonPath",
    "Match",
    "MessageMatch",
    "ModerationSpec",
    "Origin",
    "ReplySpec",
    "Rule",
    "RuleProblem",
    "ScenarioError",
    "StreamErrorSpec",
    "TextMatch",
    "ToolCallSpec",
    "ToolResultMatch",
    "Unset",
]

Exhausted = Literal["repeat", "fall_through", "error"]
# The requests a rule answers (``match.endpoint``).
Endpoint = Literal["chat", "embeddings", "moderations"]
FaultKind = Literal["hang", "cut", "reset", "malformed", "error_event", "empty"]
# A place inside a parsed document: the keys and list indexes from its root, e.g. (0, "reply", "content").
JsonPath = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file, the line and the rule."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class RuleProblem(Exception):
    """A problem at ``path`` inside one rule as written; the loader turns it into a
    :class:`ScenarioError` that names the file, the line and the rule."""

    def __init__(self, path: JsonPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class Unset:
    """The value of an error field the rule leaves to the default for its status."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()


@dataclass(frozen=True)
class Origin:
    """Where a rule was written: a file and line (YAML) or a call site (Python)."""

    file: str | None = None
    line: int | None = None
    # 1-based number of the rule in its file (None for rules built in Python).
    position: int | None = None

    def where(self) -> str:
        if self.file is None:
            return "<unknown>"
        return f"{self.file}:{self.line}" if self.line is not None else self.file


# --- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextMatch:
    equals: str | None = None
    contains: str | None = None  # case-insensitive
    regex: str | None = None  # re.search

    def is_empty(self) -> bool:
        return self.equals is None and self.contains is None and self.regex is None


@dataclass(frozen=True)
class MessageMatch:
    index: int | None = None  # -1: the last message; None: any message
    role: str | None = None
    text: TextMatch = TextMatch()


@dataclass(frozen=True)
class ToolResultMatch:
    name: str | None = None
    id: str | None = None
    contains: str | None = None


@dataclass(frozen=True)
class Match:
    """Every condition is optional; those given must all hold."""

    model: str | None = None  # exact, or a glob when it has * ? [
    user: TextMatch = TextMatch()
    system: TextMatch = TextMatch()
    last_role: str | None = None
    messages: tuple[MessageMatch, ...] = ()
    tools: tuple[str, ...] = ()
    tool_choice: str | None = None
    tool_result: ToolResultMatch | None = None
    stream: bool | None = None
    response_format: str | None = None
    schema_name: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # lower-case names; exact value or glob
    fields: tuple[tuple[str, Any], ...] = ()  # JSON pointer -> expected value
    turn: int | None = None  # number of user messages
    endpoint: Endpoint = "chat"
    # Embeddings and moderations: an input text fits (the rule answers for the inputs that fit).
    input: TextMatch = TextMatch()


# --- replies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCallSpec:
    name: str
    arguments: Any = None  # a dict (sent as JSON, templated), a string (sent as is) or None ({})
    id: str | None = None
    kind: Literal["function", "custom"] | None = None  # None: as the request offers the tool


@dataclass(frozen=True)
class ChoiceSpec:
    content: str | None = None
    refusal: str | None = None
    json: Any = None  # structured output; None: absent
    tool_calls: tuple[ToolCallSpec, ...] = ()
    function_call: ToolCallSpec | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class ErrorSpec:
    """An HTTP error; every UNSET field takes the real API's default for ``status``."""

    status: int
    message: str | Unset = UNSET
    type: str | Unset = UNSET
    code: str | Unset | None = UNSET
    param: str | Unset | None = UNSET
    headers: tuple[tuple[str, str], ...] = ()
    retry_after: float | None = None  # seconds
    should_retry: bool | None = None


@dataclass(frozen=True)
class StreamErrorSpec:
    message: str | Unset = UNSET
    type: str | Unset = UNSET
    code: str | Unset | None = UNSET
    param: str | Unset | None = UNSET


@dataclass(frozen=True)
class FaultSpec:
    kind: FaultKind
    after: int = 0
    error: StreamErrorSpec | None = None


@dataclass(frozen=True)
class EmbeddingSpec:
    """The vector of the inputs a rule matched: ``values`` as given, or the vector of ``as_text``."""

    values: tuple[float, ...] = ()
    as_text: str | None = None


@dataclass(frozen=True)
class ModerationSpec:
    """The result of the inputs a rule matched: the categories flagged, and scores it sets."""

    flagged: tuple[str, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ReplySpec:
    """One answer.  No choices and no error: the seeded answer, with this timing and fault."""

    choices: tuple[ChoiceSpec, ...] = ()
    usage: tuple[tuple[str, int], ...] = ()
    error: ErrorSpec | None = None
    fault: FaultSpec | None = None
    delay: float = 0.0
    tokens_per_chunk: int | None = None
    chunk_delays: tuple[float, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    embedding: EmbeddingSpec | None = None
    moderation: ModerationSpec | None = None

    @property
    def seeded(self) -> bool:
        return not self.choices and self.error is None and self.embedding is None and self.moderation is None


# --- the rule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    match: Match = Match()
    replies: tuple[ReplySpec, ...] = (ReplySpec(),)
    name: str | None = None
    description: str | None = None
    # The rule answers at most this many times (None: no limit); then ``exhausted`` decides.
    times: int | None = None
    exhausted: Exhausted = "repeat"
    optional: bool = False
    tool_schemas: tuple[tuple[str, Any], ...] = ()
    response_schema: Any = None
    origin: Origin = field(default=Origin(), compare=False)
    # The rule as written (YAML/JSON shape), for the admin API.
    spec: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """A short name for the journal: the rule's name, else where it was written."""
        return self.name or self.origin.where()

    def describe(self) -> str:
        """``rule 2 "ask for the weather" (scenarios/weather.yaml:14)``."""
        number = f" {self.origin.position}" if self.origin.position is not None else ""
        name = f' "{self.name}"' if self.name else ""
        return f"rule{number}{name} ({self.origin.where()})"

    def reply_for(self, count: int) -> ReplySpec:
        """The reply for the rule's ``count``-th match (0-based): the last one repeats."""
        return self.replies[min(count, len(self.replies) - 1)]

    def expected_matches(self) -> int:
        """How many matches use up what the rule was written to say."""
        return self.times if self.times is not None else len(self.replies)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.spec)
