"""``POST /v1/responses`` refuses what the live API refuses, in its words, in its order.

Every expectation below (status, param, code, message) comes from a 2026 public probe list of
the live API (rows ``[name, body, {status, param, code, message}]`` measured against a gpt-5.x
reasoning model): the facts are written here, nothing is read at test time.  The bodies are
``{"model", "input": "ping", "max_output_tokens": 16}`` plus the fault; the model is a
reasoning model mockai knows (the probes' own is not in mockai's table).
"""

from __future__ import annotations

from typing import Any

import pytest

from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP

MODEL = "gpt-5.5"
_DROP = object()  # a key of the base body left out


def _body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "input": "ping", "max_output_tokens": 16, **extra}
    return {key: value for key, value in body.items() if value is not _DROP}


def _post(base_url: str, body: dict[str, Any]) -> Any:
    return HTTP.post(f"{base_url}/responses", json=body, headers=AUTH)


def _assistant(phase: str = "final_answer", **extra: Any) -> dict[str, Any]:
    """An assistant message as a Response's output has it, sent back."""
    text = {"type": "output_text", "annotations": [], "logprobs": [], "text": "OK"}
    item = {"id": "msg_probe", "type": "message", "status": "completed", "role": "assistant", "phase": phase}
    return {**item, "content": [text], **extra}


def _unknown(name: str, hint: str = "") -> tuple[str, str, str]:
    return name, "unknown_parameter", f"Unknown parameter: '{name}'.{hint}"


def _missing(name: str) -> tuple[str, str, str]:
    return name, "missing_required_parameter", f"Missing required parameter: '{name}'."


def _type(name: str, expected: str, got: str) -> tuple[str, str, str]:
    return name, "invalid_type", f"Invalid type for '{name}': expected {expected}, but got {got} instead."


def _value(name: str, value: str, supported: str) -> tuple[str, str, str]:
    return name, "invalid_value", f"Invalid value: '{value}'. Supported values are: {supported}."


_ITEM_TYPES = (
    "'additional_tools', 'agent_message', 'apply_patch_call', 'apply_patch_call_output', "
    "'code_interpreter_call', 'compaction', 'compaction_trigger', 'computer_call', 'computer_call_output', "
    "'custom_tool_call', 'custom_tool_call_output', 'file_search_call', 'function_call', 'function_call_output', "
    "'image_generation_call', 'item_reference', 'local_shell_call', 'local_shell_call_output', "
    "'mcp_approval_request', 'mcp_approval_response', 'mcp_call', 'mcp_list_tools', 'message', "
    "'multi_agent_call', 'multi_agent_call_output', 'program', 'program_output', 'reasoning', 'shell_call', "
    "'shell_call_output', 'tool_search_call', 'tool_search_output', and 'web_search_call'"
)
_ROLES = "'assistant', 'system', 'developer', and 'user'"
_INCLUDABLE = (
    "'file_search_call.results', 'web_search_call.results', 'web_search_call.action.sources', "
    "'message.input_image.image_url', 'computer_call_output.output.image_url', 'code_interpreter_call.outputs', "
    "'reasoning.encrypted_content', and 'message.output_text.logprobs'"
)
_TIERS = "'auto', 'default', 'fast', 'flex', and 'priority'"
_EFFORTS = "'none', 'minimal', 'low', 'medium', 'high', 'xhigh', or 'max'"
_NOTHING = "One of \"input\" or \"previous_response_id\" or 'prompt' or 'conversation' must be provided."
_TEMPERATURE = ("temperature", None, "Unsupported parameter: 'temperature' is not supported with this model.")
_ROLE_EMPTY = _value("input[0]", "", _ROLES)
_BAD_INCLUDE = _value("include[0]", "bogus.thing", _INCLUDABLE)
_RTOOL = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}

