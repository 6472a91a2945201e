"""``POST /v1/responses`` as one surface of the server's pipeline (:mod:`mockai.server.pipeline`):
its validation, the chat view reply sources read, the delivery of a reply as a Response, and
how an error reads on this endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from mockai.core.errors import APIError, error_body_bytes
from mockai.core.plan import ErrorReply, PlannedReply, RawReply, ReplyPlan
from mockai.core.records import record
from mockai.responses.chat_view import chat_view
from mockai.responses.conversations import ConversationStore, conversation_id_of
from mockai.responses.input_items import input_items
from mockai.responses.planner import ResponsePlan, response_excerpt
from mockai.responses.render_json import item_dict, response_dict
from mockai.responses.reply_writer import (
    ResponseMemos,
    Settled,
    keep_recorded,
    own_plan,
    settle,
    write_response,
)
from mockai.responses.store.history import chain_weight, conversation_items, resolve_references, stored_item
from mockai.responses.store.records import ResponseStore
from mockai.responses.truncation import truncated
from mockai.responses.validation import (
    as_responses_error,
    model_not_found,
    validate_model_rules,
    validate_responses_request,
)

__all__ = [
    "Answer",
    "ResponseMemos",
    "chain_weight",
    "model_not_found",
    "prepare",
    "request_view",
    "reword",
    "validate_responses_request",
]


def request_view(
    body: dict[str, Any], store: ResponseStore, conversations: ConversationStore, *, check_rules: bool
) -> dict[str, Any]:
    """The chat view of ``body`` (continuing its stored conversation: a ``previous_response_id``
    chain or a ``conversation``'s items; its ``item_reference`` items read as the stored items they
    name, its oldest messages dropped when it is too long for the model and asks for
    ``truncation: "auto"``); the model's rules are checked on it when ``check_rules`` (a body seen
    before passed them)."""
    previous = body.get("previous_response_id")
    conversation = body.get("conversation")
    given = body.get("input")
    history: Sequence[Any] = ()
    viewed = body
    if previous is not None or conversation is not None or not isinstance(given, str):  # (else the usual
        # request: nothing to resolve or pair)
        if isinstance(previous, str):
            history = resolve_references(store, conversation_items(store, previous), strict=False)
        else:
            named = conversation_id_of(conversation)
            if named is not None:
                history = resolve_references(store, conversations.items(named), strict=False)
        resolved = resolve_references(store, given)
        if isinstance(resolved, list):
            _refuse_duplicates(history, resolved)
            _find_reasoning(store, resolved)
        _check_tool_outputs(history, resolved)
        if resolved is not given:
            viewed = {**body, "input": resolved}
    view = truncated(chat_view(viewed, history), body)
    if check_rules:
        validate_model_rules(body, view)
    return view


def _refuse_duplicates(history: Sequence[Any], given: list[Any]) -> None:
    """The real API's 400 when two items of the conversation (the stored chain it continues, then
    its input, references read as the items they name) have one id: an item re-sent with
    ``previous_response_id``, say (quoted in continuedev/continue#10723 and others, 2025-2026)."""
    if not any(isinstance(item, Mapping) and "id" in item for item in given):
        return  # the usual input: items without ids
    seen = {item.get("id") for item in history if isinstance(item, Mapping)}
    for item in given:
        item_id = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            raise APIError(
                400,
                f"Duplicate item found with id {item_id}. Remove duplicate items from your input and try again.",
                param="input",
            )
        seen.add(item_id)


def _find_reasoning(store: ResponseStore, given: list[Any]) -> None:
    """A ``reasoning`` item sent by its id, without its ``encrypted_content``, is read from the
    stored response that made it: the real API's 404 when none holds it (a response created with
    ``store: false``, say; quoted in anomalyco/opencode#7724)."""
    for item in given:
        if isinstance(item, Mapping) and item.get("type") == "reasoning" and item.get("encrypted_content") is None:
            item_id = item.get("id")
            if isinstance(item_id, str):
                stored_item(store, item_id)


_CALLS = ("function_call", "custom_tool_call")
_OUTPUTS = ("function_call_output", "custom_tool_call_output")


def _check_tool_outputs(history: Sequence[Any], given: Any) -> None:
    """Every tool output answers a call made before it, and every function call of the
    conversation (the stored chain it continues, then its input, references read as the items
    they name) has its output: the real API's 400s (an orphan output [conformance §6a]; a call
    left unanswered, quoted with ``previous_response_id`` in openai/openai-agents-python#673)."""
    if not history and not isinstance(given, list):
        return  # a string input: nothing to pair
    items = [*history, *given] if isinstance(given, list) else list(history)
    kinds = [item.get("type") if isinstance(item, Mapping) else None for item in items]
    if not any(kind in _CALLS for kind in kinds) and not any(kind in _OUTPUTS for kind in kinds):
        return  # the usual conversation: messages only
    made: set[Any] = set()
    unanswered: dict[Any, None] = {}  # function calls waiting for their output, in order
    for item, kind in zip(items, kinds, strict=True):
        if kind in _CALLS:
            made.add(item.get("call_id"))
            if kind == "function_call":
                unanswered[item.get("call_id")] = None
        elif kind in _OUTPUTS:
            call_id = item.get("call_id")
            if call_id not in made:
                raise APIError(
                    400, f"No tool call found for function call output with call_id {call_id}.", param="input"
                )
            unanswered.pop(call_id, None)
    if unanswered:
        raise APIError(400, f"No tool output found for function call {next(iter(unanswered))}.", param="input")


@record
class Answer:
    """A reply about to be written as a Response, and the Response the journal shows for it."""

    reply: PlannedReply | ErrorReply | RawReply
    body: Mapping[str, Any]
    settled: Settled | None

    def write(self, request: web.Request, req_id: str) -> Awaitable[web.StreamResponse]:
        return write_response(request, self.reply, self.body, req_id, self.settled)

    def description(self) -> Callable[[ReplyPlan], dict[str, Any]]:
        """How the journal shows this Response: from its plan alone.  The request's body, the
        rendered bytes and a stream's events are not kept for it (a journal of 1,000 entries
        would otherwise hold 1,000 bodies of megabytes, outside its byte budget)."""
        if self.settled is None:
            return _no_description
        planned = self.settled.planned
        return _Description(planned.rendered_from, planned.group)


class _Description:
    """A Response as the journal shows it, from its plan and group alone (a class, not a closure:
    a closure costs a distinct Response about 1 % more instructions, callgrind)."""

    __slots__ = ("group", "rendered_from")

    def __init__(self, rendered_from: ResponsePlan, group: str) -> None:
        self.rendered_from, self.group = rendered_from, group

    def __call__(self, plan: ReplyPlan) -> dict[str, Any]:
        return response_dict(own_plan(self.rendered_from, self.group))

    def excerpt(self) -> tuple[_Description, int]:
        """This description, of the Response's excerpt (for a large request or answer)."""
        kept, held = response_excerpt(self.rendered_from)
        return _Description(kept, self.group), held


def _no_description(plan: ReplyPlan) -> dict[str, Any]:
    return {}


def prepare(
    reply: PlannedReply | ErrorReply | RawReply,
    body: Mapping[str, Any],
    store: ResponseStore,
    memos: ResponseMemos,
    seq: int,
    tokens_per_chunk: int,
    conversations: ConversationStore,
) -> Answer:
    """``reply`` to the request ``body`` (number ``seq``), about to be written as a Response (a
    planned one already made and kept, and added to its ``conversation``)."""
    if isinstance(reply, RawReply):
        keep_recorded(store, reply, body)
    if not isinstance(reply, PlannedReply):
        return Answer(reply, body, None)
    settled = settle(reply, body, store, memos, seq, tokens_per_chunk)
    conversation = conversation_id_of(body.get("conversation"))
    # Its input and its output, added together (as the real API does), and only for a Response the
    # client is given whole: a scripted fault (a reset connection, an empty body, a stream that
    # fails or is cut) is a turn that did not happen, so a retried request is not its second turn.
    if conversation is not None and reply.delivery.fault is None:
        planned = settled.planned
        made = [item_dict(item) for item in planned.plan().output]
        conversations.add_turn(conversation, list(input_items(body.get("input"), planned.id)), made)
    return Answer(reply, body, settled)


class _ResponsesAPIError(APIError):
    """An error as /v1/responses lays it out: 2-space indent, no trailing newline, ``content-type:
    application/json`` even for a 401, nothing escaped Go's way (``>=`` stays ``>=``: [R:34]'s
    content-length), and its own headers (api_behaviour §6b, :func:`mockai.http.headers.error_headers`)."""

    def body_bytes(self) -> bytes:
        return error_body_bytes(self.message, self.type, self.param, self.code, go_escaped=False)

    def content_type(self) -> str:
        return "application/json"

    def header_set(self) -> str:
        return "responses"


def reword(error: APIError, body: dict[str, Any] | None) -> APIError:
    """``error`` as this endpoint words and lays it out: a 400 or 401 in the Responses layout and
    headers (a 401 with ``www-authenticate`` [R:35]); an error the chat view of ``body`` raised at
    the Responses parameter it is about.  Other statuses (a scenario's 429 or 500) as chat's."""
    if body is not None:
        error = as_responses_error(error, body)
    if error.status not in (400, 401) or isinstance(error, _ResponsesAPIError):
        return error
    headers = error.headers
    if error.status == 401:
        headers = {**headers, "www-authenticate": 'Bearer realm="OpenAI API"'}
    return _ResponsesAPIError(
        error.status,
        error.message,
        type=error.type,
        param=error.param,
        code=error.code,
        headers=headers,
        auth_layer=error.status == 401,
    )
