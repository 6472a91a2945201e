"""The Responses request schema: mockai's own Draft 2020-12 schema of ``POST /v1/responses``.

It follows the official ``CreateResponse`` (every parameter) the way the chat schema follows the
chat request: multi-typed values instead of ``anyOf`` (so that an error names one expected type),
and ``if``/``then`` dispatch on an item's ``type`` (or a message's ``role``), so that a wrong
item is reported at the member that is wrong.  The objects mockai reads (messages, function
calls and their outputs, function and custom tools, ``text.format``, ``reasoning``) are closed;
built-in tools, the items of their calls, the annotations and logprobs of an ``output_text`` part
and ``prompt`` are checked as the openai SDK declares them, so that what mockai echoes (the
Response's ``tools`` and ``prompt``) and lists (input items, a conversation's items) parses in the
SDK: their definitions are in :mod:`mockai.responses.builtin_tool_schema`.

Three faults the live API reports at the object rather than at its member are marked with a
``false`` schema there, and worded by :mod:`mockai.responses.validation`: an input item whose
``type`` is not one (:data:`ITEM_TYPES`), a message whose ``role`` is not one (:data:`ROLES`),
and a message part of a type its role does not take (an assistant's ``input_text``, a user's
``output_text``; a system or developer message's parts are not measured: any message part).
Only an assistant's message has a ``phase``.  Enum values are in the live API's order (a 2026
public probe list), since its messages list them.

Errors are worded by :func:`mockai.chat.request_schema.first_fault` (the schema is registered
with it), so both surfaces word a fault the same way.
"""

from __future__ import annotations

from typing import Any

from mockai.chat.request_schema import register_schema
from mockai.responses import builtin_tool_schema as built_in

# The helpers (and common members) the definitions are built with, shared with the built-in ones.
_closed, _dispatch, _ref = built_in.closed, built_in.dispatch, built_in.ref
_STRING, _NULLABLE_STRING, _NULLABLE_OBJECT = built_in.STRING, built_in.NULLABLE_STRING, built_in.NULLABLE_OBJECT
_ALLOWED_CALLERS, _ITEM_STATUS = built_in.ALLOWED_CALLERS, built_in.ITEM_STATUS

__all__ = ["ASSISTANT_PARTS", "INPUT_PARTS", "ITEM_TYPES", "PART_TYPES", "REQUEST_SCHEMA", "ROLES"]


