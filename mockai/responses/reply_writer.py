"""Writing a ``POST /v1/responses`` reply: the plan as a Response (JSON) or its event stream, with
the deliberate faults of a delivery, and kept in the response store unless ``store`` is false (a
background response is kept regardless).

The chat plan (seeded or scripted) becomes one :class:`~mockai.responses.planner.ResponsePlan`;
the JSON body and the stream are two views of it, and what is stored is the JSON body's bytes
(``GET`` returns them) plus, for a stream, its events.  An id the store already holds (the same
request asked again) moves the response to a fresh id group, as the real API never gives an id
twice.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from mockai.core.errors import APIError
from mockai.core.json_budget import json_cost
from mockai.core.json_text import indented_bytes
from mockai.core.memo import Memo
from mockai.core.plan import Delivery, ErrorReply, PlannedReply, RawReply, ReplyPlan
from mockai.core.records import record
from mockai.http.headers import success_headers
from mockai.http.reply_writing import before_first_byte, faulted_body, write_error, write_events, write_raw
from mockai.responses.planner import Echoes, ResponsePlan, response_plan, with_group
from mockai.responses.render_json import FAILED, QUEUED, Layouts, render_response, response_dict
from mockai.responses.render_sse import error_events, rendered_events
from mockai.responses.store.records import ResponseStore, StoredResponse

__all__ = [
    "PlannedResponse",
    "ResponseMemos",
    "Settled",
    "keep_recorded",
    "own_plan",
    "planned_response",
    "settle",
    "write_response",
]


@record
class PlannedResponse:
    """A Response about to be written: its JSON body (what GET returns too) and the plan it was
    rendered from, whose ids are moved to ``group`` when that is given (a repeated stored request)."""

    rendered_from: ResponsePlan
    payload: bytes
    group: str = ""
    # Whether the rendered bytes of ``rendered_from`` become this Response's by moving every
    # occurrence of its group: not when other text holds the group too (the echoed
    # ``previous_response_id`` of a continuation, which shares its parent's group; user text).
    movable: bool = True

    @property
    def id(self) -> str:
        plan = self.rendered_from
        return f"resp_{self.group}{plan.id[5 + len(plan.group) :]}" if self.group else plan.id

    def plan(self) -> ResponsePlan:
        """The plan with this response's own ids (made when asked: the hot path needs only ``id``)."""
        return own_plan(self.rendered_from, self.group)


def own_plan(rendered_from: ResponsePlan, group: str) -> ResponsePlan:
    """``rendered_from`` with its ids in ``group`` (``""``: as it is)."""
    return with_group(rendered_from, group) if group else rendered_from


class _Rendered:
    """A memoised Response, by the chat plan it comes from; and, once a repeated stored request
    moved it to another group, its body cut at each occurrence of its group (moving it again
    joins them: 0.15 us where bytes.replace takes 0.6 for 2 KB)."""

    __slots__ = ("movable", "pieces", "plan", "planned")

    def __init__(self, plan: ReplyPlan, planned: PlannedResponse) -> None:
        self.plan, self.planned = plan, planned
        self.pieces: list[bytes] | None = None
        self.movable = True


def _plan_size(key: int, hit: _Rendered) -> int:
    return 3 * len(hit.planned.payload) + 1024


def _events_size(key: tuple[int, int, bool], hit: tuple[ReplyPlan, tuple[bytes, ...], bytes]) -> int:
    return 512 + sum(len(event) + 40 for event in hit[1]) + len(hit[2])


def _echo_size(key: tuple[str, bytes], echo: dict[str, Any]) -> int:
    return 2 * len(key[1]) + json_cost(echo)


def _layout_size(key: int, hit: tuple[dict[str, Any], dict[str, Any], bool]) -> int:
    return json_cost(hit[1])


