"""The built-in tools and the items of their calls, in the Responses request schema
(:mod:`mockai.responses.request_schema`), and the helpers both modules build definitions with.

mockai runs no built-in tool, but it echoes their settings in the Response's ``tools`` and lists
the items of their calls (``input_items``, a conversation's items) as they were sent; whatever it
takes must parse in the official SDK's types (``_strict_response_validation``).  A hostile audit
found them checked for their ``type`` and a few members only: a wrong type deeper in (``city: 1``
in a web search's ``user_location``, ``query: 1`` in a ``web_search_call``'s action) was answered
200, and the SDK refused the Response or the listing.  So each is checked as the openai SDK 3.57
declares it (``openai/types/responses/*_param.py``: the members it requires, their types and
values), with the ranges of the spec (``output_compression``, ``partial_images``); so are an
``output_text`` part's annotations and logprobs and a reasoning item's content.  An item's ``id``
is a string (or null where the SDK's param type allows it: the listing gives such an item its own).

These objects stay open (other members are not checked, as today), but for the ones the spec
closes (``additionalProperties: false``): a comparison or compound filter, an MCP tool filter and
``require_approval``, an image mask, a custom tool's ``format`` (closed on chat too).  Values of a
few types (``container``, ``allowed_tools``, ``require_approval``, a prompt variable) are
multi-typed, so that a wrong one is reported as one fault naming what was expected.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ALLOWED_CALLERS",
    "BUILT_IN_DEFS",
    "BUILT_IN_ITEM_CASES",
    "BUILT_IN_TOOL_CASES",
    "ITEM_STATUS",
    "NULLABLE_OBJECT",
    "NULLABLE_STRING",
    "STRING",
    "closed",
    "dispatch",
    "open_object",
    "ref",
]


def closed(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object with these required members and these members only."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def open_object(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object with these required members and these members' types; others are not checked."""
    return {"type": "object", "required": required, "properties": {"type": STRING, **properties}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def dispatch(key: str, cases: dict[str, str], default: str | None = None) -> list[dict[str, Any]]:
    """``allOf`` entries choosing a definition by the value of ``key`` (``default``: when absent)."""
    out: list[dict[str, Any]] = []
    for value, name in cases.items():
        cond = {"required": [key], "properties": {key: {"const": value}}}
        out.append({"if": cond, "then": ref(name)})
    if default is not None:
        out.append({"if": {"not": {"required": [key]}}, "then": ref(default)})
    return out


def _kinds(cases: dict[str, str]) -> dict[str, Any]:
    """An object of one of the types ``cases`` names, checked as the definition of its type."""
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": _one_of(*cases)},
        "allOf": dispatch("type", cases),
    }


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object (of no ``type`` member) with these required members and these members' types."""
    return {"type": "object", "required": required, "properties": properties}


