"""The usage of a plan, with Predicted Outputs accounted as the real API bills them.

``prediction: {"type": "content", "content": <text or text parts>}`` (models with
``predicted_outputs`` in the capability table; validation refuses it elsewhere).  The API reference
defines ``accepted_prediction_tokens`` as "the number of tokens in the prediction that appeared in
the completion" and ``rejected_prediction_tokens`` as those that did not, adding "like reasoning
tokens, these tokens are still counted in the total completion tokens for purposes of billing".
mockai counts as accepted the prediction tokens matched in order by the answer's tokens (the
matching blocks of :class:`difflib.SequenceMatcher`, a deterministic common subsequence), per
choice; the rest are rejected and added to ``completion_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from mockai.chat.audio_output import input_audio_tokens
from mockai.core.model_capabilities import capabilities
from mockai.core.plan import ChoicePlan, Usage
from mockai.generate.tokenizer import tokenize

__all__ = ["accepted_tokens", "planned_usage", "prediction_text"]


def prediction_text(body: Mapping[str, Any]) -> str | None:
    """The predicted text (text parts joined), or ``None`` without a content prediction."""
    prediction = body.get("prediction")
    if not isinstance(prediction, Mapping) or prediction.get("type") != "content":
        return None
    content = prediction.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    return None


def accepted_tokens(predicted: Sequence[str], answer: Sequence[str]) -> int:
    """How many of ``predicted`` the ``answer`` reproduces, in order."""
    if not predicted or not answer:
        return 0
    matcher = SequenceMatcher(None, list(predicted), list(answer), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _prediction_counts(body: Mapping[str, Any], choices: Sequence[ChoicePlan]) -> tuple[int, int]:
    text = prediction_text(body)
    if not text:
        return 0, 0
    predicted = tokenize(text)
    accepted = rejected = 0
    for choice in choices:
        hit = accepted_tokens(predicted, choice.content_tokens or ())
        accepted += hit
        rejected += len(predicted) - hit
    return accepted, rejected


def planned_usage(
    body: Mapping[str, Any],
    choices: Sequence[ChoicePlan],
    *,
    prompt_tokens: int,
    reasoning: int,
    cached: int,
    override: Mapping[str, int] | None = None,
) -> Usage:
    """``usage`` of ``choices``: what they emit (spoken answers' audio tokens included), plus
    ``reasoning``, plus rejected prediction tokens; ``input_audio`` parts as prompt audio tokens.
    A scenario's ``override`` replaces the counts it names."""
    accepted, rejected = _prediction_counts(body, choices)
    completion = sum(c.emitted_tokens() for c in choices) + reasoning + rejected
    audio = sum(c.audio.audio_tokens for c in choices if c.audio is not None)
    prompt_audio = input_audio_tokens(body.get("messages"))
    text_details = capabilities(str(body.get("model", ""))).audio_output
    if override:
        prompt = override.get("prompt_tokens", prompt_tokens)
        return Usage(
            prompt,
            override.get("completion_tokens", completion),
            cached_tokens=override.get("cached_tokens", min(cached, prompt)),
            reasoning_tokens=override.get("reasoning_tokens", reasoning),
            accepted_prediction_tokens=accepted,
            rejected_prediction_tokens=rejected,
            audio_tokens=override.get("audio_tokens", audio),
            prompt_audio_tokens=prompt_audio,
            text_details=text_details,
        )
    return Usage(
        prompt_tokens,
        completion,
        cached_tokens=min(cached, prompt_tokens),
        reasoning_tokens=reasoning,
        accepted_prediction_tokens=accepted,
        rejected_prediction_tokens=rejected,
        audio_tokens=audio,
        prompt_audio_tokens=prompt_audio,
        text_details=text_details,
    )
