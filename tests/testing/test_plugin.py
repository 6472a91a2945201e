"""The pytest plugin, used the way users use it: a temporary project run by pytester."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

for _name in ("openai", "aiohttp", "httpx", "requests", "yaml"):
    pytest.importorskip(_name)


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return {k: v for k, v in result.parseoutcomes().items() if k not in ("seconds", "warnings")}


def test_fixture_is_zero_config_and_points_the_environment_at_the_mock(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://outer.invalid/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-outer")
    project.makepyfile(
        """
        import os
        import openai

        def test_plain(mockai):
            assert mockai.base_url.startswith("http://127.0.0.1:")
            assert mockai.base_url.endswith("/v1")
            assert os.environ["OPENAI_BASE_URL"] == mockai.base_url
            assert os.environ["OPENAI_API_KEY"] == mockai.api_key
            client = openai.OpenAI()  # no arguments: the environment says where
            reply = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
            )
            assert reply.choices[0].message.content
            assert mockai.requests.call_count == 1
            assert mockai.requests.last.last_user_message == "hello"
            assert mockai.requests.last.source == "seeded"

        def test_without_the_fixture_the_environment_is_restored():
            assert os.environ["OPENAI_BASE_URL"] == "http://outer.invalid/v1"
            assert os.environ["OPENAI_API_KEY"] == "sk-outer"
        """
    )
    result = project.runpytest("-p", "no:randomly")
    assert outcomes(result) == {"passed": 2}, result.stdout.str()


def test_each_test_sees_only_its_own_requests(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", [3, 1, 2])
        def test_isolated(mockai, n):
            assert mockai.requests.call_count == 0
            client = mockai.openai(max_retries=0)
            for i in range(n):
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{i}"}]
                )
            log = mockai.requests
            assert [r.last_user_message for r in log] == [f"q{i}" for i in range(n)]
            assert [r.seq for r in log] == list(range(1, n + 1))
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"passed": 3}, result.stdout.str()


SEED_PROJECT = """
import pytest

def answer(mockai):
    client = mockai.openai(max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "tell me something"}]
    )
    return reply.choices[0].message.content

@pytest.mark.mockai(seed=11)
def test_marker(mockai, record):
    record("marker", mockai.config.seed, answer(mockai))

def test_config_default(mockai, record):
    record("config", mockai.config.seed, answer(mockai))
"""

SEED_CONFTEST = """
import json, os, pytest

@pytest.fixture(scope="session")
def mockai_config():
    return {"seed": 5}

@pytest.fixture
def record():
    def write(name, seed, text):
        with open(os.environ["SEEDS_OUT"], "a") as f:
            f.write(json.dumps([name, seed, text]) + "\\n")
    return write