def _one_of(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _nullable_one_of(*values: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "enum": [*values, None]}


def _array(items: dict[str, Any], *, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["array", "null"] if nullable else "array", "items": items}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an object's definition: a ``$ref``) or null."""
    return {"type": ["object", "null"], "if": {"type": "object"}, "then": schema}


STRING: dict[str, Any] = {"type": "string"}
NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
NULLABLE_OBJECT: dict[str, Any] = {"type": ["object", "null"]}
ALLOWED_CALLERS: dict[str, Any] = _array(_one_of("direct", "programmatic"), nullable=True)
ITEM_STATUS: dict[str, Any] = _one_of("in_progress", "completed", "incomplete")
_INTEGER = {"type": "integer"}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_NUMBER = {"type": "number"}
_BOOLEAN = {"type": "boolean"}
_STRINGS = _array(STRING)
_NULLABLE_STRINGS = _array(STRING, nullable=True)
_SEARCH_STATUS = _one_of("in_progress", "searching", "completed", "incomplete", "failed")
_IMAGE_QUALITY = ("low", "medium", "high", "xhigh", "max", "auto")
_IMAGE_FORMATS = ("png", "webp", "jpeg", "gif", "svg")
_IMAGE_BACKGROUNDS = ("transparent", "opaque", "auto")
_IMAGE_ACTIONS = ("generate", "edit", "auto")
_FILTER_OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")

# The built-in tools checked past their ``type``, by type (request_schema's ``Tool``).
BUILT_IN_TOOL_CASES: dict[str, str] = {
    "file_search": "FileSearchTool",
    "web_search": "WebSearchTool",
    "web_search_2025_08_26": "WebSearchTool",
    "web_search_preview": "WebSearchPreviewTool",
    "web_search_preview_2025_03_11": "WebSearchPreviewTool",
    "mcp": "McpTool",
    "code_interpreter": "CodeInterpreterTool",
    "image_generation": "ImageGenerationTool",
    "computer_use_preview": "ComputerUseTool",
}
# The items of built-in tool calls checked past their ``type``, by type (request_schema's
# ``InputItem``); the other built-in items are an ``OpenItem`` (a type, and an id that is a string).
BUILT_IN_ITEM_CASES: dict[str, str] = {
    "web_search_call": "WebSearchCall",
    "file_search_call": "FileSearchCall",
    "computer_call": "ComputerCall",
    "computer_call_output": "ComputerCallOutput",
    "image_generation_call": "ImageGenerationCall",
    "code_interpreter_call": "CodeInterpreterCall",
    "local_shell_call": "LocalShellCall",
    "local_shell_call_output": "LocalShellCallOutput",
    "mcp_list_tools": "McpListTools",
    "mcp_approval_request": "McpApprovalRequest",
    "mcp_approval_response": "McpApprovalResponse",
    "mcp_call": "McpCall",
}
_COMPUTER_ACTIONS = {
    "click": "ClickAction",
    "double_click": "DoubleClickAction",
    "drag": "DragAction",
    "keypress": "KeypressAction",
    "move": "MoveAction",
    "screenshot": "TypeOnlyAction",
    "scroll": "ScrollAction",
    "type": "TypeAction",
    "wait": "TypeOnlyAction",
}
_USER_LOCATION = {
    "type": _one_of("approximate"),
    "city": NULLABLE_STRING,
    "country": NULLABLE_STRING,
    "region": NULLABLE_STRING,
    "timezone": NULLABLE_STRING,
}
_MCP_TOOL_FILTER = closed([], tool_names=_STRINGS, read_only=_BOOLEAN)
_SAFETY_CHECK = _object(["id"], id=STRING, code=NULLABLE_STRING, message=NULLABLE_STRING)
_KEYS = _NULLABLE_STRINGS
_POINT = {"x": _INTEGER, "y": _INTEGER}

_TOOL_DEFS: dict[str, Any] = {
    "FileSearchTool": open_object(
        ["type", "vector_store_ids"],
        vector_store_ids=_STRINGS,
        max_num_results={"type": "integer", "minimum": 1, "maximum": 50},
        ranking_options=_object(
            [],
            ranker=_one_of("auto", "default-2024-11-15"),
            score_threshold=_NUMBER,
            hybrid_search=_object(["embedding_weight", "text_weight"], embedding_weight=_NUMBER, text_weight=_NUMBER),
        ),
        filters=_nullable(ref("FileSearchFilter")),
    ),
    "FileSearchFilter": _kinds(
        {**dict.fromkeys(_FILTER_OPERATORS, "ComparisonFilter"), "and": "CompoundFilter", "or": "CompoundFilter"}
    ),
    "ComparisonFilter": closed(
        ["type", "key", "value"],
        type=STRING,
        key=STRING,
        value={"type": ["string", "number", "boolean", "array"], "items": {"type": ["string", "number"]}},
    ),
    "CompoundFilter": closed(["type", "filters"], type=STRING, filters=_array(ref("FileSearchFilter"))),
    "WebSearchTool": open_object(
        ["type"],
        external_web_access=_BOOLEAN,
        filters={"type": ["object", "null"], "properties": {"allowed_domains": _NULLABLE_STRINGS}},
        search_context_size=_one_of("low", "medium", "high"),
        user_location={"type": ["object", "null"], "properties": _USER_LOCATION},
    ),
    "WebSearchPreviewTool": open_object(
        ["type"],
        search_content_types=_array(_one_of("text", "image")),
        search_context_size=_one_of("low", "medium", "high"),
        user_location={"type": ["object", "null"], "required": ["type"], "properties": _USER_LOCATION},
    ),
    "McpTool": open_object(
        ["type", "server_label"],
        server_label=STRING,
        server_url=STRING,
        connector_id=_one_of(
            "connector_dropbox",
            "connector_gmail",
            "connector_googlecalendar",
            "connector_googledrive",
            "connector_microsoftteams",
            "connector_outlookcalendar",
            "connector_outlookemail",
            "connector_sharepoint",
        ),
        tunnel_id=STRING,
        authorization=STRING,
        server_description=STRING,
        headers={"type": ["object", "null"], "additionalProperties": STRING},
        # A list of tool names or a filter (``items`` reads an array, ``properties`` an object).
        allowed_tools={
            "type": ["array", "object", "null"],
            "items": STRING,
            "properties": _MCP_TOOL_FILTER["properties"],
            "additionalProperties": False,
        },
        require_approval={
            "type": ["string", "object", "null"],
            "if": {"type": "string"},
            "then": {"enum": ["always", "never"]},
            "else": {
                "properties": {"always": _MCP_TOOL_FILTER, "never": _MCP_TOOL_FILTER},
                "additionalProperties": False,
            },
        },
        allowed_callers=ALLOWED_CALLERS,
        defer_loading=_BOOLEAN,
    ),
    "CodeInterpreterTool": open_object(
        ["type", "container"],
        # A container's id, or one made for the call (``required``/``properties`` read an object).
        container={
            "type": ["string", "object"],
            "required": ["type"],
            "properties": {
                "type": _one_of("auto"),
                "file_ids": _STRINGS,
                "memory_limit": _nullable_one_of("1g", "4g", "16g", "64g"),
                "network_policy": _kinds({"disabled": "NetworkPolicyDisabled", "allowlist": "NetworkPolicyAllowlist"}),
            },
        },
        allowed_callers=ALLOWED_CALLERS,
    ),
    "NetworkPolicyDisabled": open_object(["type"]),
    "NetworkPolicyAllowlist": open_object(
        ["type", "allowed_domains"],
        allowed_domains=_STRINGS,
        domain_secrets=_array(_object(["domain", "name", "value"], domain=STRING, name=STRING, value=STRING)),
    ),
    "ImageGenerationTool": open_object(
        ["type"],
        action=_one_of(*_IMAGE_ACTIONS),
        background=_one_of(*_IMAGE_BACKGROUNDS),
        complexity=_one_of("low", "medium", "high"),
        frame_count=_INTEGER,
        frame_duration_ms=_INTEGER,
        input_fidelity=_nullable_one_of("high", "low"),
        input_image_mask=closed([], image_url=STRING, file_id=STRING),
        model=STRING,
        moderation=_one_of("auto", "low"),
        output_compression={"type": "integer", "minimum": 0, "maximum": 100},
        output_format=_one_of(*_IMAGE_FORMATS),
        partial_images={"type": "integer", "minimum": 0, "maximum": 3},
        quality=_one_of(*_IMAGE_QUALITY),
        size=STRING,
        svg=_object(
            [],
            model=STRING,
            reasoning={
                "type": ["object", "null"],
                "properties": {"effort": _one_of("none", "minimal", "low", "medium", "high", "xhigh", "max")},
            },
        ),
    ),
    "ComputerUseTool": open_object(
        ["type", "environment", "display_width", "display_height"],
        environment=_one_of("windows", "mac", "linux", "ubuntu", "browser"),
        display_width=_INTEGER,
        display_height=_INTEGER,
    ),
    # A custom tool's input format (the custom tool is closed, and so is its format on chat).
    "CustomToolFormat": _kinds({"text": "CustomTextFormat", "grammar": "CustomGrammarFormat"}),
    "CustomTextFormat": closed(["type"], type=STRING),
    "CustomGrammarFormat": closed(
        ["type", "syntax", "definition"], type=STRING, syntax=_one_of("lark", "regex"), definition=STRING
    ),
}

_ITEM_DEFS: dict[str, Any] = {
    "OpenItem": open_object(["type"], id=NULLABLE_STRING),
    "WebSearchCall": open_object(
        ["type", "id", "action", "status"],
        id=STRING,
        status=_SEARCH_STATUS,
        action=_kinds({"search": "SearchAction", "open_page": "OpenPageAction", "find_in_page": "FindAction"}),
    ),
    "SearchAction": open_object(
        ["type"],
        query=STRING,
        queries=_STRINGS,
        sources=_array(open_object(["type", "url"], type=_one_of("url"), url=STRING)),
    ),
    "OpenPageAction": open_object(["type"], url=NULLABLE_STRING),
    "FindAction": open_object(["type", "pattern", "url"], pattern=STRING, url=STRING),
    "FileSearchCall": open_object(
        ["type", "id", "queries", "status"],
        id=STRING,
        queries=_STRINGS,
        status=_SEARCH_STATUS,
        results=_array(
            _object(
                [],
                file_id=STRING,
                filename=STRING,
                score=_NUMBER,
                text=STRING,
                attributes={
                    "type": ["object", "null"],
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                },
            ),
            nullable=True,
        ),
    ),
    "ComputerCall": open_object(
        ["type", "id", "call_id", "pending_safety_checks", "status"],
        id=STRING,
        call_id=STRING,
        status=ITEM_STATUS,
        pending_safety_checks=_array(_SAFETY_CHECK),
        action=_kinds(_COMPUTER_ACTIONS),
        actions=_array(_kinds(_COMPUTER_ACTIONS)),
    ),
    "ClickAction": open_object(
        ["type", "button", "x", "y"],
        button=_one_of("left", "right", "wheel", "back", "forward"),
        keys=_KEYS,
        **_POINT,
    ),
    "DoubleClickAction": open_object(["type", "keys", "x", "y"], keys=_KEYS, **_POINT),
    "DragAction": open_object(["type", "path"], path=_array(_object(["x", "y"], **_POINT)), keys=_KEYS),
    "KeypressAction": open_object(["type", "keys"], keys=_STRINGS),
    "MoveAction": open_object(["type", "x", "y"], keys=_KEYS, **_POINT),
    "ScrollAction": open_object(
        ["type", "x", "y", "scroll_x", "scroll_y"], scroll_x=_INTEGER, scroll_y=_INTEGER, keys=_KEYS, **_POINT
    ),
    "TypeAction": open_object(["type", "text"], text=STRING),
    "TypeOnlyAction": open_object(["type"]),
    "ComputerCallOutput": open_object(
        ["type", "call_id", "output"],
        id=NULLABLE_STRING,
        call_id=STRING,
        status=_nullable_one_of("in_progress", "completed", "incomplete"),
        output=open_object(["type"], type=_one_of("computer_screenshot"), file_id=STRING, image_url=STRING),
        acknowledged_safety_checks=_array(_SAFETY_CHECK, nullable=True),
    ),
    "ImageGenerationCall": open_object(
        ["type", "id", "result", "status"],
        id=STRING,
        result=NULLABLE_STRING,
        status=_one_of("in_progress", "completed", "generating", "failed"),
        action=_nullable_one_of(*_IMAGE_ACTIONS),
        background=_nullable_one_of(*_IMAGE_BACKGROUNDS),
        output_format=_nullable_one_of(*_IMAGE_FORMATS),
        quality=_nullable_one_of(*_IMAGE_QUALITY),
        revised_prompt=NULLABLE_STRING,
        size=NULLABLE_STRING,
        error=open_object(
            ["type", "code", "message", "param"],
            code=NULLABLE_STRING,
            message=STRING,
            param=NULLABLE_STRING,
            moderation_details=_object(
                ["categories", "moderation_stage"],
                categories=_STRINGS,
                moderation_stage=_one_of("input", "output", "unknown"),
            ),
        ),
        svg_usage=_object(
            ["input_tokens", "model", "output_tokens", "reasoning_tokens", "total_tokens"],
            input_tokens=_INTEGER,
            model=STRING,
            output_tokens=_INTEGER,
            reasoning_tokens=_INTEGER,
            total_tokens=_INTEGER,
        ),
    ),
    "CodeInterpreterCall": open_object(
        ["type", "id", "code", "container_id", "outputs", "status"],
        id=STRING,
        code=NULLABLE_STRING,
        container_id=STRING,
        outputs={
            "type": ["array", "null"],
            "items": _kinds({"logs": "CodeInterpreterLogs", "image": "CodeInterpreterImage"}),
        },
        status=_one_of("in_progress", "completed", "incomplete", "interpreting", "failed"),
    ),
    "CodeInterpreterLogs": open_object(["type", "logs"], logs=STRING),
    "CodeInterpreterImage": open_object(["type", "url"], url=STRING),
    "LocalShellCall": open_object(
        ["type", "id", "action", "call_id", "status"],
        id=STRING,
        call_id=STRING,
        status=ITEM_STATUS,
        action=open_object(
            ["type", "command", "env"],
            type=_one_of("exec"),
            command=_STRINGS,
            env={"type": "object", "additionalProperties": STRING},
            timeout_ms=_NULLABLE_INTEGER,
            user=NULLABLE_STRING,
            working_directory=NULLABLE_STRING,
        ),
    ),
    "LocalShellCallOutput": open_object(
        ["type", "id", "output"],
        id=STRING,
        output=STRING,
        status=_nullable_one_of("in_progress", "completed", "incomplete"),
    ),
    "McpListTools": open_object(
        ["type", "id", "server_label", "tools"],
        id=STRING,
        server_label=STRING,
        tools=_array(_object(["name", "input_schema"], name=STRING, description=NULLABLE_STRING)),
        error=NULLABLE_STRING,
    ),
    "McpApprovalRequest": open_object(
        ["type", "id", "arguments", "name", "server_label"],
        id=STRING,
        arguments=STRING,
        name=STRING,
        server_label=STRING,
    ),
    "McpApprovalResponse": open_object(
        ["type", "approval_request_id", "approve"],
        id=NULLABLE_STRING,
        approval_request_id=STRING,
        approve=_BOOLEAN,
        reason=NULLABLE_STRING,
    ),
    "McpCall": open_object(
        ["type", "id", "arguments", "name", "server_label"],
        id=STRING,
        arguments=STRING,
        name=STRING,
        server_label=STRING,
        approval_request_id=NULLABLE_STRING,
        error=_nullable(
            _kinds(
                {
                    "mcp_protocol_error": "McpCodedError",
                    "mcp_tool_execution_error": "McpExecutionError",
                    "http_error": "McpCodedError",
                }
            )
        ),
        output=NULLABLE_STRING,
        status=_one_of("in_progress", "completed", "incomplete", "calling", "failed"),
    ),
    "McpCodedError": open_object(["type", "code", "message"], code=_INTEGER, message=STRING),
    "McpExecutionError": open_object(["type", "content"]),
    # What an assistant's ``output_text`` part carries (sent back as it was answered).
    "Annotation": _kinds(
        {
            "file_citation": "FileCitation",
            "url_citation": "UrlCitation",
            "container_file_citation": "ContainerFileCitation",
            "file_path": "FilePathAnnotation",
        }
    ),
    "FileCitation": open_object(
        ["type", "file_id", "filename", "index"], file_id=STRING, filename=STRING, index=_INTEGER
    ),
    "UrlCitation": open_object(
        ["type", "url", "title", "start_index", "end_index"],
        url=STRING,
        title=STRING,
        start_index=_INTEGER,
        end_index=_INTEGER,
    ),
    "ContainerFileCitation": open_object(
        ["type", "container_id", "file_id", "filename", "start_index", "end_index"],
        container_id=STRING,
        file_id=STRING,
        filename=STRING,
        start_index=_INTEGER,
        end_index=_INTEGER,
    ),
    "FilePathAnnotation": open_object(["type", "file_id", "index"], file_id=STRING, index=_INTEGER),
    "Logprob": _object(
        ["token", "bytes", "logprob", "top_logprobs"],
        token=STRING,
        bytes=_array(_INTEGER),
        logprob=_NUMBER,
        top_logprobs=_array(
            _object(["token", "bytes", "logprob"], token=STRING, bytes=_array(_INTEGER), logprob=_NUMBER)
        ),
    ),
    "ReasoningText": open_object(["type", "text"], type=_one_of("reasoning_text"), text=STRING),
}

BUILT_IN_DEFS: dict[str, Any] = {**_TOOL_DEFS, **_ITEM_DEFS}
