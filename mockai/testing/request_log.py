"""``mockai.requests``: the request journal as something a test can assert on.

A :class:`RequestLog` is a snapshot (a read-only sequence) of :class:`RecordedRequest` entries,
oldest first, with the helpers tests reach for: ``call_count``, ``last``, ``filter(...)``,
``tool_results()``, ``assert_called_once()``.  Headers are already redacted by the journal.

Rejected requests (a 400, 401 or 413: bad JSON, a schema violation, a wrong key, a body too large)
are in the log too, with ``rejected`` true, their ``status`` and their ``error``; ``filter(status=200)``
or ``filter(rejected=False)`` leaves them out.  Large bodies are cut down by the journal, long strings
ending in ``…[truncated N bytes]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, overload

from mockai.core import request_reading as reading
from mockai.core.request_reading import ToolResult
from mockai.responses.chat_view import chat_view
from mockai.server.journal import JournalEntry

__all__ = ["RecordedRequest", "RequestLog", "ToolResult"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered (chat, Responses, embeddings, …), or refused (``rejected``)."""

    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names lower-cased; secrets already redacted
    body: dict[str, Any]
    status: int
    source: str  # who answered: "seeded", "scenario:<rule>", "cassette", "no-match", "rejected", ...
    response: dict[str, Any] | None  # the JSON answer (completion or error envelope)
    # The body as received: ``body`` when it is a JSON object, else its JSON value, or its text when
    # it is not JSON (None: no body, or one never read, as a 413's).
    received: Any = None

    @classmethod
    def from_entry(cls, entry: JournalEntry) -> RecordedRequest:
        body = entry.body if isinstance(entry.body, dict) else {}
        return cls(
            entry.seq,
            entry.method,
            entry.path,
            entry.query,
            {k.lower(): v for k, v in entry.headers.items()},
            body,
            entry.status,
            entry.source,
            entry.response,
            entry.body,
        )

    @property
    def rejected(self) -> bool:
        """Refused before any reply source saw it (a 400, 401, 413…): see ``error``."""
        return self.source == "rejected"

    @property
    def error(self) -> dict[str, Any] | None:
        """The error the request got (``message``, ``type``, ``param``, ``code``), or None."""
        error = (self.response or {}).get("error")
        return error if isinstance(error, dict) else None

    @property
    def model(self) -> str | None:
        model = self.body.get("model")
        return model if isinstance(model, str) else None

    @property
    def responses_api(self) -> bool:
        """A ``POST /v1/responses`` request (its ``messages`` are read from its ``input``)."""
        return self.path == "/v1/responses"

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation as chat messages: a chat request's ``messages``; for a Responses
        request, its ``instructions`` and ``input`` read as the equivalent chat messages (see
        :mod:`mockai.responses.chat_view`; not the stored turns ``previous_response_id`` names)."""
        messages = chat_view(self.body)["messages"] if self.responses_api else self.body.get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def last_user_message(self) -> str | None:
        """The text of the last ``user`` message, or None when there is none."""
        return reading.last_user_text(self.messages)

    @property
    def inputs(self) -> list[str | list[int]]:
        """Embeddings and moderations: each input as sent, in order (a text, or token ids); the
        text parts of a moderation's ``[{type: text}, {type: image_url}]`` array are one input."""
        value = self.body.get("input")
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not value:
            return []
        if all(isinstance(item, int) for item in value):
            return [list(value)]
        if all(isinstance(item, dict) for item in value):
            return ["\n".join(str(p.get("text")) for p in value if p.get("type") == "text")]
        return [item if isinstance(item, str) else list(item) for item in value if isinstance(item, (str, list))]

    @property
    def rule(self) -> str | None:
        """The name of the scenario rule that answered, or None when no rule did."""
        prefix, _, name = self.source.partition(":")
        return name if prefix == "scenario" and name else None

    @property
    def reply_text(self) -> str | None:
        """The content of the first choice of the answer (a Response: its output text), when it has one."""
        response = self.response or {}
        if self.responses_api and isinstance(response.get("output"), list):
            return _output_text(response["output"])
        choices = response.get("choices") or []
        if not choices:
            return None
        content = (choices[0].get("message") or {}).get("content")
        return content if isinstance(content, str) else None

    @property
    def tool_results(self) -> list[ToolResult]:
        """The results of tool calls (``role: tool`` messages) in this request's messages, in order."""
        return [r for r in reading.tool_results(self.messages) if r.call_id is not None]

    def __repr__(self) -> str:
        user = self.last_user_message
        said = f" user={user[:40]!r}" if user is not None else ""
        error = self.error
        if self.rejected and error is not None:
            said += f" error={str(error.get('message'))[:60]!r}"
        return f"<RecordedRequest #{self.seq} {self.model} {self.status} by {self.source}{said}>"


