"""What a Response echoes of its request, as the real API echoes it (api_behaviour §3a).

Defaults where the request is silent (``temperature: 1.0``, ``truncation: "disabled"``,
``store: true``, …); floats with a decimal point; ``text.format`` and tools with ``type`` first
and the rest in alphabetical order; a ``json_schema`` format gains ``"description": null``; a
function tool gains ``"strict": true`` when the request left it out [R:12]; a reasoning model
reports its effort (the request's, else the model's default) in the 2026-08 shape; ``top_p`` is the
model's default (0.98 from gpt-5.2 on); the penalties are the request's (0.0 when silent); the
``fast`` tier is echoed as ``priority``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockai.core.model_capabilities import Capabilities, capabilities

__all__ = ["UNECHOED", "conversation_id_of", "request_echo", "type_first", "with_image_detail"]

# The request's parameters :func:`request_echo` does not read: requests that differ only in them
# have the same echo (:func:`mockai.responses.planner.response_plan` shares it among them).
UNECHOED = ("input", "stream", "stream_options", "include")


def request_echo(body: Mapping[str, Any], service_tier: str) -> dict[str, Any]:
    """The Response's echo of ``body`` (the keys besides id, status, output, usage and times)."""
    get = body.get
    model = str(get("model", ""))
    caps = capabilities(model)
    reasoning = _mapping(get("reasoning"))
    effort = reasoning.get("effort") or (caps.default_effort or "medium") if caps.reasoning else None
    text = _mapping(get("text"))
    metadata = get("metadata")
    return {
        "background": bool(get("background")),
        "frequency_penalty": _float(get("frequency_penalty"), 0.0),
        "instructions": get("instructions"),
        "max_output_tokens": get("max_output_tokens"),
        "max_tool_calls": get("max_tool_calls"),
        "parallel_tool_calls": get("parallel_tool_calls") is not False,
        "presence_penalty": _float(get("presence_penalty"), 0.0),
        "previous_response_id": get("previous_response_id"),
        "conversation": _conversation(get("conversation")),
        "prompt": _prompt(_mapping(get("prompt"))) if get("prompt") else None,
        "prompt_cache_key": get("prompt_cache_key"),
        "prompt_cache_options": _cache_options(get("prompt_cache_options")),
        "prompt_cache_retention": get("prompt_cache_retention") or caps.prompt_cache_retentions[0],
        "reasoning": _reasoning(caps, effort, reasoning),
        "safety_identifier": get("safety_identifier"),
        "service_tier": _tier(get("service_tier")) or service_tier,
        "store": get("store") is not False,
        "temperature": _float(get("temperature"), 1.0),
        "text": {"format": _format(text.get("format")), "verbosity": text.get("verbosity") or "medium"},
        "tool_choice": _tool_choice(get("tool_choice")),
        "tools": [_tool(tool) for tool in get("tools") or () if isinstance(tool, Mapping)],
        "top_logprobs": get("top_logprobs") or 0,
        "top_p": _float(get("top_p"), caps.default_top_p),
        "truncation": get("truncation") or "disabled",
        "user": get("user"),
        "metadata": dict(metadata) if isinstance(metadata, Mapping) else {},
    }


# A tier asked for under another name: ``fast`` is answered (and echoed) as ``priority`` (the
# accepted half of a 2026 public probe list of the live API).
_TIERS = {"fast": "priority"}


def _tier(asked: Any) -> Any:
    return _TIERS.get(asked, asked) if isinstance(asked, str) else asked


def _cache_options(asked: Any) -> dict[str, Any] | None:
    """The prompt-caching options applied, as the openai SDK 3.57+ types them on a Response (mode,
    ttl and the comparison id, their defaults ``implicit`` and ``30m``): only when the request
    gives some (the SDK: "Supported for gpt-5.6 and later models"; no recording shows them)."""
    if not isinstance(asked, Mapping):
        return None
    return {
        "comparison_response_id": asked.get("comparison_response_id"),
        "mode": asked.get("mode") or "implicit",
        "ttl": asked.get("ttl") or "30m",
    }


