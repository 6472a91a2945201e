"""Built-in tools' settings, ``prompt`` and the items of built-in tool calls are checked as the
openai SDK declares them: a wrong type deeper in is the 400 at that member, and what is taken is
echoed (the Response's ``tools`` and ``prompt``) and listed (``responses.input_items.list``,
``conversations.items.list``) in a shape the SDK's strict parsing reads.

A hostile audit found them checked for their ``type`` and a few members only: ``city: 1`` in a web
search's ``user_location``, ``version: 1`` in a ``prompt`` or ``query: 1`` in a
``web_search_call``'s action was answered 200, and the strict SDK then refused the Response or the
listing (APIResponseValidationError).  The well-formed values here are the SDK's own param types'
(each is checked against its TypedDict), and hypothesis draws more from those types."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

openai = pytest.importorskip("openai")
pydantic = pytest.importorskip("pydantic")

from openai.types.responses import response_input_item_param as item_params  # noqa: E402
from openai.types.responses import tool_param  # noqa: E402
from openai.types.responses.computer_use_preview_tool_param import ComputerUsePreviewToolParam  # noqa: E402
from openai.types.responses.response_input_item_param import ResponseInputItemParam  # noqa: E402
from openai.types.responses.response_prompt_param import ResponsePromptParam  # noqa: E402
from openai.types.responses.tool_param import ToolParam  # noqa: E402
from openai.types.responses.web_search_preview_tool_param import WebSearchPreviewToolParam  # noqa: E402
from openai.types.responses.web_search_tool_param import WebSearchToolParam  # noqa: E402

TOOLS: Any = pydantic.TypeAdapter(ToolParam)
ITEMS: Any = pydantic.TypeAdapter(ResponseInputItemParam)
PROMPTS: Any = pydantic.TypeAdapter(ResponsePromptParam)
USER = {"role": "user", "content": "And now?"}


def _post(server: ServerThread, **body: Any) -> Any:
    body = {"model": "gpt-4o", "input": "hi", "store": False, **body}
    return HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)


# --- a wrong type deeper in is refused at that member ----------------------------------------------

_WS = {"type": "web_search"}
_WSP = {"type": "web_search_preview"}
_FS = {"type": "file_search", "vector_store_ids": ["vs_1"]}
_MCP = {"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.deepwiki.com/mcp"}
_CI = {"type": "code_interpreter"}
_IMG = {"type": "image_generation"}
_CU = {"type": "computer_use_preview", "environment": "browser", "display_width": 1024, "display_height": 768}
_CUSTOM = {"type": "custom", "name": "run_sql"}

WRONG_TOOLS = [
    ({**_WS, "search_context_size": "huge"}, "tools[0].search_context_size", "invalid_value"),
    ({**_WS, "user_location": {"type": "approximate", "city": 1}}, "tools[0].user_location.city", "invalid_type"),
    ({**_WS, "user_location": {"type": "exact"}}, "tools[0].user_location.type", "invalid_value"),
    ({**_WS, "user_location": "Paris"}, "tools[0].user_location", "invalid_type"),
    ({**_WS, "filters": {"allowed_domains": [1]}}, "tools[0].filters.allowed_domains[0]", "invalid_type"),
    ({**_WS, "filters": {"allowed_domains": "a.com"}}, "tools[0].filters.allowed_domains", "invalid_type"),
    ({**_WSP, "user_location": {}}, "tools[0].user_location.type", "missing_required_parameter"),
    (
        {**_WSP, "user_location": {"type": "approximate", "timezone": 1}},
        "tools[0].user_location.timezone",
        "invalid_type",
    ),
    ({**_WSP, "search_content_types": ["video"]}, "tools[0].search_content_types[0]", "invalid_value"),
    ({**_FS, "ranking_options": {"ranker": "best"}}, "tools[0].ranking_options.ranker", "invalid_value"),
    ({**_FS, "ranking_options": {"score_threshold": "s"}}, "tools[0].ranking_options.score_threshold", "invalid_type"),
    ({**_FS, "filters": {}}, "tools[0].filters.type", "missing_required_parameter"),
    ({**_FS, "filters": {"type": "like", "key": "a", "value": "b"}}, "tools[0].filters.type", "invalid_value"),
    ({**_FS, "filters": {"type": "eq", "key": 1, "value": "b"}}, "tools[0].filters.key", "invalid_type"),
    ({**_FS, "filters": {"type": "eq", "key": "a", "value": {}}}, "tools[0].filters.value", "invalid_type"),
    ({**_FS, "filters": {"type": "eq", "key": "a"}}, "tools[0].filters.value", "missing_required_parameter"),
    ({**_FS, "filters": {"type": "eq", "key": "a", "value": 1, "x": 1}}, "tools[0].filters.x", "unknown_parameter"),
    (
        {**_FS, "filters": {"type": "and", "filters": [{"type": "eq", "key": 1, "value": 1}]}},
        "tools[0].filters.filters[0].key",
        "invalid_type",
    ),
    ({**_MCP, "headers": {"Authorization": 1}}, "tools[0].headers.Authorization", "invalid_type"),
    ({**_MCP, "allowed_tools": [1]}, "tools[0].allowed_tools[0]", "invalid_type"),
    ({**_MCP, "allowed_tools": "ask"}, "tools[0].allowed_tools", "invalid_type"),
    ({**_MCP, "allowed_tools": {"read_only": "yes"}}, "tools[0].allowed_tools.read_only", "invalid_type"),
    ({**_MCP, "require_approval": "sometimes"}, "tools[0].require_approval", "invalid_value"),
    ({**_MCP, "require_approval": 1}, "tools[0].require_approval", "invalid_type"),
    (
        {**_MCP, "require_approval": {"always": {"tool_names": "ask"}}},
        "tools[0].require_approval.always.tool_names",
        "invalid_type",
    ),
    ({**_MCP, "require_approval": {"sometimes": {}}}, "tools[0].require_approval.sometimes", "unknown_parameter"),
    ({**_MCP, "connector_id": "connector_myspace"}, "tools[0].connector_id", "invalid_value"),
    ({**_CI, "container": 1}, "tools[0].container", "invalid_type"),
    ({**_CI, "container": {}}, "tools[0].container.type", "missing_required_parameter"),
    ({**_CI, "container": {"type": "manual"}}, "tools[0].container.type", "invalid_value"),
    ({**_CI, "container": {"type": "auto", "file_ids": "f"}}, "tools[0].container.file_ids", "invalid_type"),
    ({**_CI, "container": {"type": "auto", "memory_limit": "2g"}}, "tools[0].container.memory_limit", "invalid_value"),
    ({**_IMG, "background": "green"}, "tools[0].background", "invalid_value"),
    ({**_IMG, "input_fidelity": 1}, "tools[0].input_fidelity", "invalid_type"),
    ({**_IMG, "input_image_mask": {"image_url": 1}}, "tools[0].input_image_mask.image_url", "invalid_type"),
    ({**_IMG, "input_image_mask": "https://x/mask.png"}, "tools[0].input_image_mask", "invalid_type"),
    ({**_IMG, "model": 1}, "tools[0].model", "invalid_type"),
    ({**_IMG, "moderation": "high"}, "tools[0].moderation", "invalid_value"),
    ({**_IMG, "output_compression": "50"}, "tools[0].output_compression", "invalid_type"),
    ({**_IMG, "output_compression": 101}, "tools[0].output_compression", "integer_above_max_value"),
    ({**_IMG, "output_format": "bmp"}, "tools[0].output_format", "invalid_value"),
    ({**_IMG, "partial_images": 1.5}, "tools[0].partial_images", "invalid_type"),
    ({**_IMG, "quality": "ultra"}, "tools[0].quality", "invalid_value"),
    ({**_IMG, "size": 1024}, "tools[0].size", "invalid_type"),
    ({**_CU, "environment": "amiga"}, "tools[0].environment", "invalid_value"),
    ({**_CUSTOM, "format": {}}, "tools[0].format.type", "missing_required_parameter"),
    ({**_CUSTOM, "format": {"type": "json"}}, "tools[0].format.type", "invalid_value"),
    (
        {**_CUSTOM, "format": {"type": "grammar", "syntax": "ebnf", "definition": "a"}},
        "tools[0].format.syntax",
        "invalid_value",
    ),
    (
        {**_CUSTOM, "format": {"type": "grammar", "syntax": "regex"}},
        "tools[0].format.definition",
        "missing_required_parameter",
    ),
    ({**_CUSTOM, "format": {"type": "text", "definition": "a"}}, "tools[0].format.definition", "unknown_parameter"),
]


@pytest.mark.parametrize(("tool", "param", "code"), WRONG_TOOLS)
def test_a_wrong_built_in_tool_setting_is_refused_at_it(
    module_server: ServerThread, tool: dict[str, Any], param: str, code: str
) -> None:
    answer = _post(module_server, tools=[tool])
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error"), error


WRONG_PROMPTS = [
    ({"id": "pmpt_1", "version": 1}, "prompt.version", "invalid_type"),
    ({"id": "pmpt_1", "variables": []}, "prompt.variables", "invalid_type"),
    ({"id": "pmpt_1", "variables": {"city": 1}}, "prompt.variables.city", "invalid_type"),
    (
        {"id": "pmpt_1", "variables": {"city": {"type": "text", "text": "x"}}},
        "prompt.variables.city.type",
        "invalid_value",
    ),
    (
        {"id": "pmpt_1", "variables": {"city": {"type": "input_text", "text": 1}}},
        "prompt.variables.city.text",
        "invalid_type",
    ),
    (
        {"id": "pmpt_1", "variables": {"city": {"type": "input_text"}}},
        "prompt.variables.city.text",
        "missing_required_parameter",
    ),
]


def test_an_image_prompt_variable_without_detail_is_echoed_with_auto(module_server: ServerThread) -> None:
    """The SDK's ResponsePrompt requires an image variable's ``detail``; the API takes one without
    it (``auto`` is its default), so mockai echoes ``auto`` rather than refusing the request."""
    image = {"type": "input_image", "image_url": "https://x/a.png"}
    prompt = {"id": "pmpt_1", "variables": {"map": image, "city": "Lisbon"}}
    response = sdk(module_server.base_url).responses.create(model="gpt-4o-mini", input="hi", prompt=prompt)
    assert response.prompt.variables["map"].detail == "auto" and response.prompt.variables["city"] == "Lisbon"


@pytest.mark.parametrize(("prompt", "param", "code"), WRONG_PROMPTS)
def test_a_wrong_prompt_is_refused_at_it(module_server: ServerThread, prompt: Any, param: str, code: str) -> None:
    answer = _post(module_server, prompt=prompt)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error


_WEB_CALL = {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "x"}}
_FILE_CALL = {"type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["x"]}
_COMPUTER_CALL = {
    "type": "computer_call",
    "id": "cu_1",
    "call_id": "call_c",
    "status": "completed",
    "pending_safety_checks": [],
    "action": {"type": "click", "button": "left", "x": 1, "y": 2},
}
_SCREENSHOT = {
    "type": "computer_call_output",
    "call_id": "call_c",
    "output": {"type": "computer_screenshot", "image_url": "https://x"},
}
_IMAGE_CALL = {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "AAAA"}
_CODE_CALL = {
    "type": "code_interpreter_call",
    "id": "ci_1",
    "status": "completed",
    "code": "1",
    "container_id": "cntr_1",
    "outputs": [],
}
_SHELL_CALL = {
    "type": "local_shell_call",
    "id": "lsh_1",
    "call_id": "call_s",
    "status": "completed",
    "action": {"type": "exec", "command": ["ls"], "env": {}},
}
_SHELL_OUTPUT = {"type": "local_shell_call_output", "id": "lso_1", "output": "a.txt"}
_MCP_TOOLS = {"type": "mcp_list_tools", "id": "ml_1", "server_label": "s", "tools": [{"name": "t", "input_schema": {}}]}
_MCP_ASK = {"type": "mcp_approval_request", "id": "mr_1", "server_label": "s", "name": "t", "arguments": "{}"}
_MCP_ANSWER = {"type": "mcp_approval_response", "approval_request_id": "mr_1", "approve": True}
_MCP_CALL = {"type": "mcp_call", "id": "mc_1", "server_label": "s", "name": "t", "arguments": "{}"}
_SAID = {
    "type": "message",
    "id": "msg_a",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "hi", "annotations": []}],
}


def _with(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**item, **changes}


WRONG_ITEMS = [
    (_with(_WEB_CALL, id=1), "input[0].id", "invalid_type"),
    (_with(_WEB_CALL, status="done"), "input[0].status", "invalid_value"),
    (_with(_WEB_CALL, action=1), "input[0].action", "invalid_type"),
    (_with(_WEB_CALL, action={"type": "search", "query": 1}), "input[0].action.query", "invalid_type"),
    (_with(_WEB_CALL, action={"type": "browse"}), "input[0].action.type", "invalid_value"),
    (
        _with(_WEB_CALL, action={"type": "find_in_page", "url": "https://x"}),
        "input[0].action.pattern",
        "missing_required_parameter",
    ),
    ({k: v for k, v in _WEB_CALL.items() if k != "action"}, "input[0].action", "missing_required_parameter"),
    (_with(_FILE_CALL, queries="x"), "input[0].queries", "invalid_type"),
    (_with(_FILE_CALL, results=[{"score": "high"}]), "input[0].results[0].score", "invalid_type"),
    (_with(_FILE_CALL, results=[{"attributes": {"a": []}}]), "input[0].results[0].attributes.a", "invalid_type"),
    (_with(_COMPUTER_CALL, call_id=1), "input[0].call_id", "invalid_type"),
    (
        _with(_COMPUTER_CALL, action={"type": "click", "button": "middle", "x": 1, "y": 2}),
        "input[0].action.button",
        "invalid_value",
    ),
    (
        _with(_COMPUTER_CALL, action={"type": "scroll", "x": 1, "y": 2, "scroll_x": "s", "scroll_y": 0}),
        "input[0].action.scroll_x",
        "invalid_type",
    ),
    (
        _with(_COMPUTER_CALL, pending_safety_checks=[{"code": "x"}]),
        "input[0].pending_safety_checks[0].id",
        "missing_required_parameter",
    ),
    (_with(_SCREENSHOT, output={"type": "screenshot"}), "input[0].output.type", "invalid_value"),
    (
        _with(_SCREENSHOT, output={"type": "computer_screenshot", "image_url": 1}),
        "input[0].output.image_url",
        "invalid_type",
    ),
    (_with(_IMAGE_CALL, result=1), "input[0].result", "invalid_type"),
    (_with(_IMAGE_CALL, status="done"), "input[0].status", "invalid_value"),
    (_with(_CODE_CALL, outputs=[{"type": "logs", "logs": 1}]), "input[0].outputs[0].logs", "invalid_type"),
    (_with(_CODE_CALL, outputs=[{"type": "video"}]), "input[0].outputs[0].type", "invalid_value"),
    (_with(_CODE_CALL, container_id=None), "input[0].container_id", "invalid_type"),
    (
        _with(_SHELL_CALL, action={"type": "exec", "command": "ls", "env": {}}),
        "input[0].action.command",
        "invalid_type",
    ),
    (
        _with(_SHELL_CALL, action={"type": "exec", "command": ["ls"], "env": {"A": 1}}),
        "input[0].action.env.A",
        "invalid_type",
    ),
    (_with(_SHELL_OUTPUT, output=1), "input[0].output", "invalid_type"),
    (_with(_MCP_TOOLS, tools=[{"name": 1, "input_schema": {}}]), "input[0].tools[0].name", "invalid_type"),
    (_with(_MCP_TOOLS, tools=[{"name": "t"}]), "input[0].tools[0].input_schema", "missing_required_parameter"),
    (_with(_MCP_ASK, arguments={}), "input[0].arguments", "invalid_type"),
    (_with(_MCP_ANSWER, approve="yes"), "input[0].approve", "invalid_type"),
    (_with(_MCP_CALL, output=1), "input[0].output", "invalid_type"),
    (
        _with(_MCP_CALL, error={"type": "http_error", "code": "500", "message": "x"}),
        "input[0].error.code",
        "invalid_type",
    ),
    (
        _with(_SAID, content=[{"type": "output_text", "text": "hi", "annotations": [1]}]),
        "input[0].content[0].annotations[0]",
        "invalid_type",
    ),
    (
        _with(
            _SAID,
            content=[
                {"type": "output_text", "text": "hi", "annotations": [{"type": "url_citation", "url": "https://x"}]}
            ],
        ),
        "input[0].content[0].annotations[0].end_index",
        "missing_required_parameter",
    ),
    (
        _with(_SAID, content=[{"type": "output_text", "text": "hi", "logprobs": [1]}]),
        "input[0].content[0].logprobs[0]",
        "invalid_type",
    ),
    (
        {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": 1}]},
        "input[0].content[0].text",
        "invalid_type",
    ),
    ({"type": "shell_call", "id": 7}, "input[0].id", "invalid_type"),
]


@pytest.mark.parametrize(("item", "param", "code"), WRONG_ITEMS)
def test_a_wrong_built_in_item_is_refused_at_it(module_server: ServerThread, item: Any, param: str, code: str) -> None:
    answer = _post(module_server, input=[item, USER])
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error


def test_a_conversation_s_items_are_checked_alike(module_server: ServerThread) -> None:
    item, param, code = WRONG_ITEMS[3]
    answer = HTTP.post(f"{module_server.base_url}/conversations", json={"items": [item]}, headers=AUTH)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == (param.replace("input", "items"), code), error


# --- what is taken, the strict SDK reads back ------------------------------------------------------

WELL_FORMED_TOOLS: list[dict[str, Any]] = [
    {
        "type": "web_search",
        "search_context_size": "low",
        "external_web_access": True,
        "filters": {"allowed_domains": ["example.com"]},
        "user_location": {
            "type": "approximate",
            "city": "Paris",
            "country": "FR",
            "region": None,
            "timezone": "Europe/Paris",
        },
    },
    {"type": "web_search_2025_08_26", "user_location": None, "filters": None},
    {
        "type": "web_search_preview",
        "search_context_size": "high",
        "search_content_types": ["text", "image"],
        "user_location": {"type": "approximate", "country": "GB"},
    },
    {
        "type": "file_search",
        "vector_store_ids": ["vs_1"],
        "max_num_results": 3,
        "ranking_options": {
            "ranker": "default-2024-11-15",
            "score_threshold": 0.5,
            "hybrid_search": {"embedding_weight": 1, "text_weight": 0.5},
        },
        "filters": {
            "type": "or",
            "filters": [
                {"type": "eq", "key": "lang", "value": "en"},
                {"type": "in", "key": "year", "value": [2024, "2025"]},
            ],
        },
    },
    {"type": "file_search", "vector_store_ids": [], "filters": {"type": "gte", "key": "score", "value": 3}},
    {
        "type": "mcp",
        "server_label": "deepwiki",
        "server_url": "https://mcp.deepwiki.com/mcp",
        "headers": {"X-Key": "k"},
        "allowed_tools": {"tool_names": ["ask"], "read_only": True},
        "require_approval": {"always": {"tool_names": ["write"]}, "never": {"read_only": True}},
        "server_description": "docs",
        "allowed_callers": ["direct"],
    },
    {
        "type": "mcp",
        "server_label": "gmail",
        "connector_id": "connector_gmail",
        "authorization": "tok",
        "allowed_tools": ["search"],
        "require_approval": "always",
    },
    {
        "type": "code_interpreter",
        "container": {
            "type": "auto",
            "file_ids": ["file-1"],
            "memory_limit": "4g",
            "network_policy": {"type": "allowlist", "allowed_domains": ["pypi.org"]},
        },
    },
    {"type": "code_interpreter", "container": "cntr_123"},
    {
        "type": "image_generation",
        "action": "edit",
        "background": "transparent",
        "input_fidelity": "high",
        "input_image_mask": {"image_url": "https://x/mask.png"},
        "model": "gpt-image-1",
        "moderation": "low",
        "output_compression": 50,
        "output_format": "webp",
        "partial_images": 2,
        "quality": "high",
        "size": "1024x1536",
    },
    {"type": "computer_use_preview", "environment": "linux", "display_width": 1280, "display_height": 800},
    {
        "type": "custom",
        "name": "run_sql",
        "format": {"type": "grammar", "syntax": "lark", "definition": 'start: "SELECT"'},
    },
    {"type": "custom", "name": "echo", "format": {"type": "text"}},
]


@pytest.mark.parametrize("tool", WELL_FORMED_TOOLS, ids=lambda tool: str(tool["type"]))
def test_a_well_formed_tool_is_echoed_as_the_sdk_reads_it(module_server: ServerThread, tool: dict[str, Any]) -> None:
    TOOLS.validate_python(tool)  # (an SDK ToolParam)
    response = sdk(module_server.base_url).responses.create(model="gpt-4o", input="hi", store=False, tools=[tool])
    assert [echo.type for echo in response.tools] == [tool["type"]]


def test_a_well_formed_prompt_is_echoed_as_the_sdk_reads_it(module_server: ServerThread) -> None:
    prompt = {
        "id": "pmpt_1",
        "version": "2",
        "variables": {
            "city": "Paris",
            "note": {"type": "input_text", "text": "x"},
            "map": {"type": "input_image", "image_url": "https://x/a.png", "detail": "low"},
            "doc": {"type": "input_file", "file_id": "file-1"},
        },
    }
    PROMPTS.validate_python(prompt)
    response = sdk(module_server.base_url).responses.create(model="gpt-4o", input="hi", store=False, prompt=prompt)
    assert response.prompt is not None and response.prompt.variables is not None
    assert response.prompt.version == "2" and sorted(response.prompt.variables) == ["city", "doc", "map", "note"]


WELL_FORMED_ITEMS: list[list[dict[str, Any]]] = [
    [
        _with(
            _WEB_CALL,
            action={"type": "search", "query": "x", "queries": ["x"], "sources": [{"type": "url", "url": "https://x"}]},
        ),
        USER,
    ],
    [_with(_WEB_CALL, id="ws_2", action={"type": "open_page", "url": "https://x"}), USER],
    [
        _with(
            _WEB_CALL, id="ws_3", status="failed", action={"type": "find_in_page", "url": "https://x", "pattern": "p"}
        ),
        USER,
    ],
    [
        _with(
            _FILE_CALL,
            results=[
                {"file_id": "f", "filename": "a.pdf", "score": 0.5, "text": "t", "attributes": {"k": 1, "b": True}}
            ],
        ),
        USER,
    ],
    [_COMPUTER_CALL, _SCREENSHOT],
    [
        _with(_COMPUTER_CALL, id="cu_2", call_id="call_d", action={"type": "drag", "path": [{"x": 1, "y": 2}]}),
        _with(
            _SCREENSHOT, call_id="call_d", acknowledged_safety_checks=[{"id": "sc_1", "code": None, "message": "ok"}]
        ),
    ],
    [_with(_IMAGE_CALL, result=None, status="generating", output_format="png", size="auto"), USER],
    [_with(_CODE_CALL, outputs=[{"type": "logs", "logs": "1"}, {"type": "image", "url": "https://x"}]), USER],
    [_with(_CODE_CALL, id="ci_2", code=None, outputs=None, status="interpreting"), USER],
    [_SHELL_CALL, _SHELL_OUTPUT],
    [_MCP_TOOLS, USER],
    [_MCP_ASK, _MCP_ANSWER],
    [_with(_MCP_ASK, id="mr_2"), _with(_MCP_ANSWER, approval_request_id="mr_2", id=None, reason=None)],
    [_with(_MCP_CALL, output="x", status="completed", error=None), USER],
    [_with(_MCP_CALL, id="mc_2", error={"type": "mcp_protocol_error", "code": -32600, "message": "bad"}), USER],
    [
        _with(
            _SAID,
            content=[
                {
                    "type": "output_text",
                    "text": "See [x](https://x).",
                    "annotations": [
                        {"type": "url_citation", "url": "https://x", "title": "X", "start_index": 4, "end_index": 18},
                        {"type": "file_citation", "file_id": "file-1", "filename": "a.pdf", "index": 0},
                    ],
                    "logprobs": [{"token": "See", "bytes": [83, 101, 101], "logprob": -0.1, "top_logprobs": []}],
                }
            ],
        ),
        USER,
    ],
]


@pytest.mark.parametrize("items", WELL_FORMED_ITEMS, ids=lambda items: str(items[0]["type"]))
def test_well_formed_items_are_listed_as_the_sdk_reads_them(
    module_server: ServerThread, items: list[dict[str, Any]]
) -> None:
    for item in items:
        ITEMS.validate_python(item)  # (an SDK ResponseInputItemParam)
    _listed_both_ways(module_server, items)


def _listed_both_ways(server: ServerThread, items: list[dict[str, Any]]) -> None:
    """``items`` are taken, and listed (a response's input items, a conversation's items) in a
    shape the strict SDK reads."""
    client = sdk(server.base_url)
    response = client.responses.create(model="gpt-4o", input=items)
    listed = client.responses.input_items.list(response.id, order="asc").data
    assert [item.type for item in listed] == [item.get("type", "message") for item in items]
    conversation = client.conversations.create(items=items)
    kept = client.conversations.items.list(conversation.id, order="asc").data
    assert [item.type for item in kept] == [item.get("type", "message") for item in items]


# --- more of the SDK's own param types, drawn by hypothesis ----------------------------------------


def _image_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """An ImageGeneration param within the spec's ranges (the SDK's type has none)."""
    if "output_compression" in tool:
        tool["output_compression"] = tool["output_compression"] % 101
    if "partial_images" in tool:
        tool["partial_images"] = tool["partial_images"] % 4
    return tool


def _code_interpreter_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A CodeInterpreter param whose ``domain_secrets`` (an ``Iterable``, which hypothesis may draw
    as an empty dict) is a list."""
    container = tool.get("container")
    policy = container.get("network_policy") if isinstance(container, dict) else None
    if isinstance(policy, dict) and isinstance(policy.get("domain_secrets"), dict):
        policy["domain_secrets"] = list(policy["domain_secrets"].values())
    return tool


