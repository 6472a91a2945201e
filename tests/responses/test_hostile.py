"""No request body gives ``/v1/responses`` a 5xx: bodies built from the request's own parameter
names with arbitrary JSON values, and item lists of arbitrary shapes (bounded fuzzing)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockai.responses.request_schema import REQUEST_SCHEMA
from mockai.server.runner import ServerThread
from tests.support.clients import AUTH, HTTP

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
ITEM_KEYS = ["type", "role", "content", "call_id", "name", "arguments", "output", "id", "summary", "text", "input"]
items = st.dictionaries(st.sampled_from(ITEM_KEYS), json_values | st.sampled_from(["message", "function_call"]))


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    names = sorted(REQUEST_SCHEMA["properties"])
    body: dict[str, Any] = draw(st.dictionaries(st.sampled_from(names), json_values, max_size=5))
    body.setdefault("model", draw(st.sampled_from(["gpt-4o", "o4-mini", "gpt-5", "x"])))
    if draw(st.booleans()):
        body["input"] = draw(st.lists(items, max_size=4))
    return body


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies())
def test_no_body_gives_a_server_error(module_server: ServerThread, body: dict[str, Any]) -> None:
    answer = HTTP.post(f"{module_server.base_url}/responses", json=body, headers=AUTH)
    assert answer.status_code < 500, (body, answer.text)
    if answer.status_code == 400:
        error = answer.json()["error"]
        assert error["type"] == "invalid_request_error" and error["message"]
