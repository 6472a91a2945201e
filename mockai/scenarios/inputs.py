"""A rule's answer to an embeddings or moderations request: for the inputs its conditions fit.

A rule matches such a request when some input fits its ``input_*`` conditions (or it has none);
its ``embedding`` or ``moderation`` reply is then for the inputs that fit (every input when it has
no ``input_*`` condition), while the others keep their seeded answers.  An ``error`` reply, a
``delay`` and a ``fault`` are for the whole request, as on chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockai.core.plan import Delivery, ErrorReply
from mockai.scenarios.faults import api_error, stream_error
from mockai.scenarios.matching import text_fits
from mockai.scenarios.replies import reply_delivery
from mockai.scenarios.request_view import RequestView
from mockai.scenarios.rules import ReplySpec, Rule

__all__ = ["InputsReply", "build_inputs_reply"]


@dataclass(frozen=True)
class InputsReply:
    """``spec`` answers the inputs at ``inputs`` (indexes, in order), delivered as ``delivery``."""

    rule: Rule
    spec: ReplySpec
    inputs: tuple[int, ...]
    delivery: Delivery
    source: str


def build_inputs_reply(rule: Rule, spec: ReplySpec, view: RequestView, api_key: str) -> InputsReply | ErrorReply:
    source = f"scenario:{rule.label}"
    delivery = reply_delivery(spec, False)
    if spec.error is not None:
        return ErrorReply(api_error(spec.error, view.model, api_key), delivery, source)
    if delivery.fault is not None and delivery.fault.kind == "error_event":  # a JSON answer: the error itself
        return ErrorReply(delivery.fault.error or stream_error(None), Delivery(first_byte_delay=spec.delay), source)
    if rule.match.input.is_empty():
        inputs = tuple(range(len(view.inputs)))
    else:
        fits = text_fits(rule.match.input)
        inputs = tuple(i for i, text in enumerate(view.inputs) if fits(text))
    return InputsReply(rule, spec, inputs, delivery, source)
