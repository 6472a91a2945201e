"""A Responses request as the equivalent Chat Completions request: what every reply source reads.

Scenario rules, the cassette's matching, the chat planner (one seeded story for both surfaces),
the journal's readers and the pytest plugin all understand chat requests; a Responses request is
shown to them as the chat request that asks the same thing:

* ``instructions`` → a ``system`` message first; ``input`` (a string, or items) → messages:
  a message item keeps its role, its parts become chat parts; ``function_call`` (and
  ``custom_tool_call``) items become the ``tool_calls`` of one assistant message (joined to the
  assistant text just before them); ``function_call_output`` items become ``tool`` messages;
  ``reasoning`` and built-in tool calls say nothing a chat request can carry (item references
  are read as the stored items they name before this view is made:
  :func:`mockai.responses.store.history.resolve_references`);
* ``tools`` (function and custom ones) → chat tools; ``tool_choice`` → the chat form;
* ``text.format`` → ``response_format``, ``text.verbosity`` → ``verbosity``,
  ``reasoning.effort`` → ``reasoning_effort``, ``max_output_tokens`` → ``max_completion_tokens``,
  ``include: ["message.output_text.logprobs"]`` (and ``top_logprobs``) → ``logprobs`` (and
  ``top_logprobs``); sampling and caching parameters keep their names.

Pure and lenient (a value of the wrong shape is left out), so it also reads bodies that were
never validated (the journal keeps those too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockai.core.model_capabilities import capabilities

__all__ = ["chat_tools", "chat_view", "input_messages"]

_KEPT: tuple[str, ...] = ("temperature", "top_p", "parallel_tool_calls", "service_tier", "prompt_cache_key")
_KEPT += ("safety_identifier", "prompt_cache_retention", "stream", "user")


def chat_view(body: Mapping[str, Any], history: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The chat request equivalent to ``body``; ``history``: the items of the conversation it
    continues (``previous_response_id``), oldest first."""
    view: dict[str, Any] = {"model": body.get("model")}
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    earlier = list(history)
    if earlier:
        messages += input_messages(earlier)
    messages += input_messages(body.get("input"))
    view["messages"] = messages
    tools = chat_tools(body["tools"]) if body.get("tools") is not None else None
    if tools:
        view["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"))
        if choice is not None:
            view["tool_choice"] = choice
    for name in _KEPT:
        value = body.get(name)
        if value is not None:
            view[name] = value
    text = body.get("text")
    if isinstance(text, Mapping):
        fmt = _response_format(text.get("format"))
        if fmt is not None:
            view["response_format"] = fmt
        if isinstance(text.get("verbosity"), str):
            view["verbosity"] = text["verbosity"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and isinstance(reasoning.get("effort"), str):
        view["reasoning_effort"] = reasoning["effort"]
    include = body.get("include")
    wants_logprobs = isinstance(include, list) and "message.output_text.logprobs" in include
    caps = capabilities(str(body.get("model", "")))
    # (reasoning models give none, but at effort none from gpt-5.1 on: Capabilities.takes_sampling)
    if wants_logprobs and (caps.logprobs or caps.takes_sampling(view.get("reasoning_effort"))):
        view["logprobs"] = True
        if isinstance(body.get("top_logprobs"), int) and body["top_logprobs"] > 0:
            view["top_logprobs"] = body["top_logprobs"]
    if isinstance(body.get("max_output_tokens"), int):
        view["max_completion_tokens"] = body["max_output_tokens"]
    return view


# --- input ------------------------------------------------------------------------------------


def input_messages(items: Any) -> list[dict[str, Any]]:
    """Chat messages for ``input`` (a string, or a list of items)."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list):
        return []
    messages: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message":
            message = _message(item)
            if message is not None:
                messages.append(message)
        elif kind in ("function_call", "custom_tool_call"):
            _add_call(messages, item)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            content = _output_text(item.get("output"))
            messages.append({"role": "tool", "tool_call_id": str(item.get("call_id", "")), "content": content})
    return messages


def _message(item: Mapping[str, Any]) -> dict[str, Any] | None:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        return None
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        return None
    if role == "assistant":
        return _assistant(content)
    parts = [part for part in map(_part, content) if part is not None]
    if role != "user":  # system and developer messages take text parts only
        parts = [part for part in parts if part["type"] == "text"]
    return {"role": role, "content": parts}


def _assistant(content: list[Any]) -> dict[str, Any]:
    texts = [
        p.get("text") for p in content if isinstance(p, Mapping) and p.get("type") in ("output_text", "input_text")
    ]
    refusals = [p.get("refusal") for p in content if isinstance(p, Mapping) and p.get("type") == "refusal"]
    message: dict[str, Any] = {"role": "assistant", "content": "".join(t for t in texts if isinstance(t, str))}
    refusal = "".join(r for r in refusals if isinstance(r, str))
    if refusal and not message["content"]:
        message["content"] = None
        message["refusal"] = refusal
    return message


def _part(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, Mapping):
        return None
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind == "input_image":
        url = part.get("image_url") or f"https://files.openai.invalid/{part.get('file_id') or 'image'}"
        return {"type": "image_url", "image_url": {"url": str(url), "detail": str(part.get("detail") or "auto")}}
    if kind == "input_file":
        file = {k: part[k] for k in ("file_id", "file_data", "filename") if isinstance(part.get(k), str)}
        return {"type": "file", "file": file or {"file_id": str(part.get("file_url", "file"))}}
    if kind == "input_audio" and isinstance(part.get("input_audio"), Mapping):
        return {"type": "input_audio", "input_audio": dict(part["input_audio"])}
    return None


def _add_call(messages: list[dict[str, Any]], item: Mapping[str, Any]) -> None:
    """A call item as a tool call of the assistant message it belongs to (the last one, when
    nothing came after it), else of a new one."""
    if item.get("type") == "custom_tool_call":
        call: dict[str, Any] = {"id": str(item.get("call_id", "")), "type": "custom"}
        call["custom"] = {"name": str(item.get("name", "")), "input": str(item.get("input", ""))}
    else:
        call = {"id": str(item.get("call_id", "")), "type": "function"}
        call["function"] = {"name": str(item.get("name", "")), "arguments": str(item.get("arguments", ""))}
    last = messages[-1] if messages else None
    if last is None or last.get("role") != "assistant":
        last = {"role": "assistant", "content": None}
        messages.append(last)
    last.setdefault("tool_calls", []).append(call)


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        texts = (p.get("text") for p in output if isinstance(p, Mapping))
        return "".join(t for t in texts if isinstance(t, str))
    return ""


# --- tools and formats ------------------------------------------------------------------------


def chat_tools(tools: Any) -> list[dict[str, Any]]:
    """The function and custom tools of a Responses ``tools`` list, as chat tools (built-in
    tools are the API's own: no chat request offers them)."""
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, Mapping):
            continue
        if tool.get("type") == "function":
            function: dict[str, Any] = {"name": tool.get("name")}
            if isinstance(tool.get("description"), str):
                function["description"] = tool["description"]
            function["parameters"] = tool.get("parameters") or {"type": "object", "properties": {}}
            if isinstance(tool.get("strict"), bool):
                function["strict"] = tool["strict"]
            out.append({"type": "function", "function": function})
        elif tool.get("type") == "custom":
            custom = {k: tool[k] for k in ("name", "description") if k in tool}
            fmt = tool.get("format")
            if isinstance(fmt, Mapping) and fmt.get("type") == "grammar":  # flat here, nested in chat
                custom["format"] = {"type": "grammar", "grammar": {k: fmt.get(k) for k in ("definition", "syntax")}}
            elif isinstance(fmt, Mapping):
                custom["format"] = {"type": "text"}
            out.append({"type": "custom", "custom": custom})
    return out


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str):
        return choice
    if not isinstance(choice, Mapping):
        return None
    kind = choice.get("type")
    if kind in ("function", "custom"):
        return {"type": kind, kind: {"name": choice.get("name")}}
    if kind == "allowed_tools":
        tools = [_allowed(tool) for tool in choice.get("tools") or () if isinstance(tool, Mapping)]
        return {"type": "allowed_tools", "allowed_tools": {"mode": choice.get("mode"), "tools": tools}}
    return "auto"  # a built-in tool: the model may use it; no chat tool stands for it


def _allowed(tool: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(tool.get("type", "function"))
    return {"type": kind, kind: {"name": tool.get("name")}} if "name" in tool else dict(tool)


def _response_format(fmt: Any) -> dict[str, Any] | None:
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    if fmt.get("type") == "json_schema":
        spec = {k: fmt[k] for k in ("name", "description", "schema", "strict") if fmt.get(k) is not None}
        return {"type": "json_schema", "json_schema": spec}
    return None
