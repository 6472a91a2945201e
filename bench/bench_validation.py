"""Time validate_chat_request on a typical and on a rich request body.

    python bench/bench_validation.py [--check]

Prints µs per call (best and median of several rounds) and writes bench/results/validation.json.
Target: a typical request validates in ≤ 20 µs.  With --check, exit 1 when it does not.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from mockai.chat.validation import validate_chat_request
from mockai.core.errors import APIError

TARGET_TYPICAL_US = 20.0
RESULTS = Path(__file__).resolve().parent / "results" / "validation.json"

TYPICAL: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "temperature": 0.7,
}

WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}

RICH: dict[str, Any] = {
    "model": "gpt-4o",
    "messages": [
        {"role": "developer", "content": "Answer in JSON."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What's the weather where this photo was taken?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/paris.jpg", "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1EYWDzueHEp8OsB8jJSEp7WB",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris","unit":"celsius"}'},
                },
                {"id": "call_2", "type": "custom", "custom": {"name": "lookup", "input": "Paris"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1EYWDzueHEp8OsB8jJSEp7WB", "content": '{"temp": 18}'},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "Paris, France"}]},
        {"role": "user", "content": "And tomorrow?"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get the weather for a city",
                "parameters": WEATHER_PARAMETERS,
                "strict": True,
            },
        },
        {"type": "custom", "custom": {"name": "lookup", "description": "Free-text lookup"}},
    ],
    "tool_choice": "auto",
    "parallel_tool_calls": True,
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "forecast", "strict": True, "schema": WEATHER_PARAMETERS},
    },
    "max_completion_tokens": 512,
    "stream": True,
    "stream_options": {"include_usage": True},
    "metadata": {"suite": "bench"},
    "seed": 42,
}

INVALID: dict[str, Any] = {**TYPICAL, "messages": [*TYPICAL["messages"], {"role": "tooool", "content": "x"}]}


def per_call_us(function: Callable[[], object], iterations: int, rounds: int) -> tuple[float, float]:
    """(best, median) µs per call over ``rounds`` rounds of ``iterations`` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            function()
        samples.append((time.perf_counter() - start) / iterations * 1e6)
    return min(samples), statistics.median(samples)


def rejecting(request_body: dict[str, Any]) -> Callable[[], object]:
    def run() -> object:
        try:
            return validate_chat_request(request_body)
        except APIError as error:
            return error

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description="Time validate_chat_request.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a typical request misses the target")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    validate_chat_request(TYPICAL)  # both bodies must be valid, and the validator warm
    validate_chat_request(RICH)
    cases = {
        "typical": (lambda: validate_chat_request(TYPICAL), 100_000),
        "rich": (lambda: validate_chat_request(RICH), 20_000),
        "invalid_role": (rejecting(INVALID), 10_000),
    }
    figures: dict[str, dict[str, float]] = {}
    for name, (function, iterations) in cases.items():
        best, median = per_call_us(function, iterations, args.rounds)
        figures[name] = {"best_us": round(best, 2), "median_us": round(median, 2), "iterations": iterations}
        print(f"{name:>13}: {best:7.2f} µs/call best, {median:7.2f} µs/call median", end="")
        print(f" ({iterations} calls x {args.rounds})")

    met = figures["typical"]["median_us"] <= TARGET_TYPICAL_US
    print(f"target: typical ≤ {TARGET_TYPICAL_US:g} µs: {'met' if met else 'MISSED'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "target_typical_us": TARGET_TYPICAL_US,
        "target_met": met,
        "results": figures,
        "python": platform.python_version(),
        "jsonschema_rs": metadata.version("jsonschema_rs"),
        "machine": platform.machine(),
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
