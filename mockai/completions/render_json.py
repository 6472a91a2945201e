"""A completion plan as the ``text_completion`` object, laid out as the API writes it.

Recorded answers of ``POST /v1/completions`` (DataDog/dd-trace-py cassettes v1/completion.yaml,
2023-10; traceloop/openllmetry test_completions/test_batch_completion.yaml, 2025-03) are indented
by 2 with a trailing newline, non-ASCII written as UTF-8, keys in this order: ``id``, ``object``,
``created``, ``model``, ``choices`` (``text``, ``index``, ``logprobs``, ``finish_reason``),
``usage`` (``prompt_tokens``, ``completion_tokens``, ``total_tokens``); no ``system_fingerprint``.
"""

from __future__ import annotations

from typing import Any

from mockai.completions.planner import ChoicePlan, CompletionPlan
from mockai.core.json_text import indented_bytes

__all__ = ["completion_bytes", "completion_dict", "usage_dict"]


def usage_dict(plan: CompletionPlan) -> dict[str, int]:
    completion = plan.completion_tokens
    return {
        "prompt_tokens": plan.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": plan.prompt_tokens + completion,
    }


def _choice(choice: ChoicePlan) -> dict[str, Any]:
    return {
        "text": choice.text,
        "index": choice.index,
        "logprobs": None if choice.logprobs is None else choice.logprobs.to_dict(),
        "finish_reason": choice.finish_reason,
    }


def completion_dict(plan: CompletionPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "object": "text_completion",
        "created": plan.created,
        "model": plan.model,
        "choices": [_choice(choice) for choice in plan.choices],
        "usage": usage_dict(plan),
    }


def completion_bytes(plan: CompletionPlan) -> bytes:
    return indented_bytes(completion_dict(plan))