def _message(part: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A message item whose content parts are ``part`` (and ``more`` members)."""
    return _closed(
        ["role", "content"],
        type={"const": "message"},
        id=_STRING,
        status=_ITEM_STATUS,
        role={"type": "string", "enum": list(ROLES)},
        content={"type": ["string", "array"], "items": part},
        **more,
    )


def _role_part(accepted: tuple[str, ...]) -> dict[str, Any]:
    """A message part (``MessagePart``) of a type its role ``accepted``."""
    others = [kind for kind in PART_TYPES if kind not in accepted]
    wrong = {"required": ["type"], "properties": {"type": {"enum": others}}}
    return {"type": "object", "allOf": [_ref("MessagePart"), {"if": wrong, "then": False}]}


# A content part's definition, by its type.
_PART_DEFINITIONS = {
    "input_text": "TextPart",
    "output_text": "OutputTextPart",
    "input_image": "ImagePart",
    "input_file": "FilePart",
    "input_audio": "AudioPart",
    "refusal": "RefusalPart",
}
_BUILT_IN_TOOLS = [
    "file_search",
    "web_search",
    "web_search_2025_08_26",
    "web_search_preview",
    "web_search_preview_2025_03_11",
    "computer_use_preview",
    "computer",
    "mcp",
    "code_interpreter",
    "image_generation",
    "local_shell",
    "shell",
    "apply_patch",
    "tool_search",
]
# What ``tool_choice`` may name (the spec's ToolChoiceParam, in its order; the SDK's ToolChoice union
# reads nothing else): not every built-in tool can be chosen (``web_search``, ``local_shell``,
# ``tool_search`` cannot), and an ``mcp`` choice names its server.
_TOOL_CHOICE_TYPES = [
    "allowed_tools",
    "file_search",
    "web_search_preview",
    "computer",
    "computer_use_preview",
    "computer_use",
    "web_search_preview_2025_03_11",
    "image_generation",
    "code_interpreter",
    "function",
    "mcp",
    "custom",
    "programmatic_tool_calling",
    "apply_patch",
    "shell",
]
_BUILT_IN_ITEMS = [
    "file_search_call",
    "web_search_call",
    "computer_call",
    "computer_call_output",
    "code_interpreter_call",
    "image_generation_call",
    "local_shell_call",
    "local_shell_call_output",
    "shell_call",
    "shell_call_output",
    "apply_patch_call",
    "apply_patch_call_output",
    "mcp_list_tools",
    "mcp_approval_request",
    "mcp_approval_response",
    "mcp_call",
    "compaction",
    # Item types of the 2026 live API that mockai reads for their ``type`` only (a 2026 public
    # probe list of the live API lists them among the supported values).
    "additional_tools",
    "agent_message",
    "compaction_trigger",
    "multi_agent_call",
    "multi_agent_call_output",
    "program",
    "program_output",
    "tool_search_call",
    "tool_search_output",
]
# Every item type, as the live API lists them when an item's ``type`` is not one (alphabetical).
ITEM_TYPES: tuple[str, ...] = tuple(
    sorted(
        {
            "message",
            "function_call",
            "function_call_output",
            "custom_tool_call",
            "custom_tool_call_output",
            "reasoning",
            "item_reference",
            *_BUILT_IN_ITEMS,
        }
    )
)
# A message's roles, in the live API's order ("Supported values are: 'assistant', …").
ROLES: tuple[str, ...] = ("assistant", "system", "developer", "user")
# The content part types of a message (any role), in the live API's order; then the ones each
# role accepts (an assistant's, and a user's, system's or developer's), in its words.
PART_TYPES: tuple[str, ...] = (
    "input_text",
    "input_image",
    "input_audio",
    "output_text",
    "refusal",
    "input_file",
    "computer_screenshot",
    "summary_text",
    "encrypted_content",
)
ASSISTANT_PARTS: tuple[str, ...] = ("output_text", "refusal")
INPUT_PARTS: tuple[str, ...] = ("input_text", "input_image", "input_file", "scoped_content", "input_audio")

_DEFS: dict[str, Any] = {
    "InputItem": {
        "type": "object",
        "properties": {
            # (None: an item_reference, whose type is optional)
            "type": {"type": ["string", "null"], "enum": [None, *ITEM_TYPES]}
        },
        "allOf": [
            # A wrong ``type``, or a message's wrong ``role``, is the live API's fault of the item
            # itself (param ``input[0]``, before any fault inside it): a ``false`` schema here,
            # which mockai.responses.validation words.
            {
                "if": {"required": ["type"], "not": {"properties": {"type": {"enum": [None, *ITEM_TYPES]}}}},
                "then": False,
            },
            {
                "if": {
                    "anyOf": [
                        {"required": ["type"], "properties": {"type": {"const": "message"}}},
                        {"allOf": [{"not": {"required": ["type"]}}, {"not": _ref("ItemReferenceShape")}]},
                    ]
                },
                "then": {
                    "if": {"not": {"required": ["role"], "properties": {"role": {"enum": list(ROLES)}}}},
                    "then": False,
                },
            },
            *_dispatch(
                "type",
                {
                    "message": "Message",
                    "function_call": "FunctionCall",
                    "function_call_output": "FunctionCallOutput",
                    "custom_tool_call": "CustomToolCall",
                    "custom_tool_call_output": "CustomToolCallOutput",
                    "reasoning": "Reasoning",
                    "item_reference": "ItemReference",
                    **dict.fromkeys(_BUILT_IN_ITEMS, "OpenItem"),
                    **built_in.BUILT_IN_ITEM_CASES,
                },
            ),
            {"if": {"required": ["type"], "properties": {"type": {"const": None}}}, "then": _ref("ItemReference")},
            {  # no type: a message, or an item_reference ({"id": ...} alone)
                "if": {"not": {"required": ["type"]}},
                "then": {"if": _ref("ItemReferenceShape"), "then": _ref("ItemReference"), "else": _ref("Message")},
            },
        ],
    },
    "ItemReferenceShape": {"required": ["id"], "not": {"anyOf": [{"required": ["role"]}, {"required": ["content"]}]}},
    # An assistant's message (which alone has a ``phase``) and the others.
    "Message": {
        "type": "object",
        "allOf": _dispatch("role", {"assistant": "AssistantMessage", "user": "UserMessage"}),
        "if": {"required": ["role"], "properties": {"role": {"enum": ["assistant", "user"]}}},
        "else": _ref("InputMessage"),
    },
    "UserMessage": _message(_ref("InputPart")),
    # A system or developer message: which parts the live API refuses there is not measured.
    "InputMessage": _message({"type": "object", "allOf": [_ref("MessagePart")]}),
    "AssistantMessage": _message(
        _ref("AssistantPart"), phase={"type": ["string", "null"], "enum": ["commentary", "final_answer", None]}
    ),
    # A part of a type a message takes, but not one of this role: the live API's fault of the part
    # (param ``input[0].content[0]``), a ``false`` schema worded by mockai.responses.validation.
    "InputPart": _role_part(INPUT_PARTS),
    "AssistantPart": _role_part(ASSISTANT_PARTS),
    "MessagePart": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": list(PART_TYPES)}},
        "allOf": _dispatch("type", _PART_DEFINITIONS),
    },
    "ContentPart": {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "type": "string",
                "enum": ["input_text", "input_image", "input_file", "input_audio", "output_text", "refusal"],
            }
        },
        "allOf": _dispatch("type", _PART_DEFINITIONS),
    },
    "TextPart": _closed(["type", "text"], type=_STRING, text=_STRING, prompt_cache_breakpoint=_NULLABLE_OBJECT),
    "OutputTextPart": _closed(
        ["type", "text"],
        type=_STRING,
        text=_STRING,
        annotations={"type": "array", "items": _ref("Annotation")},
        logprobs={"type": "array", "items": _ref("Logprob")},
    ),
    "RefusalPart": _closed(["type", "refusal"], type=_STRING, refusal=_STRING),
    "ImagePart": _closed(
        ["type"],
        type=_STRING,
        image_url=_NULLABLE_STRING,
        file_id=_NULLABLE_STRING,
        detail={"type": "string", "enum": ["low", "high", "auto", "original"]},
        prompt_cache_breakpoint=_NULLABLE_OBJECT,
    ),
    "FilePart": _closed(
        ["type"],
        type=_STRING,
        file_id=_NULLABLE_STRING,
        file_data=_STRING,
        file_url=_STRING,
        filename=_STRING,
        detail={"type": "string", "enum": ["auto", "low", "high"]},
        prompt_cache_breakpoint=_NULLABLE_OBJECT,
    ),
    "AudioPart": _closed(
        ["type", "input_audio"],
        type=_STRING,
        input_audio=_closed(["data", "format"], data=_STRING, format={"type": "string", "enum": ["mp3", "wav"]}),
    ),
    "FunctionCall": _closed(
        ["type", "call_id", "name", "arguments"],
        type=_STRING,
        id=_STRING,
        status=_ITEM_STATUS,
        call_id=_STRING,
        name=_STRING,
        arguments=_STRING,
        namespace=_STRING,
        caller=_NULLABLE_OBJECT,
    ),
    "FunctionCallOutput": _closed(
        ["type", "call_id", "output"],
        type=_STRING,
        id=_NULLABLE_STRING,
        status={"type": ["string", "null"], "enum": ["in_progress", "completed", "incomplete", None]},
        call_id=_STRING,
        output={"type": ["string", "array"], "items": {"$ref": "#/$defs/ContentPart"}},
        name=_NULLABLE_STRING,
        namespace=_NULLABLE_STRING,
        caller=_NULLABLE_OBJECT,
    ),
    "CustomToolCall": _closed(
        ["type", "call_id", "name", "input"],
        type=_STRING,
        id=_STRING,
        call_id=_STRING,
        name=_STRING,
        input=_STRING,
        namespace=_STRING,
        caller=_NULLABLE_OBJECT,
        status=_ITEM_STATUS,  # on the item as answered, which clients send back as it was
    ),
    "CustomToolCallOutput": _closed(
        ["type", "call_id", "output"],
        type=_STRING,
        id=_STRING,
        call_id=_STRING,
        output={"type": ["string", "array"], "items": {"$ref": "#/$defs/ContentPart"}},
        caller=_NULLABLE_OBJECT,
    ),
    "Reasoning": _closed(
        ["type", "summary"],
        type=_STRING,
        id=_STRING,
        summary={
            "type": "array",
            "items": _closed(["type", "text"], type={"const": "summary_text"}, text=_STRING),
        },
        content={"type": "array", "items": _ref("ReasoningText")},
        encrypted_content=_NULLABLE_STRING,
        status=_ITEM_STATUS,
    ),
    "ItemReference": _closed(["id"], type={"type": ["string", "null"]}, id=_STRING),
    "Tool": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["function", "custom", *_BUILT_IN_TOOLS]}},
        "allOf": _dispatch(
            "type",
            {
                "function": "FunctionTool",
                "custom": "CustomTool",
                **built_in.BUILT_IN_TOOL_CASES,
            },
        ),
    },
    "FunctionTool": _closed(
        ["type", "name"],
        type=_STRING,
        name={"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,128}$"},
        description=_NULLABLE_STRING,
        parameters={"type": ["object", "null"]},
        strict={"type": ["boolean", "null"]},
        defer_loading={"type": "boolean"},
        output_schema={"type": ["object", "null"]},
        allowed_callers=_ALLOWED_CALLERS,
    ),
    "CustomTool": _closed(
        ["type", "name"],
        type=_STRING,
        name=_STRING,
        description=_STRING,
        format=_ref("CustomToolFormat"),
        defer_loading={"type": "boolean"},
        allowed_callers=_ALLOWED_CALLERS,
    ),
    "ToolChoiceObject": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": _TOOL_CHOICE_TYPES}},
        "allOf": _dispatch(
            "type",
            {
                "function": "NamedToolChoice",
                "custom": "NamedToolChoice",
                "allowed_tools": "AllowedTools",
                "mcp": "McpToolChoice",
            },
        ),
    },
    "NamedToolChoice": _closed(["type", "name"], type=_STRING, name=_STRING),
    "McpToolChoice": _closed(["type", "server_label"], type=_STRING, server_label=_STRING, name=_NULLABLE_STRING),
    "AllowedTools": _closed(
        ["type", "mode", "tools"],
        type=_STRING,
        mode={"type": "string", "enum": ["auto", "required"]},
        tools={"type": "array", "items": {"type": "object"}},
    ),
    "TextFormat": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["json_object", "text", "json_schema"]}},
        "allOf": _dispatch(
            "type", {"text": "PlainFormat", "json_object": "PlainFormat", "json_schema": "JsonSchemaFormat"}
        ),
    },
    "PlainFormat": _closed(["type"], type=_STRING),
    "JsonSchemaFormat": _closed(
        ["type", "name", "schema"],
        type=_STRING,
        name={"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"},
        description=_NULLABLE_STRING,
        schema={"type": "object"},
        strict={"type": ["boolean", "null"]},
    ),
    # A prompt's variable: a string or an input part (an image without ``detail`` is echoed with
    # ``auto``, its default: the SDK's ResponsePrompt reads none without it).
    "PromptVariable": {"type": ["string", "object"], "if": {"type": "object"}, "then": _ref("PromptPart")},
    "PromptPart": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["input_text", "input_image", "input_file"]}},
        "allOf": _dispatch("type", {"input_text": "TextPart", "input_image": "ImagePart", "input_file": "FilePart"}),
    },
    **built_in.BUILT_IN_DEFS,
}

REQUEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://mockai.invalid/schemas/create_response_request.schema.json",
    "title": "mockai: Responses request body",
    "type": "object",
    "required": ["model"],
    "additionalProperties": False,
    "properties": {
        "model": _STRING,
        "input": {"type": ["string", "array"], "items": {"$ref": "#/$defs/InputItem"}},
        "instructions": _NULLABLE_STRING,
        "tools": {"type": "array", "items": {"$ref": "#/$defs/Tool"}},
        "tool_choice": {
            "type": ["string", "object"],
            "if": {"type": "string"},
            "then": {"enum": ["none", "auto", "required"]},
            "else": {"$ref": "#/$defs/ToolChoiceObject"},
        },
        "parallel_tool_calls": {"type": ["boolean", "null"]},
        "text": {
            "type": ["object", "null"],
            "properties": {
                "format": {"$ref": "#/$defs/TextFormat"},
                "verbosity": {"type": ["string", "null"], "enum": ["low", "medium", "high", None]},
            },
            "additionalProperties": False,
        },
        "reasoning": {
            "type": ["object", "null"],
            "properties": {
                "effort": {
                    "type": ["string", "null"],
                    "enum": ["none", "minimal", "low", "medium", "high", "xhigh", "max", None],
                },
                "summary": {"type": ["string", "null"], "enum": ["concise", "detailed", "auto", None]},
                # (the spec's; ``generate_summary``, in the spec too, is refused live: tests/responses/test_live_probes)
                "context": {"type": ["string", "null"], "enum": ["auto", "current_turn", "all_turns", None]},
                "mode": _STRING,
            },
            "additionalProperties": False,
        },
        "max_output_tokens": {"type": ["integer", "null"], "minimum": 16},
        "max_tool_calls": {"type": ["integer", "null"], "minimum": 1},
        "previous_response_id": _NULLABLE_STRING,
        "conversation": {
            "type": ["string", "object", "null"],
            "properties": {"id": _STRING},
            "required": ["id"],
            "additionalProperties": False,
        },
        "store": {"type": ["boolean", "null"]},
        "include": {
            "type": ["array", "null"],
            "items": {
                "type": "string",
                "enum": [
                    "file_search_call.results",
                    "web_search_call.results",
                    "web_search_call.action.sources",
                    "message.input_image.image_url",
                    "computer_call_output.output.image_url",
                    "code_interpreter_call.outputs",
                    "reasoning.encrypted_content",
                    "message.output_text.logprobs",
                ],
            },
        },
        "metadata": {
            "type": ["object", "null"],
            "maxProperties": 16,
            "propertyNames": {"maxLength": 64},
            "additionalProperties": {"type": "string", "maxLength": 512},
        },
        "truncation": {"type": ["string", "null"], "enum": ["auto", "disabled", None]},
        "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
        "top_p": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "presence_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "frequency_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "top_logprobs": {"type": ["integer", "null"], "minimum": 0, "maximum": 20},
        "service_tier": {"type": ["string", "null"], "enum": ["auto", "default", "fast", "flex", "priority", None]},
        "prompt_cache_key": _NULLABLE_STRING,
        "prompt_cache_retention": {"type": ["string", "null"], "enum": ["in_memory", "24h", None]},
        # The openai SDK 3.57+'s PromptCacheOptions (pydantic-ai sends comparison_response_id on gpt-5.6+).
        "prompt_cache_options": {
            "type": ["object", "null"],
            "properties": {
                "comparison_response_id": {"type": ["string", "null"]},
                "mode": {"type": "string", "enum": ["implicit", "explicit"]},
                "prewarm": {"type": "boolean"},
                "ttl": {"type": "string", "enum": ["30m", "12h"]},
            },
            "additionalProperties": False,
        },
        "safety_identifier": {"type": ["string", "null"], "maxLength": 64},
        # (null taken: LlamaIndex's OpenAIResponses sends ``"user": null`` on every call, and the live
        # API echoes null; the spec types it as a plain string)
        "user": {"type": ["string", "null"]},
        "background": {"type": ["boolean", "null"]},
        # Newer than ../shared's spec, declared by the openai SDK 3.57 (ResponseCreateParams).
        "background_options": {
            "type": "object",
            "properties": {
                "completion_window": {"type": "string", "enum": ["soonest", "2h", "8h"]},
                "continuation_id": _STRING,
            },
            "additionalProperties": False,
        },
        "image": {
            "type": "object",
            "properties": {"context_compression": {"type": "string", "enum": ["auto", "enabled", "disabled"]}},
            "additionalProperties": False,
        },
        "access_programs": {
            "type": "object",
            "properties": {"cyber": {"type": "string", "enum": ["standard", "daybreak_blue", "daybreak_red"]}},
            "additionalProperties": False,
        },
        "stream": {"type": ["boolean", "null"]},
        "stream_options": {
            "type": ["object", "null"],
            "properties": {"include_obfuscation": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "prompt": {
            "type": ["object", "null"],
            "required": ["id"],
            "properties": {
                "id": _STRING,
                "version": _NULLABLE_STRING,
                "variables": {"type": ["object", "null"], "additionalProperties": _ref("PromptVariable")},
            },
        },
        # The openai SDK 3.60's Moderation: a model, and a policy (score or block) for each side.
        "moderation": {
            "type": ["object", "null"],
            "properties": {
                "model": _STRING,
                "policy": {
                    "type": ["object", "null"],
                    "properties": {
                        side: {
                            "type": ["object", "null"],
                            "properties": {"mode": {"type": "string", "enum": ["score", "block"]}},
                            "required": ["mode"],
                            "additionalProperties": False,
                        }
                        for side in ("input", "output")
                    },
                    "additionalProperties": False,
                },
            },
            "required": ["model"],
            "additionalProperties": False,
        },
        "context_management": {"type": ["array", "null"], "minItems": 1, "items": {"type": "object"}},
    },
    "$defs": _DEFS,
}

register_schema(REQUEST_SCHEMA)