class ResponseMemos:
    """One server's memos of the Responses it just rendered, by the chat plan they come from
    (memoised seeded plans come back as the same object: a load test repeating a request pays
    once; see :mod:`mockai.chat.rendered`), and of what requests alike but for their input share
    (their echo, and the body it lays out): a load test sending every input different pays those
    once."""

    def __init__(self) -> None:
        # second_sight: a plan is kept when it comes back (a request never repeated costs no entry)
        self.plans: Memo[int, _Rendered] = Memo(256, 8 << 20, _plan_size, second_sight=True)
        # A stream's events, and their text as one (what an unpaced, unbroken stream sends at once).
        self.events: Memo[tuple[int, int, bool], tuple[ReplyPlan, tuple[bytes, ...], bytes]] = Memo(
            128, 8 << 20, _events_size
        )
        self.echoes: Echoes = Memo(64, 4 << 20, _echo_size, second_sight=True)
        self.layouts: Layouts = Memo(64, 4 << 20, _layout_size, second_sight=True)
        # The ids of Responses being settled (chosen, not yet stored): a Response heavy with
        # logprobs is settled in a worker thread, and two settled at once would otherwise both
        # find one id free.  The lock is held only to check and claim an id, never while a
        # Response is rendered: the event loop claims ids too, and must not wait for a render.
        self._claiming = threading.Lock()
        self._claimed: set[str] = set()

    def claim(self, store: ResponseStore, response_id: str) -> bool:
        """Whether ``response_id`` is free (neither stored nor claimed); claimed if it is."""
        if store.get(response_id) is not None:  # (the usual taken id: no lock needed to say so)
            return False
        with self._claiming:
            if response_id in self._claimed or store.get(response_id) is not None:
                return False
            self._claimed.add(response_id)
            return True

    def release(self, response_id: str) -> None:
        """``response_id`` no longer claimed (its Response is stored, or failed to be).  No lock:
        a set's discard is atomic, and a claim checking meanwhile finds the id stored."""
        self._claimed.discard(response_id)


def planned_response(
    reply: PlannedReply, body: Mapping[str, Any], store: ResponseStore, memos: ResponseMemos, seq: int
) -> PlannedResponse:
    """The Response of ``reply`` for ``body``, with an id the store does not hold yet (request
    number ``seq`` picks a fresh group for a repeat).  Its JSON body (``payload``) is rendered
    unless ``body`` is a stream that is not kept, which needs none: then it is ``b""``."""
    needed = not body.get("stream") or _kept(body)
    hit = memos.plans.get(id(reply.plan))
    if hit is not None and hit.plan is reply.plan:
        planned = hit.planned
        if needed and not planned.payload:  # (memoised for a stream that needed no body)
            planned = hit.planned = replace(
                planned, payload=render_response(planned.rendered_from, layouts=memos.layouts)
            )
            memos.plans.put(id(reply.plan), hit)  # (its size again)
    else:
        plan = response_plan(reply.plan, body, memos.echoes)
        planned = PlannedResponse(plan, render_response(plan, layouts=memos.layouts) if needed else b"")
        hit = _Rendered(reply.plan, planned)
        memos.plans.put(id(reply.plan), hit)
    rendered_from = planned.rendered_from  # (planned.id is its id: a memoised Response has no group of its own)
    if not _kept(body) or memos.claim(store, rendered_from.id):
        return planned
    old, tail, attempt = rendered_from.group, rendered_from.id[5 + len(rendered_from.group) :], seq
    while True:
        group = hashlib.blake2b(f"{old}/{attempt}".encode(), digest_size=8).hexdigest()
        if memos.claim(store, f"resp_{group}{tail}"):
            pieces = hit.pieces
            if pieces is None:
                pieces = hit.pieces = planned.payload.split(old.encode())
                hit.movable = len(pieces) - 1 == _own_ids(rendered_from, old)
            if not hit.movable:  # the group is in other text too: rendered again with the new ids
                return PlannedResponse(rendered_from, render_response(with_group(rendered_from, group)), group, False)
            return PlannedResponse(rendered_from, group.encode().join(pieces), group)
        attempt += 1


def _own_ids(plan: ResponsePlan, group: str) -> int:
    """How many times ``plan``'s own ids write its group in its body: counted on the body of the
    plan moved to a group no other text holds."""
    probe = hashlib.blake2b(group.encode(), digest_size=8, person=b"mockai-probe").hexdigest()
    return render_response(with_group(plan, probe)).count(probe.encode())


def _moved(rendered: bytes, old: str, new: str) -> bytes:
    """Rendered bytes with every id moved from group ``old`` to ``new`` (16 hex: no other text
    of a Response holds them)."""
    return rendered.replace(old.encode(), new.encode())