SDK_TOOLS = st.one_of(
    st.from_type(WebSearchToolParam),
    st.from_type(WebSearchPreviewToolParam),
    st.from_type(tool_param.Mcp),
    st.from_type(tool_param.CodeInterpreter).map(_code_interpreter_tool),
    st.from_type(tool_param.ImageGeneration).map(_image_tool),
    st.from_type(ComputerUsePreviewToolParam),
)
SDK_ITEMS = st.one_of(
    st.from_type(item_params.LocalShellCallOutput),
    st.from_type(item_params.McpApprovalRequest),
    st.from_type(item_params.McpApprovalResponse),
    st.from_type(item_params.ImageGenerationCall),
    st.from_type(item_params.LocalShellCall),
)  # (not the types with an ``Iterable``, which hypothesis may draw as a dict)


def _plain(value: Any) -> Any:
    """A drawn value as JSON: the objects hypothesis draws for a ``Sequence`` or an ``Iterable``
    (tuples, deques, an empty ChainMap, …) as lists."""
    if isinstance(value, dict):
        return {key: _plain(member) for key, member in value.items()}
    if isinstance(value, (str, bytes, int, float)) or value is None:
        return value
    return [_plain(member) for member in value]


def _json_text(value: Any) -> bool:
    """No NUL in a string (the SQLite store is not under test here)."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_json_text(k) and _json_text(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_json_text(v) for v in value)
    return True


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(tool=SDK_TOOLS.map(_plain).filter(_json_text))
def test_any_tool_of_the_sdk_s_types_is_echoed_as_the_sdk_reads_it(module_server: ServerThread, tool: Any) -> None:
    response = sdk(module_server.base_url).responses.create(model="gpt-4o", input="hi", store=False, tools=[tool])
    assert [echo.type for echo in response.tools] == [tool["type"]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(item=SDK_ITEMS.map(_plain).filter(_json_text))
def test_any_item_of_the_sdk_s_types_is_listed_as_the_sdk_reads_it(module_server: ServerThread, item: Any) -> None:
    _listed_both_ways(module_server, [item, USER])
