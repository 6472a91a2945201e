"""Built-in tools are checked for what the spec requires of them (``FileSearchTool``, ``MCPTool``,
``CodeInterpreterTool``, ``ComputerUsePreviewTool``) and a few settings' types.

A hostile audit found them checked for their ``type`` only: ``{"type": "file_search"}`` without
``vector_store_ids`` was answered 200 and echoed, and the SDK's strict parsing refused that
Response.  The real API refuses such a tool; its exact words are not recorded, so these are the
words mockai gives every missing parameter and wrong type."""

from __future__ import annotations

from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk


def _create(server: ServerThread, tool: dict[str, Any]) -> Any:
    body = {"model": "gpt-4o", "input": "hi", "store": False, "tools": [tool]}
    return HTTP.post(f"{server.base_url}/responses", json=body, headers=AUTH)


@pytest.mark.parametrize(
    ("tool", "param", "code"),
    [
        ({"type": "file_search"}, "tools[0].vector_store_ids", "missing_required_parameter"),
        ({"type": "file_search", "vector_store_ids": [5]}, "tools[0].vector_store_ids[0]", "invalid_type"),
        (
            {"type": "file_search", "vector_store_ids": ["vs_1"], "max_num_results": {}},
            "tools[0].max_num_results",
            "invalid_type",
        ),
        ({"type": "mcp"}, "tools[0].server_label", "missing_required_parameter"),
        ({"type": "code_interpreter"}, "tools[0].container", "missing_required_parameter"),
        ({"type": "web_search_preview", "search_context_size": 5}, "tools[0].search_context_size", "invalid_type"),
        (
            {"type": "computer_use_preview", "environment": "browser", "display_width": 1024},
            "tools[0].display_height",
            "missing_required_parameter",
        ),
    ],
)
def test_a_malformed_built_in_tool_is_refused(
    module_server: ServerThread, tool: dict[str, Any], param: str, code: str
) -> None:
    answer = _create(module_server, tool)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == param and error["code"] == code and error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "file_search", "vector_store_ids": ["vs_1"], "max_num_results": 5},
        {
            "type": "mcp",
            "server_label": "deepwiki",
            "server_url": "https://mcp.deepwiki.com/mcp",
            "require_approval": "never",
        },
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {"type": "web_search_preview", "search_context_size": "low"},
        {"type": "computer_use_preview", "environment": "browser", "display_width": 1024, "display_height": 768},
    ],
)
def test_a_well_formed_built_in_tool_is_taken_and_the_sdk_reads_the_answer(
    module_server: ServerThread, tool: dict[str, Any]
) -> None:
    response = sdk(module_server.base_url).responses.create(model="gpt-4o", input="hi", store=False, tools=[tool])
    assert response.tools[0].type == tool["type"] and response.output_text