@record
class Settled:
    """A planned reply made into its Response, and kept (before anything is written, so a request
    arriving meanwhile never gets the same id): the body, and the events when it is streamed."""

    planned: PlannedResponse
    events: tuple[bytes, ...] = ()
    whole: bytes = b""  # the events as one
    # Where it was kept, and the request, when it was: a stream that fails is kept failed.
    store: ResponseStore | None = None
    body: Mapping[str, Any] | None = None

    def failed(self, error: APIError, sequence_number: int) -> bytes:
        """The events that end the stream with ``error`` after ``sequence_number`` events; the
        Response is kept as it ended: failed, with the events sent [R:29]."""
        plan = self.planned.plan()
        tail = error_events(plan, error, sequence_number)
        if self.store is not None and self.body is not None:
            sent = (*self.events[:sequence_number], *(c + b"\n\n" for c in tail.split(b"\n\n") if c.strip()))
            payload = indented_bytes(response_dict(plan, FAILED, error=error))[:-1]
            _add(self.store, self.planned.id, plan.created_at, self.body, payload, sent)
        return tail


def settle(
    reply: PlannedReply,
    body: Mapping[str, Any],
    store: ResponseStore,
    memos: ResponseMemos,
    seq: int,
    tokens_per_chunk: int,
) -> Settled:
    planned = planned_response(reply, body, store, memos, seq)  # (its id claimed, when it is kept)
    kept = _kept(body)
    events: tuple[bytes, ...] = ()
    whole = b""
    try:
        if body.get("stream"):
            delivery = reply.delivery
            size = delivery.tokens_per_chunk if delivery.tokens_per_chunk > 1 else tokens_per_chunk
            # A background stream has no obfuscation, nor its replay ([R:28], 2026-02, both of its
            # streams; foreground ones of the time have it on every delta).
            asked = (body.get("stream_options") or {}).get("include_obfuscation") is not False
            obfuscate = asked and body.get("background") is not True
            events, whole = _events(reply, planned, size, obfuscate, memos)
        _keep(store, planned, body, planned.payload, events, kept)
    finally:
        if kept:
            memos.release(planned.id)
    if kept and body.get("stream"):
        return Settled(planned, events, whole, store, body)
    return Settled(planned, events, whole)


async def write_response(
    request: web.Request,
    reply: PlannedReply | ErrorReply | RawReply,
    body: Mapping[str, Any],
    req_id: str,
    settled: Settled | None,
) -> web.StreamResponse:
    """Write ``reply``; ``settled``: its Response (:func:`settle`), for a planned reply."""
    delivery = reply.delivery
    if delivery.first_byte_delay > 0 or delivery.fault is not None:
        await before_first_byte(request, delivery)
    if isinstance(reply, ErrorReply):
        return write_error(reply, req_id)
    if isinstance(reply, RawReply):
        return await write_raw(request, reply)
    assert settled is not None, "a planned reply is written with its Response"
    planned = settled.planned
    if body.get("stream"):
        return await _deliver_stream(request, planned, settled, delivery, req_id)
    payload = planned.payload
    if body.get("background"):  # answered at once, queued; what is stored is the finished response
        payload = render_response(planned.plan(), QUEUED)
    usage = planned.rendered_from.usage
    headers = success_headers(req_id, 7 + usage.completion_tokens % 200, usage.total_tokens, responses=True)
    headers.update(delivery.headers)
    return web.Response(status=200, body=faulted_body(payload, delivery.fault), headers=headers)


def _events(
    reply: PlannedReply, planned: PlannedResponse, size: int, obfuscate: bool, memos: ResponseMemos
) -> tuple[tuple[bytes, ...], bytes]:
    """The stream's events, and their text as one."""
    key = (id(reply.plan), size, obfuscate)
    hit = memos.events.get(key)
    if hit is not None and hit[0] is reply.plan:
        events, whole = hit[1], hit[2]
    else:
        events = rendered_events(planned.rendered_from, tokens_per_chunk=size, obfuscate=obfuscate)
        whole = b"".join(events)
        memos.events.put(key, (reply.plan, events, whole))
    if planned.group and not planned.movable:
        events = rendered_events(planned.plan(), tokens_per_chunk=size, obfuscate=obfuscate)
        return events, b"".join(events)
    if planned.group:
        old, new = planned.rendered_from.group, planned.group
        return tuple(_moved(event, old, new) for event in events), _moved(whole, old, new)
    return events, whole


