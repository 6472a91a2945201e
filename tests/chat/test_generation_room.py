"""A request asking for many tool calls to nested schemas is answered, not refused for mockai's
work budget: three choices of three calls each (a list in the prompt) to nested schemas, the body
the any-model property found refused (400 "too complex") when a request's budget was 10 ms."""

from __future__ import annotations

import json
from typing import Any

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP

BODY: dict[str, Any] = json.loads(
    '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather in paris, tokyo and rome"}],"n":3,"max_completion_tokens":1,"tools":[{"type":"function","function":{"name":"a6","parameters":{"type":"object","properties":{"a00000000000000":{"type":"string"}},"required":["a00000000000000"],"additionalProperties":false}}},{"type":"function","function":{"name":"u","parameters":{"type":"object","properties":{"a0":{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false},"minItems":1,"maxItems":3},"minItems":1,"maxItems":3},"a000000000u":{"type":"string"},"a000000000000":{"type":"string"},"a00000":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"a0":{"type":"string"},"a000":{"type":"string"},"a000000":{"type":"string"}},"required":["a","a0","a000","a000000"],"additionalProperties":false},"minItems":1,"maxItems":3}},"required":["a0","a00000","a000000000000","a000000000u"],"additionalProperties":false}}},{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{"aa00":{"type":"object","properties":{"a":{"type":"string"},"a00":{"type":"string"},"a000000000":{"type":"string"}},"required":["a","a00","a000000000"],"additionalProperties":false},"a":{"type":"object","properties":{"a00":{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"number"}},"required":["a"],"additionalProperties":false},"minItems":1,"maxItems":3},"minItems":1,"maxItems":3},"a":{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"a0":{"type":"integer","minimum":0,"maximum":100},"a00":{"type":"string"},"a1":{"type":"string"}},"required":["a","a0","a00","a1"],"additionalProperties":false},"minItems":1,"maxItems":3},"minItems":1,"maxItems":3}},"required":["a","a00"],"additionalProperties":false}},"required":["a","aa00"],"additionalProperties":false}}}],"tool_choice":"auto"}'
)


def test_three_choices_of_three_calls_to_nested_schemas(module_server: ServerThread) -> None:
    answer = HTTP.post(f"{module_server.base_url}/chat/completions", json=BODY, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["choices"]) == 3
