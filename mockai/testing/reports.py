"""What mockai tells a test that went wrong, as text.

* :func:`strict_report`: what strict mode objects to when a test ends (requests no rule matched,
  scripted replies that could not be sent, rules never used); the ``mockai`` fixture fails the
  teardown of a passing test with it.
* :func:`failure_report`: the "mockai" section of a failed test's report, as pytest-httpserver
  and VCR users expect one: every request the test sent (method, path, model, the last user text
  cut short, status, and which rule or source answered, with the error's message when it got
  one), then the strict report's findings, misses with their closest rules first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from mockai.core.request_reading import content_text
from mockai.testing.request_log import RecordedRequest

if TYPE_CHECKING:
    from mockai.scenarios.rules import Rule
    from mockai.scenarios.source import Miss, Problem

__all__ = ["failure_report", "strict_report"]

# A failure report lists at most this many requests (the last ones) and this much of each text.
SHOWN_REQUESTS = 50
TEXT_CHARS = 60
ERROR_CHARS = 100


def strict_report(misses: Sequence[Miss], problems: Sequence[Problem], unused: Sequence[tuple[Rule, int]]) -> str:
    """What strict mode objects to (at least one of the three is not empty)."""
    findings = _findings(misses, problems, unused, numbered=True)
    return "\n".join([*findings, "(strict mode: pass strict=False to allow this)"])


def failure_report(
    requests: Sequence[RecordedRequest],
    misses: Sequence[Miss],
    problems: Sequence[Problem],
    unused: Sequence[tuple[Rule, int]],
) -> str | None:
    """The "mockai" section of a failed test's report; None when the test sent nothing and no
    rule is left unused (nothing worth showing)."""
    # A miss is not numbered here: its number counts the requests that reached the reply sources,
    # the list's counts every request; its explanation describes the request instead.
    findings = list(_findings(misses, problems, unused, numbered=False))
    if not requests and not findings:
        return None
    count = len(requests)
    lines = [f"mockai received {count} request{'s' * (count != 1)}" + (":" if count else ".")]
    hidden = count - SHOWN_REQUESTS
    if hidden > 0:
        lines.append(f"  … {hidden} earlier request(s) not shown")
    lines += (_request_line(request) for request in requests[-SHOWN_REQUESTS:])
    return "\n".join(lines + findings)


def _request_line(request: RecordedRequest) -> str:
    said = _said(request)
    text = f" {_quoted(said, TEXT_CHARS)}" if said is not None else ""
    line = f"  #{request.seq} {request.method} {request.path} {request.model or '-'}{text} -> {request.status}"
    line += f" {request.source}"
    error = request.error
    if error is not None and request.status >= 400 and request.source != "no-match":  # misses: below
        first_line = str(error.get("message", "")).strip().splitlines()
        if first_line:
            line += f": {_cut(first_line[0], ERROR_CHARS)}"
    return line


def _said(request: RecordedRequest) -> str | None:
    """The last user text of a request: its messages (chat), or its ``input`` (Responses, embeddings)."""
    text = request.last_user_message
    if text is not None:
        return text
    given: Any = request.body.get("input")
    if isinstance(given, str):
        return given
    for item in reversed(given) if isinstance(given, list) else ():
        if isinstance(item, str):
            return item
        if isinstance(item, dict) and item.get("role", "user") == "user" and "content" in item:
            return content_text(item["content"])
    return None


def _findings(
    misses: Sequence[Miss], problems: Sequence[Problem], unused: Sequence[tuple[Rule, int]], *, numbered: bool
) -> Iterator[str]:
    if misses:
        yield f"{len(misses)} request(s) matched no rule:"
        for miss in misses:
            yield from _indent(f"request #{miss.seq}: {miss.explanation}" if numbered else miss.explanation)
    if problems:
        yield f"{len(problems)} scripted reply(ies) could not be sent as written:"
        for problem in problems:
            yield from _indent(f"request #{problem.seq}, {problem.rule.describe()}: {problem.message}")
    if unused:
        yield f"{len(unused)} rule(s) with scripted replies never used:"
        for rule, count in unused:
            used = "never matched" if count == 0 else f"answered {count} time(s)"
            yield from _indent(f"{rule.describe()}: {used}, written for {rule.expected_matches()}")


def _indent(text: str) -> Iterator[str]:
    first, *rest = str(text).splitlines() or [""]
    yield f"  - {first}"
    for line in rest:
        yield f"    {line}"


def _quoted(text: str, limit: int) -> str:
    return '"' + _cut(" ".join(text.split()), limit).replace('"', '\\"') + '"'


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