def _calls_answered(response: Any) -> Iterator[tuple[str, tuple[str | None, Any]]]:
    """The tool calls an answer made, by id: a chat completion's ``tool_calls``, a Response's
    ``function_call`` and ``custom_tool_call`` items."""
    if not isinstance(response, dict):
        return
    for item in response.get("output") or ():
        if isinstance(item, dict) and item.get("type") in ("function_call", "custom_tool_call"):
            call_id = item.get("call_id")
            if isinstance(call_id, str):
                raw = item.get("arguments", item.get("input"))
                yield call_id, (item.get("name"), reading.maybe_json(raw))
    for choice in response.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        for call in (message or {}).get("tool_calls") or ():
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                yield call["id"], reading.call_name_and_arguments(call)


def _output_text(output: list[Any]) -> str | None:
    """What the SDK's ``response.output_text`` gives: the text of every output_text part, or None."""
    texts = [
        part.get("text", "")
        for item in output
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or ()
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    return "".join(texts) if texts else None


class RequestLog(Sequence[RecordedRequest]):
    """The requests a server answered (oldest first), as of when this snapshot was taken."""

    def __init__(self, entries: Iterable[RecordedRequest]) -> None:
        self._entries = tuple(entries)

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> RequestLog: ...
    def __getitem__(self, index: int | slice) -> RecordedRequest | RequestLog:
        if isinstance(index, slice):
            return RequestLog(self._entries[index])
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self._entries)

    def __repr__(self) -> str:
        return f"RequestLog({list(self._entries)!r})"

    # unittest.mock vocabulary
    @property
    def call_count(self) -> int:
        return len(self._entries)

    @property
    def called(self) -> bool:
        return bool(self._entries)

    @property
    def last(self) -> RecordedRequest:
        if not self._entries:
            raise AssertionError("mockai received no request")
        return self._entries[-1]

    @property
    def first(self) -> RecordedRequest:
        if not self._entries:
            raise AssertionError("mockai received no request")
        return self._entries[0]

    def filter(
        self,
        *,
        model: str | None = None,
        source: str | None = None,
        rule: str | None = None,
        user_contains: str | None = None,
        input_contains: str | None = None,
        path: str | None = None,
        stream: bool | None = None,
        status: int | None = None,
        rejected: bool | None = None,
    ) -> RequestLog:
        """The requests matching every given condition."""

        def keep(r: RecordedRequest) -> bool:
            return (
                (model is None or r.model == model)
                and (source is None or r.source == source)
                and (rule is None or r.rule == rule)
                and (user_contains is None or user_contains in (r.last_user_message or ""))
                and (input_contains is None or any(isinstance(i, str) and input_contains in i for i in r.inputs))
                and (path is None or r.path == path)
                and (stream is None or r.stream == stream)
                and (status is None or r.status == status)
                and (rejected is None or r.rejected == rejected)
            )

        return RequestLog(r for r in self._entries if keep(r))

    def tool_results(self, name: str | None = None) -> list[ToolResult]:
        """Every tool result the client sent back, once each (an agent loop resends its history).
        A result whose call is not in its own request (a Responses turn continuing a stored one
        with ``previous_response_id`` or a ``conversation``) is named from the answer that made
        the call, earlier in the log."""
        called: dict[str, tuple[str | None, Any]] = {}  # call id -> (name, arguments), as answered
        seen: dict[str | None, ToolResult] = {}
        for request in self._entries:
            for result in request.tool_results:
                if result.name is None and result.call_id in called:
                    found_name, arguments = called[result.call_id]
                    result = replace(result, name=found_name, arguments=arguments)
                if result.call_id not in seen and (name is None or result.name == name):
                    seen[result.call_id] = result
            called.update(_calls_answered(request.response))
        return list(seen.values())

    # assertions (messages say what was received)
    def _summary(self) -> str:
        if not self._entries:
            return "no request was received"
        lines = [f"{len(self._entries)} request(s) received:"]
        lines += [f"  {r!r}" for r in self._entries[-10:]]
        return "\n".join(lines)

    def assert_called(self) -> None:
        if not self._entries:
            raise AssertionError("expected at least one request; " + self._summary())

    def assert_not_called(self) -> None:
        if self._entries:
            raise AssertionError("expected no request; " + self._summary())

    def assert_called_once(self) -> RecordedRequest:
        self.assert_call_count(1)
        return self._entries[0]

    def assert_call_count(self, count: int) -> None:
        if len(self._entries) != count:
            raise AssertionError(f"expected {count} request(s); " + self._summary())