"""


def _seed_run(project: pytest.Pytester, out: Path, *args: str) -> dict[str, tuple[int, str]]:
    if out.exists():
        out.unlink()
    result = project.runpytest(*args)
    assert outcomes(result) == {"passed": 2}, result.stdout.str()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return {name: (seed, text) for name, seed, text in rows}


def test_precedence_command_line_over_marker_over_mockai_config(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = project.path / "seeds.jsonl"
    monkeypatch.setenv("SEEDS_OUT", str(out))
    project.makeconftest(SEED_CONFTEST)
    project.makepyfile(SEED_PROJECT)

    plain = _seed_run(project, out)
    assert plain["marker"][0] == 11  # marker > mockai_config
    assert plain["config"][0] == 5  # mockai_config > built-in default
    assert plain["marker"][1] != plain["config"][1], "the seed must change the seeded answer"

    forced = _seed_run(project, out, "--mockai-seed", "11")
    assert forced["marker"][0] == forced["config"][0] == 11  # command line > everything
    assert forced["config"][1] == plain["marker"][1], "same seed, same request: same answer"


def test_a_bad_setting_is_a_clear_setup_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mockai(sede=3)
        def test_typo(mockai):
            pass

        @pytest.mark.mockai(scenario="nowhere.yaml")
        def test_missing_file(mockai):
            pass

        @pytest.mark.mockai(seed="7")
        def test_wrong_type(mockai):
            pass
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"errors": 3}, result.stdout.str()
    text = result.stdout.str()
    assert "mockai setting seed='7': expected int" in text
    # (a did-you-mean, as YAML and builder keys get: a plugin audit missed it here)
    assert "@pytest.mark.mockai: unknown mockai setting(s) ['sede'] ('sede': did you mean 'seed'?); known: " in text
    assert f"mockai scenario 'nowhere.yaml' not found (looked for {project.path / 'nowhere.yaml'})" in text
    assert "Traceback" not in text


def test_markers_on_module_class_and_function_merge_closest_first(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.mockai(seed=3, strict=False)

        def test_module_level(mockai):
            assert (mockai.config.seed, mockai.strict) == (3, False)

        @pytest.mark.mockai(seed=4)
        class TestClass:
            def test_class_level(self, mockai):
                assert (mockai.config.seed, mockai.strict) == (4, False)

            @pytest.mark.mockai(strict=True)
            def test_function_level(self, mockai):
                assert (mockai.config.seed, mockai.strict) == (4, True)
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"passed": 3}, result.stdout.str()


def test_async_tests_and_other_http_clients(project: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    project.makepyfile(
        """
        import aiohttp
        import httpx
        import openai
        import pytest
        import requests

        BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]}

        @pytest.mark.asyncio
        async def test_asyncio_with_async_openai(mockai):
            async with mockai.async_openai(max_retries=0) as client:
                reply = await client.chat.completions.create(**BODY)
                stream = await client.chat.completions.create(**BODY, stream=True)
                text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text == reply.choices[0].message.content
            assert [r.stream for r in mockai.requests] == [False, True]

        @pytest.mark.asyncio
        async def test_asyncio_with_aiohttp(mockai):
            headers = {"Authorization": f"Bearer {mockai.api_key}"}
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    mockai.base_url + "/chat/completions", json=BODY, headers=headers
                ) as response:
                    assert response.status == 200
                    assert (await response.json())["object"] == "chat.completion"
            assert mockai.requests.assert_called_once().headers["authorization"] == "<redacted>"

        @pytest.mark.anyio
        async def test_anyio_with_httpx(mockai):
            headers = {"Authorization": f"Bearer {mockai.api_key}"}
            async with httpx.AsyncClient(base_url=mockai.base_url, headers=headers) as client:
                response = await client.post("/chat/completions", json=BODY)
            assert response.status_code == 200
            mockai.requests.assert_called_once()

        def test_sync_openai_with_no_arguments(mockai):
            reply = openai.OpenAI().chat.completions.create(**BODY)
            assert reply.object == "chat.completion"
            mockai.requests.assert_called_once()

        def test_requests(mockai):
            response = requests.post(
                mockai.base_url + "/chat/completions", json=BODY,
                headers={"Authorization": f"Bearer {mockai.api_key}"},
            )
            assert response.status_code == 200
            assert response.json()["choices"][0]["message"]["role"] == "assistant"
            mockai.requests.assert_called_once()
        """
    )
    result = project.runpytest("-p", "anyio", "-p", "asyncio")
    assert outcomes(result) == {"passed": 5}, result.stdout.str()


def test_a_subprocess_in_another_language_uses_the_mock(project: pytest.Pytester) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    project.makepyfile(
        """
        import json
        import subprocess

        def test_curl(mockai):
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "from curl"}]}
            out = subprocess.run(
                ["sh", "-c", 'curl -sS "$OPENAI_BASE_URL/chat/completions" '
                 '-H "Authorization: Bearer $OPENAI_API_KEY" -H "Content-Type: application/json" -d @-'],
                input=json.dumps(body), capture_output=True, text=True, check=True, timeout=30,
            ).stdout
            assert json.loads(out)["object"] == "chat.completion"
            assert mockai.requests.last.last_user_message == "from curl"
            assert mockai.requests.last.headers["user-agent"].startswith("curl/")
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"passed": 1}, result.stdout.str()


