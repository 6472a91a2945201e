"""``tool_choice`` on ``POST /v1/responses``: the values the spec's ToolChoiceParam allows are taken
and echoed, and the SDK's strict ``Response`` reads them back; other built-in tool types are refused.

An SDK audit: mockai took any built-in tool's type (``web_search``, ``local_shell``,
``tool_search``; ``mcp`` without ``server_label``) and echoed it, and the SDK's strict validation
then failed on every call, streamed or not, because its ``ToolChoice`` union has no such member."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP, sdk

TAKEN = [
    {"type": "web_search_preview"},
    {"type": "file_search"},
    {"type": "code_interpreter"},
    {"type": "image_generation"},
    {"type": "computer_use_preview"},
    {"type": "mcp", "server_label": "deepwiki"},
    {"type": "mcp", "server_label": "deepwiki", "name": "ask_question"},
    {"type": "shell"},
    {"type": "apply_patch"},
    {"type": "programmatic_tool_calling"},
]


@pytest.mark.parametrize("choice", TAKEN, ids=lambda c: "-".join(map(str, c.values())))
def test_a_choice_the_spec_allows_is_echoed_and_read_by_the_strict_sdk(
    module_server: ServerThread, choice: Any
) -> None:
    response = sdk(module_server.base_url).responses.create(model="gpt-4o-mini", input="hi", tool_choice=choice)
    echoed = response.tool_choice.model_dump(exclude_none=True)
    assert echoed == {k: v for k, v in choice.items() if v is not None}


@pytest.mark.parametrize("kind", ["web_search", "web_search_2025_08_26", "local_shell", "tool_search", "bogus"])
def test_another_tool_type_is_refused(module_server: ServerThread, kind: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(module_server.base_url).responses.create(model="gpt-4o-mini", input="hi", tool_choice={"type": kind})
    error = refused.value.body
    assert (error["param"], error["code"]) == ("tool_choice.type", "invalid_value")
    assert error["message"].startswith(f"Invalid value: '{kind}'. Supported values are: 'allowed_tools', ")
    assert error["message"].count("'mcp'") == 1


def test_an_mcp_choice_names_its_server(module_server: ServerThread) -> None:
    body = {"model": "gpt-4o-mini", "input": "hi", "tool_choice": {"type": "mcp"}}
    answer = HTTP.post(f"{module_server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["message"] == "Missing required parameter: 'tool_choice.server_label'."
    assert (error["param"], error["code"]) == ("tool_choice.server_label", "missing_required_parameter")
