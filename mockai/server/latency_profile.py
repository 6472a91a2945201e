"""Latency profiles: seeded distributions for time-to-first-token and inter-token latency, a
tokens-per-second cap, and the ``--latency-profile`` spec that names them.

Spec: ``;``-separated settings, optionally starting with a preset name::

    ttft=lognormal:median=0.3,p99=1.2;itl=lognormal:median=0.02,p99=0.08;tps=80
    gpt-4o-mini;tps=40                   # a preset, with one setting changed

* ``ttft``: seconds until the first token (the response headers and first chunk);
* ``itl``: seconds between tokens (a streamed event of k tokens waits k draws);
* ``tps``: a cap in tokens per second (an event of k tokens waits at least k / tps).

A distribution is a number (``0.25``, ``250ms``: always that), ``fixed:0.25``,
``uniform:min=0.1,max=0.5`` or ``lognormal:median=0.3,p99=1.2`` (the log-normal with that median
and 99th percentile).  Any of them takes ``max=`` to clip the tail.  Times are seconds, or
milliseconds with ``ms``.  A bad spec raises :class:`ValueError` naming what is wrong.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["PRESETS", "Distribution", "LatencyProfile", "parse_profile"]

_Z99 = NormalDist().inv_cdf(0.99)

# Illustrative shapes, not measurements of any vendor: pick one, or write your own spec.
PRESETS: dict[str, str] = {
    "instant": "ttft=0;itl=0",
    "fast": "ttft=lognormal:median=0.05,p99=0.2;itl=lognormal:median=0.004,p99=0.015",
    "gpt-4o-mini": "ttft=lognormal:median=0.35,p99=1.5;itl=lognormal:median=0.01,p99=0.04;tps=150",
    "gpt-4o": "ttft=lognormal:median=0.5,p99=2;itl=lognormal:median=0.015,p99=0.06;tps=100",
    "reasoning": "ttft=lognormal:median=3,p99=15,max=60;itl=lognormal:median=0.01,p99=0.04;tps=150",
    "slow": "ttft=lognormal:median=2,p99=8,max=30;itl=lognormal:median=0.06,p99=0.25;tps=20",
}


@dataclass(frozen=True, slots=True)
class Distribution:
    """``kind`` is ``fixed`` (``a``), ``uniform`` (``a`` to ``b``) or ``lognormal`` (mu ``a``, sigma ``b``)."""

    kind: str
    a: float
    b: float = 0.0
    cap: float = math.inf
    text: str = ""

    def sample(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            value = self.a
        elif self.kind == "uniform":
            value = rng.uniform(self.a, self.b)
        else:
            value = rng.lognormvariate(self.a, self.b) if self.b > 0 else math.exp(self.a)
        return min(value, self.cap)

    @property
    def zero(self) -> bool:
        return self.kind == "fixed" and self.a == 0


ZERO = Distribution("fixed", 0.0, text="0")


@dataclass(frozen=True, slots=True)
class LatencyProfile:
    ttft: Distribution = ZERO
    itl: Distribution = ZERO
    tps: float | None = None
    spec: str = ""

    @property
    def instant(self) -> bool:
        return self.ttft.zero and self.itl.zero and self.tps is None

    def event_delay(self, rng: random.Random, tokens: int) -> float:
        """Seconds an event of ``tokens`` tokens takes: ``tokens`` inter-token draws, at least tokens / tps."""
        delay = sum(self.itl.sample(rng) for _ in range(tokens)) if not self.itl.zero else 0.0
        if self.tps:
            delay = max(delay, tokens / self.tps)
        return delay


def parse_profile(spec: str) -> LatencyProfile:
    """The profile a ``--latency-profile`` value (preset name and/or settings) describes."""
    text = spec.strip()
    if not text:
        raise ValueError("latency profile: empty; give a preset (" + ", ".join(PRESETS) + ") or settings")
    parts = [p.strip() for p in text.split(";") if p.strip()]
    settings: dict[str, str] = {}
    if "=" not in parts[0]:
        name = parts.pop(0)
        if name not in PRESETS:
            raise ValueError(f"latency profile: no preset {name!r}; presets: {', '.join(PRESETS)}")
        settings.update(_settings(PRESETS[name], spec))
    for part in parts:
        settings.update(_settings(part, spec))
    return LatencyProfile(
        ttft=_distribution(settings["ttft"], "ttft", spec) if "ttft" in settings else ZERO,
        itl=_distribution(settings["itl"], "itl", spec) if "itl" in settings else ZERO,
        tps=_tps(settings["tps"], spec) if "tps" in settings else None,
        spec=text,
    )


def _settings(text: str, spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("ttft", "itl", "tps"):
            raise ValueError(
                f"latency profile {spec!r}: {part!r} is not a setting; settings are ttft=…, itl=… and tps=… "
                "separated by ';' (e.g. ttft=lognormal:median=0.3,p99=1.2;itl=0.02;tps=80)"
            )
        out[key] = value.strip()
    return out


def _seconds(value: str, what: str, spec: str) -> float:
    raw = value.strip().lower()
    scale = 1.0
    if raw.endswith("ms"):
        raw, scale = raw[:-2], 0.001
    elif raw.endswith("s"):
        raw = raw[:-1]
    try:
        seconds = float(raw) * scale
    except ValueError:
        raise ValueError(f"latency profile {spec!r}: {what} {value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"latency profile {spec!r}: {what} must be a finite number ≥ 0, not {value!r}")
    return seconds


def _tps(value: str, spec: str) -> float:
    try:
        tps = float(value)
    except ValueError:
        raise ValueError(f"latency profile {spec!r}: tps {value!r} is not a number of tokens per second") from None
    if not math.isfinite(tps) or tps <= 0:
        raise ValueError(f"latency profile {spec!r}: tps must be a positive number, not {value!r}")
    return tps


_USAGE = {
    "fixed": "fixed:SECONDS",
    "uniform": "uniform:min=SECONDS,max=SECONDS",
    "lognormal": "lognormal:median=SECONDS,p99=SECONDS[,max=SECONDS]",
}


def _distribution(value: str, name: str, spec: str) -> Distribution:
    kind, sep, rest = value.partition(":")
    kind = kind.strip().lower()
    if not sep:
        return Distribution("fixed", _seconds(value, name, spec), text=value)
    if kind not in _USAGE:
        raise ValueError(f"latency profile {spec!r}: {name}: unknown distribution {kind!r}; use {', '.join(_USAGE)}")
    if kind == "fixed":
        return Distribution("fixed", _seconds(rest, name, spec), text=value)
    params: dict[str, float] = {}
    for item in (p.strip() for p in rest.split(",") if p.strip()):
        key, eq, number = item.partition("=")
        if not eq:
            raise ValueError(f"latency profile {spec!r}: {name}: {item!r} is not key=value; write {_USAGE[kind]}")
        params[key.strip().lower()] = _seconds(number, f"{name} {key.strip()}", spec)
    cap = params.pop("max", math.inf)
    needed = ("min", "max") if kind == "uniform" else ("median", "p99")
    if kind == "uniform":
        params.setdefault("max", cap)  # uniform's own max is its upper bound
        cap = math.inf
    missing = [k for k in needed if k not in params or (k == "max" and math.isinf(params[k]))]
    unknown = sorted(set(params) - set(needed))
    if missing or unknown:
        what = f"needs {', '.join(missing)}" if missing else f"does not take {', '.join(unknown)}"
        raise ValueError(f"latency profile {spec!r}: {name}: {kind} {what}; write {_USAGE[kind]}")
    if kind == "uniform":
        low, high = params["min"], params["max"]
        if high < low:
            raise ValueError(f"latency profile {spec!r}: {name}: uniform max {high} is below min {low}")
        return Distribution("uniform", low, high, text=value)
    median, p99 = params["median"], params["p99"]
    if median <= 0 or p99 < median:
        raise ValueError(
            f"latency profile {spec!r}: {name}: lognormal needs 0 < median ≤ p99 (got median {median}, p99 {p99})"
        )
    sigma = (math.log(p99) - math.log(median)) / _Z99
    return Distribution("lognormal", math.log(median), sigma, cap, text=value)