# (id, body, (param, code, message)); every one a 400.
REFUSED: list[tuple[str, dict[str, Any], tuple[str | None, str | None, str]]] = [
    # required parameters: model, then input (absent), before anything else
    ("model absent", _body(model=_DROP), _missing("model")),
    ("model null", _body(model=None), _type("model", "a string", "an object")),
    ("model empty", _body(model=""), ("model", "model_not_found", "The requested model '' does not exist.")),
    ("input absent", _body(input=_DROP), _missing("input")),
    ("input absent, unknown key", _body(input=_DROP, zzz_unknown=1), _missing("input")),
    ("input absent, bad field", _body(input=_DROP, truncation="bogus"), _missing("input")),
    ("input absent, previous id", _body(input=_DROP, previous_response_id="resp_x"), _missing("input")),
    ("input and model absent", _body(input=_DROP, model=_DROP), _missing("model")),
    ("model absent, unknown key", _body(model=_DROP, zzz_unknown=1), _missing("model")),
    # an empty input: after the schema and the stored state, before the model's rules
    ("input []", _body(input=[]), (None, "missing_required_parameter", _NOTHING)),
    ("input ''", _body(input=""), (None, "missing_required_parameter", _NOTHING)),
    ("input [] and temperature", _body(input=[], temperature=0.5), (None, "missing_required_parameter", _NOTHING)),
    ("input [] and unknown key", _body(input=[], zzz_unknown=1), _unknown("zzz_unknown")),
    (
        "input [] and bad field",
        _body(input=[], truncation="bogus"),
        _value("truncation", "bogus", "'auto' and 'disabled'"),
    ),
    (
        "input [] and previous id",
        _body(input=[], previous_response_id="resp_x"),
        ("previous_response_id", "previous_response_not_found", "Previous response with id 'resp_x' not found."),
    ),
    # unknown parameters: chat's messages, and the spelling help (2 edits at most, never a key sent)
    (
        "messages",
        _body(messages=[{"role": "user", "content": "ping"}]),
        (
            None,
            "unsupported_parameter",
            "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. Try "
            "again with the new parameter. See the API documentation for more information: "
            "https://platform.openai.com/docs/api-reference/responses/create.",
        ),
    ),
    ("stop", _body(stop=["ZZ"]), _unknown("stop", " Did you mean 'store'?")),
    ("sto", _body(sto=1), _unknown("sto", " Did you mean 'store'?")),
    ("st", _body(st=1), _unknown("st")),
    ("stre", _body(stre=1), _unknown("stre", " Did you mean 'store' or 'stream'?")),
    ("strem", _body(strem=1), _unknown("strem", " Did you mean 'stream' or 'store'?")),
    ("tool", _body(tool=1), _unknown("tool", " Did you mean 'tools'?")),
    ("usr", _body(usr=1), _unknown("usr", " Did you mean 'user'?")),
    ("inclde", _body(inclde=1), _unknown("inclde", " Did you mean 'include'?")),
    ("inpu", _body(inpu=1), _unknown("inpu")),
    ("modell", _body(modell=1), _unknown("modell")),
    ("seed", _body(seed=1), _unknown("seed")),
    (
        "unknown key before an item's fault",
        _body(input=[{"role": "user", "content": "ping", "bogus": 1}], zzz=1),
        _unknown("zzz"),
    ),
    # types, in the Responses API's words
    ("input null", _body(input=None), _type("input", "a string", "an object")),
    ("input object", _body(input={"a": 1}), _type("input", "one of a string or array of input items", "an object")),
    (
        "input integer",
        _body(input=7, truncation="bogus"),
        _type("input", "one of a string or array of input items", "an integer"),
    ),
    ("input item integer", _body(input=[7]), _type("input[0]", "an input item", "an integer")),
    ("input item null", _body(input=[None]), _type("input[0]", "an input item", "null")),
    ("tools string", _body(tools="x"), _type("tools", "an array of tools", "a string")),
    ("metadata string", _body(metadata="x"), _type("metadata", "a metadata object", "a string")),
    (
        "include string",
        _body(include="wrong type"),
        _type(
            "include",
            "an array of one of 'fil...lts', 'web...lts', 'web...ces', 'mes...url', 'com...url', 'cod...uts', "
            "'rea...ent', or 'mes...obs'",
            "a string",
        ),
    ),
    (
        "tool_choice integer",
        _body(tool_choice=7),
        _type("tool_choice", "one of an object or 'none', 'auto', or 'required'", "an integer"),
    ),
    (
        "effort object",
        _body(reasoning={"effort": {"a": 1}}),
        _type("reasoning.effort", f"one of one of {_EFFORTS} or integer", "an object"),
    ),
    (
        "effort array",
        _body(reasoning={"effort": ["low"]}),
        _type("reasoning.effort", f"one of one of {_EFFORTS} or integer", "an array"),
    ),
    (
        "effort integer",
        _body(reasoning={"effort": 5}),
        _type("reasoning.effort", "one of 'minimal', 'low', 'medium', or 'high'", "an integer"),
    ),
    ("presence_penalty string", _body(presence_penalty="x"), _type("presence_penalty", "a decimal", "a string")),
    (
        "prompt_cache_options string",
        _body(prompt_cache_options="x"),
        _type("prompt_cache_options", "an object", "a string"),
    ),
    # input items: a wrong type or role is the item's fault; a part's kind is the part's
    (
        "item type not a string",
        _body(input=[{"type": 7, "role": "user", "content": "ping"}]),
        _value("input[0]", "", _ITEM_TYPES),
    ),
    ("item type unknown", _body(input=[{"type": "bogus_item"}]), _value("input[0]", "bogus_item", _ITEM_TYPES)),
    ("item role unknown", _body(input=[{"role": "bogus", "content": "ping"}]), _value("input[0]", "bogus", _ROLES)),
    ("item empty", _body(input=[{}]), _ROLE_EMPTY),
    ("item empty, bad field", _body(input=[{}], truncation="bogus"), _ROLE_EMPTY),
    ("item empty, previous id", _body(input=[{}], previous_response_id="resp_x"), _ROLE_EMPTY),
    ("item empty, temperature", _body(input=[{}], temperature=0.5), _ROLE_EMPTY),
    ("item without content", _body(input=[{"role": "user"}]), _missing("input[0].content")),
    (
        "phase on a user item",
        _body(input=[{"role": "user", "content": "ping", "phase": "final_answer"}]),
        _unknown("input[0].phase"),
    ),
    (
        "phase unknown",
        _body(input=[_assistant("bogus"), {"role": "user", "content": "ping"}]),
        _value("input[0].phase", "bogus", "'commentary' and 'final_answer'"),
    ),
    (
        "assistant unknown member",
        _body(input=[_assistant(zzz=1), {"role": "user", "content": "ping"}]),
        _unknown("input[0].zzz"),
    ),
    (
        "assistant input_text",
        _body(
            input=[
                {"role": "assistant", "content": [{"type": "input_text", "text": "x"}]},
                {"role": "user", "content": "ping"},
            ]
        ),
        _value("input[0].content[0]", "input_text", "'output_text' and 'refusal'"),
    ),
    (
        "user output_text",
        _body(input=[{"role": "user", "content": [{"type": "output_text", "text": "x"}]}]),
        _value(
            "input[0].content[0]",
            "output_text",
            "'input_text', 'input_image', 'input_file', 'scoped_content', and 'input_audio'",
        ),
    ),
    (
        "part type unknown",
        _body(input=[{"role": "user", "content": [{"type": "bogus", "text": "x"}]}]),
        _value(
            "input[0].content[0].type",
            "bogus",
            "'input_text', 'input_image', 'input_audio', 'output_text', 'refusal', 'input_file', "
            "'computer_screenshot', 'summary_text', and 'encrypted_content'",
        ),
    ),
    (
        "part without text",
        _body(input=[{"role": "user", "content": [{"type": "input_text"}]}]),
        _missing("input[0].content[0].text"),
    ),
    # a missing member of an object before an unknown one
    ("chat-shaped tool", _body(tools=[{"type": "function", "function": {"name": "f"}}]), _missing("tools[0].name")),
    (
        "chat-shaped tool_choice",
        _body(tools=[_RTOOL], tool_choice={"type": "function", "function": {"name": "f"}}),
        _missing("tool_choice.name"),
    ),
    # enums: values and their order
    (
        "text.format.type",
        _body(text={"format": {"type": "bogus"}}),
        _value("text.format.type", "bogus", "'json_object', 'text', and 'json_schema'"),
    ),
    (
        "reasoning.effort",
        _body(reasoning={"effort": "bogus"}),
        _value("reasoning.effort", "bogus", _EFFORTS.replace(", or", ", and")),
    ),
    (
        "reasoning.summary",
        _body(reasoning={"summary": "bogus"}),
        _value("reasoning.summary", "bogus", "'concise', 'detailed', and 'auto'"),
    ),
    (
        "reasoning.generate_summary",
        _body(reasoning={"generate_summary": "concise"}),
        _unknown("reasoning.generate_summary"),
    ),
    ("service_tier", _body(service_tier="bogus"), _value("service_tier", "bogus", _TIERS)),
    (
        "service_tier object",
        _body(service_tier={"a": 1}),
        _type("service_tier", f"one of {_TIERS.replace(', and', ', or')}", "an object"),
    ),
    ("prompt_cache_options member", _body(prompt_cache_options={"bogus": 1}), _unknown("prompt_cache_options.bogus")),
    (
        "previous_response_id with conversation",
        _body(conversation="conv_x", previous_response_id="resp_x"),
        (
            None,
            "mutually_exclusive_parameters",
            "Mutually exclusive parameters: ''. Ensure you are only providing one of: 'pre..._id' or 'conversation'.",
        ),
    ),
    # the order of the parameters' faults
    ("include before tools", _body(include=["bogus.thing"], tools="x"), _BAD_INCLUDE),
    (
        "moderation before include",
        _body(moderation="x", include=["bogus.thing"]),
        _type("moderation", "an object", "a string"),
    ),
    ("tools before metadata", _body(tools="x", metadata="x"), _type("tools", "an array of tools", "a string")),
    ("text before temperature", _body(text="x", temperature="x"), _type("text", "an object", "a string")),
    (
        "text before context_management",
        _body(text={"verbosity": "bogus"}, context_management="x"),
        _value("text.verbosity", "bogus", "'low', 'medium', and 'high'"),
    ),
    ("top_p before presence_penalty", _body(top_p="x", presence_penalty="x"), _type("top_p", "a decimal", "a string")),
    (
        "stream_options before background",
        _body(stream_options="x", background="x"),
        _type("stream_options", "an object", "a string"),
    ),
    ("user before safety_identifier", _body(user=7, safety_identifier=7), _type("user", "a string", "an integer")),
    (
        "safety_identifier before prompt_cache_options",
        _body(safety_identifier=7, prompt_cache_options="x"),
        _type("safety_identifier", "a string", "an integer"),
    ),
    (
        "prompt_cache_options before prompt_cache_key",
        _body(prompt_cache_options="x", prompt_cache_key=7),
        _type("prompt_cache_options", "an object", "a string"),
    ),
    (
        "truncation before instructions",
        _body(truncation="x", instructions=7),
        _value("truncation", "x", "'auto' and 'disabled'"),
    ),
    ("store before service_tier", _body(store="x", service_tier="bogus"), _type("store", "a boolean", "a string")),
    (
        "top_logprobs before context_management",
        _body(top_logprobs="x", context_management="x"),
        _type("top_logprobs", "an integer", "a string"),
    ),
    # the model's rules: penalties and logprobs on a reasoning model, after every other fault
    (
        "presence_penalty",
        _body(presence_penalty=0.5),
        ("presence_penalty", None, "Unsupported parameter: 'presence_penalty' is not supported with this model."),
    ),
    (
        "frequency_penalty",
        _body(frequency_penalty=0.5),
        ("frequency_penalty", None, "Unsupported parameter: 'frequency_penalty' is not supported with this model."),
    ),
    (
        "top_logprobs",
        _body(top_logprobs=1),
        ("top_logprobs", "unsupported_parameter", "logprobs are not supported with reasoning models."),
    ),
    (
        "include logprobs",
        _body(include=["message.output_text.logprobs"]),
        ("include", "unsupported_parameter", "logprobs are not supported with reasoning models."),
    ),
    (
        "include logprobs and top_logprobs",
        _body(include=["message.output_text.logprobs"], top_logprobs=1),
        ("include", "unsupported_parameter", "logprobs are not supported with reasoning models."),
    ),
    (
        "include logprobs and tools",
        _body(include=["message.output_text.logprobs"], tools="x"),
        _type("tools", "an array of tools", "a string"),
    ),
    ("top_logprobs and temperature", _body(top_logprobs=1, temperature=0.5), _TEMPERATURE),
    (
        "include logprobs and temperature",
        _body(include=["message.output_text.logprobs"], temperature=0.5),
        _TEMPERATURE,
    ),
    (
        "top_logprobs and context_management",
        _body(top_logprobs=1, context_management="x"),
        _type("context_management", "an array of objects", "a string"),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [pytest.param(b, e, id=i) for i, b, e in REFUSED])
def test_refused_as_the_live_api_refuses(
    module_server: ServerThread, body: dict[str, Any], expected: tuple[str | None, str | None, str]
) -> None:
    answer = _post(module_server.base_url, body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"], error["message"]) == expected


# Bodies the live API takes (a probe body whose only fault is ``temperature`` on a reasoning model:
# everything before that passed).
TAKEN: list[tuple[str, list[Any]]] = [
    ("item status", [{"role": "user", "content": "ping", "status": "completed"}]),
    ("item id", [{"role": "user", "content": "ping", "id": "msg_x"}]),
    ("item type", [{"type": "message", "role": "user", "content": "ping"}]),
    ("developer item", [{"role": "developer", "content": "ping"}, {"role": "user", "content": "ping"}]),
    ("round trip", [{"role": "user", "content": "ping"}, _assistant(), {"role": "user", "content": "again"}]),
    (
        "refusal part",
        [{"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}, {"role": "user", "content": "ping"}],
    ),
]


@pytest.mark.parametrize("items", [pytest.param(items, id=name) for name, items in TAKEN])
def test_taken_as_the_live_api_takes(module_server: ServerThread, items: list[Any]) -> None:
    answer = _post(module_server.base_url, _body(input=items, temperature=0.5))
    assert answer.status_code == 400, answer.text
    assert (answer.json()["error"]["param"], answer.json()["error"]["code"]) == ("temperature", None)


def test_penalties_and_the_fast_tier_are_taken_and_echoed(module_server: ServerThread) -> None:
    """On a model with sampling, the penalties are the request's; ``fast`` is answered as
    ``priority`` (the accepted half of the same probe list)."""
    body = {
        "model": "gpt-4o",
        "input": "ping",
        "presence_penalty": 0.5,
        "frequency_penalty": -1,
        "service_tier": "fast",
    }
    answer = _post(module_server.base_url, body)
    assert answer.status_code == 200, answer.text
    response = answer.json()
    assert (response["presence_penalty"], response["frequency_penalty"]) == (0.5, -1.0)
    assert response["service_tier"] == "priority"
    assert "include" not in response and "context_management" not in response


def test_a_prompt_may_carry_the_input(module_server: ServerThread) -> None:
    """``input`` is required unless a ``prompt`` is given (mockai's reading: a reusable prompt's
    messages are its input; the probes show ``input`` required with a previous response id)."""
    answer = _post(module_server.base_url, {"model": "gpt-4o", "prompt": {"id": "pmpt_x"}})
    assert answer.status_code == 200, answer.text


def test_an_effort_the_model_does_not_take(module_server: ServerThread) -> None:
    """The Responses API's sentence (the probe list, on its gpt-5.x model); the supported values
    are mockai's for gpt-5.5 (the probes' model also takes ``max``, which gpt-5.5 does not here)."""
    answer = _post(module_server.base_url, _body(reasoning={"effort": "minimal"}))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == ("reasoning.effort", "unsupported_value")
    assert error["message"] == (
        "Unsupported value: 'minimal' is not supported with the 'gpt-5.5' model. Supported values are: "
        "'none', 'low', 'medium', 'high', and 'xhigh'."
    )


def test_gpt_5_6_takes_the_efforts_and_the_prompt_caching_the_probes_show() -> None:
    """The probe list's own model, gpt-5.6-terra: 'minimal' refused with the values it takes
    (``max`` among them), and ``prompt_cache_retention: in_memory`` refused (24h only)."""
    from tests.support.servers import running_server

    with running_server() as server:
        body = {"model": "gpt-5.6-terra", "input": "ping", "max_output_tokens": 16}
        effort = _post(server.base_url, {**body, "reasoning": {"effort": "minimal"}}).json()["error"]
        assert effort["message"] == (
            "Unsupported value: 'minimal' is not supported with the 'gpt-5.6-terra' model. Supported values are: "
            "'none', 'low', 'medium', 'high', 'xhigh', and 'max'."
        )
        cached = _post(server.base_url, {**body, "prompt_cache_retention": "in_memory"})
        assert cached.status_code == 400
        assert cached.json()["error"] == {
            "message": "This model is compatible only with 24h extended prompt caching",
            "type": "invalid_request_error",
            "param": "prompt_cache_retention",
            "code": "invalid_parameter",
        }
        taken = _post(server.base_url, {**body, "reasoning": {"effort": "max"}})
        assert taken.status_code == 200 and taken.json()["prompt_cache_retention"] == "24h"