def _reasoning(caps: Capabilities, effort: Any, asked: Mapping[str, Any]) -> dict[str, Any]:
    """A reasoning model's reasoning settings as 2026-08 echoes them (gpt-5-nano [R:04], gpt-5.2
    [R:23]: a context and a mode around the effort, the request's or the model's defaults: the
    effective ones, as the SDK types say); another model's effort is null [R:01]."""
    summary = asked.get("summary")
    if caps.reasoning:
        context = asked.get("context")
        if context in (None, "auto"):  # (the effective one is echoed, not "auto")
            context = caps.reasoning_context
        return {"context": context, "effort": effort, "mode": asked.get("mode") or "standard", "summary": summary}
    return {"effort": effort, "summary": summary}


def _prompt(prompt: Mapping[str, Any]) -> dict[str, Any]:
    """``prompt`` as echoed: an image variable with its ``detail`` (``auto`` when not sent, as an
    input image is listed: the SDK's ``ResponseInputImage`` requires it)."""
    variables = prompt.get("variables")
    if isinstance(variables, Mapping) and any(_undetailed_image(v) for v in variables.values()):
        prompt = {**prompt, "variables": {k: with_image_detail(v) for k, v in variables.items()}}
    return type_first(prompt)


def with_image_detail(part: Any) -> Any:
    """``part``, an ``input_image`` given its ``detail`` (``auto``, its default, when not sent: the
    SDK's listed ``ResponseInputImage`` requires it); any other value as it is."""
    return {**part, "detail": "auto"} if _undetailed_image(part) else part


def _undetailed_image(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("type") == "input_image" and value.get("detail") is None


def type_first(value: Mapping[str, Any]) -> dict[str, Any]:
    """``type``, then every other key in alphabetical order (the real API's order since 2025-H2)."""
    out: dict[str, Any] = {"type": value["type"]} if "type" in value else {}
    for key in sorted(k for k in value if k != "type"):
        out[key] = value[key]
    return out


def _conversation(value: Any) -> dict[str, Any] | None:
    named = conversation_id_of(value)
    return None if named is None else {"id": named}


def conversation_id_of(value: Any) -> str | None:
    """The id a request's ``conversation`` names (a string, or ``{"id": ...}``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        named: str = value["id"]
        return named
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _float(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _format(fmt: Any) -> dict[str, Any]:
    if not isinstance(fmt, Mapping) or fmt.get("type") not in ("json_schema", "json_object"):
        return {"type": "text"}
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    echoed = {"description": None, "strict": False, **fmt}
    return type_first(echoed)


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    kind = tool.get("type")
    if kind == "function":
        return type_first({"description": None, "parameters": None, **tool, "strict": tool.get("strict") is not False})
    if kind == "web_search":  # the settings it searches with [R:23]
        location = tool.get("user_location")
        where = {**_LOCATION, **location} if isinstance(location, Mapping) else _LOCATION
        return type_first({**_WEB_SEARCH, **tool, "user_location": type_first(where)})
    if kind == "file_search":  # [R:25]
        ranking = tool.get("ranking_options")
        ranked = {**_RANKING, **ranking} if isinstance(ranking, Mapping) else _RANKING
        return type_first({"filters": None, **tool, "ranking_options": ranked})
    return type_first(tool)


# What a built-in tool's echo says of the settings the request left out [R:23], [R:25].
_WEB_SEARCH = {"return_token_budget": "default", "search_content_types": ["text"], "search_context_size": "medium"}
_LOCATION = {"type": "approximate", "city": None, "country": "US", "region": None, "timezone": None}
_RANKING = {"ranker": "auto", "score_threshold": 0.0}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping):
        return type_first(choice)
    return choice if isinstance(choice, str) else "auto"