def test_xdist_workers_each_get_their_own_server(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    out = project.path / "ports"
    out.mkdir()
    monkeypatch.setenv("PORTS_OUT", str(out))
    project.makepyfile(
        """
        import os
        import pytest
        from urllib.parse import urlsplit

        @pytest.mark.parametrize("i", range(8))
        def test_isolated(mockai, i):
            assert mockai.requests.call_count == 0
            client = mockai.openai(max_retries=0)
            for _ in range(i % 3 + 1):
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"test {i}"}]
                )
            assert {r.last_user_message for r in mockai.requests} == {f"test {i}"}
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            port = urlsplit(mockai.base_url).port
            with open(os.path.join(os.environ["PORTS_OUT"], f"{worker}-{i}"), "w") as f:
                f.write(str(port))
        """
    )
    result = project.runpytest("-n", "2")
    assert outcomes(result) == {"passed": 8}, result.stdout.str()
    by_worker: dict[str, set[str]] = {}
    for path in out.iterdir():
        by_worker.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert set(by_worker) == {"gw0", "gw1"}, by_worker
    assert all(len(ports) == 1 for ports in by_worker.values()), "one server per worker"
    assert by_worker["gw0"] != by_worker["gw1"], "workers must not share a server"


def test_env_is_restored_even_when_the_test_fails(project: pytest.Pytester) -> None:
    before = os.environ.get("OPENAI_BASE_URL")
    project.makepyfile(
        """
        def test_fails(mockai):
            assert False, "boom"
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"failed": 1}, result.stdout.str()
    assert os.environ.get("OPENAI_BASE_URL") == before


STRICT_TESTS = """
import openai
import pytest

def ask(text):
    client = openai.OpenAI(max_retries=0)
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )

def test_reply_never_used(mockai):
    mockai.on(user_contains="weather", name="weather").reply("Sunny.")
    mockai.on(user_contains="time", name="clock").reply("Noon.").then("One.")
    assert ask("what time is it?").choices[0].message.content == "Noon."

def test_request_matched_nothing(mockai):
    mockai.on(user_contains="weather", name="weather").reply("Sunny.").optional()
    with pytest.raises(openai.NotFoundError):
        ask("what is the wether in Boston?")

@pytest.mark.mockai(strict=False)
def test_not_strict(mockai):
    mockai.on(user_contains="weather").reply("Sunny.")
    with pytest.raises(openai.NotFoundError):
        ask("hello")

def test_all_used(mockai):
    mockai.on(user_contains="weather").reply("Sunny.")
    assert ask("weather?").choices[0].message.content == "Sunny."

def test_fails_on_its_own(mockai):
    mockai.on(user_contains="weather", name="weather").reply("Sunny.")
    assert 1 + 1 == 3
"""


def test_strict_teardown_names_the_rule_and_the_differing_field(project: pytest.Pytester) -> None:
    project.makepyfile(STRICT_TESTS)
    result = project.runpytest("-rA")
    assert outcomes(result) == {"passed": 4, "failed": 1, "errors": 2}, result.stdout.str()
    text = result.stdout.str()
    # Unused replies: the teardown of a passing test fails, naming each rule and how it was used.
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_reply_never_used*",
            "mockai: 2 rule(s) with scripted replies never used:",
            '  - rule "weather" (*.py:11): never matched, written for 1',
            '  - rule "clock" (*.py:12): answered 1 time(s), written for 2',
            "(strict mode: pass strict=False to allow this)",
        ]
    )
    # An unmatched request: the closest rule and the field that differed.
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_request_matched_nothing*",
            "mockai: 1 request(s) matched no rule:",
            "  - request #1: No scenario rule matched this request*",
            '*rule "weather" (*.py:16): user_contains: expected "weather", got "what is the wether in Boston?"',
        ]
    )
    # A test that fails by itself is not failed twice: mockai's report is a section of its failure.
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails_on_its_own _*",
            "*assert (1 + 1) == 3",
            "*- mockai -*",
            '  - rule "weather" (*.py:31): never matched, written for 1',
        ]
    )
    summary = text.split("short test summary info")[1]
    assert "ERROR test_strict_teardown_names_the_rule_and_the_differing_field.py::test_not_strict" not in summary
    assert "ERROR test_strict_teardown_names_the_rule_and_the_differing_field.py::test_all_used" not in summary
    assert "Traceback" not in text


def test_marker_scenario_files_and_the_scenarios_directory(project: pytest.Pytester) -> None:
    scenario = """
- name: greet
  match: {user_contains: hello}
  reply: {content: "Hello from WHERE!"}
"""
    project.path.joinpath("next_to_test.yaml").write_text(scenario.replace("WHERE", "the test folder"))
    project.mkdir("scen").joinpath("next_to_test.yaml").write_text(scenario.replace("WHERE", "scen/"))
    project.path.joinpath("broken.yaml").write_text("- match: {user_contain: hello}\n  reply: hi\n")
    project.makepyfile(
        """
        import pytest

        def greet(mockai):
            client = mockai.openai(max_retries=0)
            reply = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}]
            )
            return reply.choices[0].message.content

        @pytest.mark.mockai(scenario="next_to_test.yaml")
        def test_scenario(mockai, request):
            expected = request.config.getoption("--mockai-scenarios") and "scen/" or "the test folder"
            assert greet(mockai) == f"Hello from {expected}!"
            assert [r.name for r in mockai.rules] == ["greet"]
            assert mockai.requests.last.rule == "greet"

        @pytest.mark.mockai(scenario="broken.yaml")
        def test_broken(mockai):
            pass
        """
    )
    result = project.runpytest()
    assert outcomes(result) == {"passed": 1, "errors": 1}, result.stdout.str()
    result.stdout.fnmatch_lines(["*ERROR at setup of test_broken*", "*mockai:*broken.yaml*user_contain*"])
    assert "Traceback" not in result.stdout.str()

    result = project.runpytest("--mockai-scenarios", "scen", "-k", "test_scenario")
    assert outcomes(result) == {"passed": 1, "deselected": 1}, result.stdout.str()


def test_a_hung_request_does_not_leak_into_the_next_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import threading
        import time
        import openai

        ERRORS = []
        THREADS = []

        def wait_for(condition, timeout=10.0):
            deadline = time.monotonic() + timeout
            while not condition():
                assert time.monotonic() < deadline, "timed out"
                time.sleep(0.005)

        def test_leaves_requests_running(mockai):
            mockai.on(user_contains="hang").reply("never").hang()
            mockai.on(user_contains="slow").reply("a b c d e f").stream(chunk_delay=0.5)

            def call(text, stream):
                client = openai.OpenAI(max_retries=0, timeout=30)
                try:
                    result = client.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], stream=stream
                    )
                    if stream:
                        for _ in result:
                            pass
                except Exception as exc:  # the connection was dropped: how it surfaces varies
                    ERRORS.append(exc)
                else:
                    ERRORS.append(None)

            for text, stream in (("hang", False), ("slow", True)):
                thread = threading.Thread(target=call, args=(text, stream), daemon=True)
                thread.start()
                THREADS.append(thread)
            wait_for(lambda: mockai.in_flight == 2)

        def test_next_test_starts_clean(mockai):
            # The requests of the previous test were cancelled when it ended: their clients failed,
            # and nothing of theirs shows up here.
            for thread in THREADS:
                thread.join(10)
            assert len(ERRORS) == 2 and all(ERRORS), ERRORS
            assert mockai.in_flight == 0
            assert mockai.requests.call_count == 0
            reply = mockai.openai(max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hang"}]
            )
            assert reply.choices[0].message.content
            assert [r.source for r in mockai.requests] == ["seeded"]
        """
    )
    result = project.runpytest("-p", "no:randomly")
    assert outcomes(result) == {"passed": 2}, result.stdout.str()