_RATE_LIMIT_HEADERS = tuple(
    f"x-ratelimit-{what}-{of}" for what in ("limit", "remaining", "reset") for of in ("requests", "tokens")
)


def _stream_headers() -> CIMultiDict[str]:
    """A stream's headers: a chat stream's less the rate limits, sent with JSON answers only
    (api_behaviour §8: 5 streams of 213); a request fills in its processing time and id."""
    headers = success_headers("", 0, 0, stream=True, responses=True)
    for name in _RATE_LIMIT_HEADERS:
        headers.popall(name, None)
    return headers


_STREAM_HEADERS = _stream_headers()


def _kept(body: Mapping[str, Any]) -> bool:
    """Whether the response to ``body`` is stored: unless ``store`` is false, and a background
    response always (the real API retrieves one created with ``store: false``, [R:28])."""
    return body.get("store") is not False or body.get("background") is True


def _keep(
    store: ResponseStore,
    planned: PlannedResponse,
    body: Mapping[str, Any],
    payload: bytes,
    events: tuple[bytes, ...],
    kept: bool,
) -> None:
    if kept:
        _add(store, planned.id, planned.rendered_from.created_at, body, payload, events)


def keep_recorded(store: ResponseStore, reply: RawReply, body: Mapping[str, Any]) -> None:
    """A recorded (cassette) Response to a stored request is kept as it was recorded, so
    ``retrieve`` and ``previous_response_id`` find it as they would on the real API: a JSON body as
    it is, a stream as the Response its last event (``response.completed``, ``.incomplete`` or
    ``.failed``) carries, laid out as a non-stream body (with its events, to replay a background one)."""
    if not _kept(body) or reply.status != 200:
        return
    events: tuple[bytes, ...] = ()
    if reply.events is None:
        recorded, payload = _json_object(reply.body), reply.body
    else:
        text = b"".join(event for _, event in reply.events)
        events = tuple(chunk + b"\n\n" for chunk in text.split(b"\n\n") if chunk.strip())
        recorded = _final_response(events)
        payload = indented_bytes(recorded)[:-1] if recorded is not None else b""
    if recorded is not None and recorded.get("object") == "response" and isinstance(recorded.get("id"), str):
        created_at = recorded.get("created_at")
        _add(store, recorded["id"], created_at if isinstance(created_at, int) else 0, body, payload, events)


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _final_response(events: tuple[bytes, ...]) -> dict[str, Any] | None:
    """The Response of a stream's terminal event (its last ``data:`` line with one), if any."""
    for event in reversed(events):
        for line in event.split(b"\n"):
            if line.startswith(b"data: ") and b'"response.' in line:
                payload = _json_object(line[6:])
                if payload is not None and payload.get("type") in _FINAL and isinstance(payload.get("response"), dict):
                    return dict(payload["response"])
    return None


_FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _add(
    store: ResponseStore,
    response_id: str,
    created_at: int,
    body: Mapping[str, Any],
    payload: bytes,
    events: tuple[bytes, ...],
) -> None:
    previous = body.get("previous_response_id")
    previous = previous if isinstance(previous, str) else None
    background = bool(body.get("background"))
    # (positional: 0.8 us where keywords take 1.0)
    store.add(StoredResponse(response_id, created_at, payload, body.get("input"), events, previous, background))


async def _deliver_stream(
    request: web.Request, planned: PlannedResponse, settled: Settled, delivery: Delivery, req_id: str
) -> web.StreamResponse:
    events = settled.events
    headers = _STREAM_HEADERS.copy()  # (0.16 us; success_headers less the six: 0.8 us)
    headers["openai-processing-ms"] = str(7 + len(events) % 200)
    headers["x-request-id"] = req_id
    headers.update(delivery.headers)
    # Unpaced and unbroken, write_events sends the events joined: given joined already (0.8 us a
    # request for 54 events of the same request's stream, kept with them), its join is free.
    at_once = delivery.fault is None and delivery.chunk_delay <= 0 and not delivery.chunk_delays
    return await write_events(
        request,
        headers,
        (settled.whole,) if at_once else events,
        delivery,
        tail=b"",
        failure=settled.failed,
    )
