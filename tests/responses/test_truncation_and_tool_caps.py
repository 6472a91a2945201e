"""``truncation`` and ``max_tool_calls`` through the official SDK: a conversation over the context
window is the real 400 with ``truncation: "disabled"`` (the default) and loses its oldest items
with ``"auto"``; ``max_tool_calls`` caps the function calls of the output."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockai.scenarios.file_format import load_text
from mockai.server.runner import ServerThread
from tests.support import clients

openai = pytest.importorskip("openai")

MODEL = "gpt-4"  # an 8,192-token window: a long conversation is cheap to send
OLD = [
    {"role": "user", "content": "word " * 6000},
    {"role": "assistant", "content": "Noted."},
    {"role": "user", "content": "more " * 3000},
    {"role": "assistant", "content": "Noted too."},
]
RECENT = [{"role": "user", "content": "What now?"}]
TOOL = {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}
RULES = """
- name: three calls
  match: {user_contains: look everything up}
  reply: {tool_calls: [{name: lookup, arguments: {}}, {name: lookup, arguments: {}}, {name: lookup, arguments: {}}]}
"""


@pytest.fixture
def sdk(fresh: ServerThread) -> Iterator[Any]:
    fresh.run(lambda: fresh.state.scenarios.add(load_text(RULES)))
    with clients.sdk(fresh.base_url) as c:
        yield c


def test_over_the_window_without_truncation_is_the_real_400(sdk: Any) -> None:
    for truncation in ("disabled", None):
        extra = {"truncation": truncation} if truncation else {}
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.responses.create(model=MODEL, input=[*OLD, *RECENT], **extra)
        assert caught.value.body == {  # [R:33]
            "message": "Your input exceeds the context window of this model. Please adjust your input and try again.",
            "type": "invalid_request_error",
            "param": "input",
            "code": "context_length_exceeded",
        }


def test_auto_truncation_drops_the_oldest_items(sdk: Any) -> None:
    truncated = sdk.responses.create(model=MODEL, instructions="Be brief.", input=[*OLD, *RECENT], truncation="auto")
    assert truncated.status == "completed" and truncated.truncation == "auto"
    # The first item does not fit beside the rest; from the second on they do: the answer is the
    # one to that shorter conversation, the instructions kept.
    shorter = sdk.responses.create(model=MODEL, instructions="Be brief.", input=[*OLD[1:], *RECENT], store=False)
    assert truncated.output_text == shorter.output_text
    assert truncated.usage.input_tokens == shorter.usage.input_tokens < 8192
    fits = sdk.responses.create(model=MODEL, input=RECENT, truncation="auto", store=False)  # nothing to drop
    assert fits.output_text == sdk.responses.create(model=MODEL, input=RECENT, store=False).output_text


def test_auto_truncation_drops_the_results_of_a_dropped_call(sdk: Any) -> None:
    said = {"role": "assistant", "content": "said " * 5000}  # the call joins this message
    call = {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"}
    result = {"type": "function_call_output", "call_id": "call_1", "output": "found"}
    history = [
        {"role": "user", "content": "word " * 1000},
        said,
        call,
        result,
        {"role": "user", "content": "more " * 3500},
    ]
    truncated = sdk.responses.create(model=MODEL, input=[*history, *RECENT], tools=[TOOL], truncation="auto")
    # The oldest message goes, then the answer that made the call: its result (a tool message
    # answering no call) goes with it, though it would fit.
    shorter = sdk.responses.create(model=MODEL, input=[history[-1], *RECENT], tools=[TOOL], store=False)
    assert truncated.output_text == shorter.output_text
    assert truncated.usage.input_tokens == shorter.usage.input_tokens


def test_max_tool_calls_caps_the_calls(sdk: Any) -> None:
    asked = {"model": "gpt-4.1", "input": "Please look everything up.", "tools": [TOOL], "store": False}
    assert [item.type for item in sdk.responses.create(**asked).output] == ["function_call"] * 3
    capped = sdk.responses.create(**asked, max_tool_calls=2)
    assert [item.type for item in capped.output] == ["function_call"] * 2 and capped.max_tool_calls == 2
    with sdk.responses.stream(**asked, max_tool_calls=1) as stream:
        final = stream.get_final_response()
    assert [item.type for item in final.output] == ["function_call"]
