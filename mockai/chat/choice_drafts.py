"""What a choice says before it is planned: the planner's input, from the seeds or from a scenario.

A :class:`ChoiceDraft` is the *what to say* decision (content, refusal, tool calls); the planner
turns drafts into :class:`~mockai.core.plan.ChoicePlan` objects (tokens, ``stop``, ``max_tokens``,
logprobs, ids).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Literal

from mockai.core.records import record

__all__ = ["ChoiceDraft", "ToolCallDraft"]


@record
class ToolCallDraft:
    name: str
    arguments: str  # JSON text for function tools, free text for custom tools
    kind: Literal["function", "custom"] = "function"
    id: str | None = None


@record
class ChoiceDraft:
    """What one choice says, before tokens, truncation and logprobs."""

    content: str | None = None
    refusal: str | None = None
    tool_calls: tuple[ToolCallDraft, ...] = ()
    function_call: ToolCallDraft | None = None
    finish_reason: str | None = None  # None: derived (stop / tool_calls / function_call / length)
    extra: dict[str, Any] = field(default_factory=dict)
    # ``content``'s tokens when they came with it (seeded text is drawn as tokens); None: tokenized
    content_tokens: tuple[str, ...] | None = None
