"""Readable strings for string schemas: formats, regex patterns, lengths, and words steered by the
property name (a ``city`` gets a city, an ``email`` an address, a ``first_name`` a first name).

Used by :mod:`mockai.generate.jsongen.generator` through :class:`StringMaker`; patterns are sampled with
:mod:`mockai.generate.regex_sampler`.
"""

from __future__ import annotations

import ipaddress
import random
import re
import string
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from mockai.generate.jsongen.budget import MAX_VALUE_CHARS, TOO_LONG, WorkBudget
from mockai.generate.jsongen.keywords import UnsatisfiableSchema, count_of
from mockai.generate.jsongen.patterns import search
from mockai.generate.regex_sampler import parse_regex, sample

__all__ = ["WORDS", "StringMaker", "Words", "builtin_phrase"]

Words: TypeAlias = Callable[[random.Random], str]

SAMPLING_TICKS = 128  # ticks for every STEPS_PER_TICK steps of drawing a sample of a pattern

WORDS = (
    "amber", "breeze", "cedar", "delta", "ember", "falcon", "garden", "harbor", "island", "juniper",
    "kettle", "lantern", "meadow", "nectar", "orchid", "pebble", "quartz", "river", "summit", "timber",
    "velvet", "willow", "yonder", "zephyr",
)  # fmt: skip
_CITIES = (
    "San Francisco, CA", "Boston, MA", "Paris, France", "Tokyo, Japan", "London, UK", "Berlin, Germany",
    "Toronto, Canada", "Sydney, Australia",
)  # fmt: skip
_PEOPLE = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Margaret Hamilton",
    "Edsger Dijkstra", "Barbara Liskov",
)  # fmt: skip
_COUNTRIES = ("France", "Japan", "Canada", "Brazil", "Kenya", "Germany", "Australia")
_PERSON_WORDS = frozenset({"name", "author", "owner", "assignee", "recipient", "sender", "customer", "person"})
_NOT_PERSON = frozenset({
    "file", "city", "country", "company", "product", "project", "function", "tool", "model", "host", "domain",
    "place", "event", "team", "brand", "display", "class", "type",
})  # fmt: skip
_CITY_WORDS = frozenset({"city", "location", "town", "destination", "origin", "place"})
_URL_WORDS = frozenset({"url", "uri", "website", "link", "homepage"})


def builtin_phrase(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)}"


def _tokens(name: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    if words:
        last = words[-1]
        if last.endswith("ies") and len(last) > 4:
            words[-1] = last[:-3] + "y"
        elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
            words[-1] = last[:-1]
    return words


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2020, 2026):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _duration(rng: random.Random) -> str:
    days, hours, minutes = rng.randint(1, 30), rng.randint(1, 23), rng.randint(1, 59)
    return rng.choice([f"P{days}D", f"PT{hours}H{minutes}M", f"P{days}DT{hours}H"])


def _email(rng: random.Random) -> str:
    return rng.choice(_PEOPLE).lower().replace(" ", ".") + "@example.com"


def _url(rng: random.Random) -> str:
    return f"https://example.com/{rng.choice(WORDS)}"


def _hostname(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}.example.com"


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date": _date,
    "time": _time,
    "date-time": lambda rng: f"{_date(rng)}T{_time(rng)}",
    "duration": _duration,
    "email": _email,
    "idn-email": _email,
    "hostname": _hostname,
    "idn-hostname": _hostname,
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "ipv6": lambda rng: str(ipaddress.IPv6Address((0x20010DB8 << 96) | rng.getrandbits(96))),
    # pydantic's address, network and interface types (IPvAnyAddress, IPv4Network, …)
    "ipvanyaddress": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "ipv4network": lambda rng: f"10.{rng.randint(0, 255)}.0.0/16",
    "ipv6network": lambda rng: f"2001:db8:{rng.getrandbits(16):x}::/48",
    "ipvanynetwork": lambda rng: f"10.{rng.randint(0, 255)}.0.0/16",
    "ipv4interface": lambda rng: f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}/24",
    "ipv6interface": lambda rng: f"2001:db8::{rng.getrandbits(16):x}/64",
    "ipvanyinterface": lambda rng: f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}/24",
    "uri": _url,
    "iri": _url,
    "uri-reference": _url,
    "iri-reference": _url,
    "uri-template": lambda rng: _url(rng) + "/{id}",
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "json-pointer": lambda rng: f"/{rng.choice(WORDS)}/{rng.randint(0, 9)}",
    "relative-json-pointer": lambda rng: f"{rng.randint(0, 3)}/{rng.choice(WORDS)}",
    "regex": lambda rng: "^[a-z]+$",
}


def _clean(text: str) -> bool:
    return bool(text) and not text[0].isspace() and not text[-1].isspace()


def _fit(text: str, lo: int, hi: int | None, more: Callable[[], str]) -> str:
    """Pad (with more words, space-separated) or cut ``text`` to a length in [lo, hi]; linear in
    the length."""
    words: list[str] = []  # words after ``text``, each preceded by a space
    length = len(text)
    for _ in range(lo):
        if length >= lo:
            break
        word = more()
        if _clean(text) and _clean(word):
            words.append(word)
            length += 1 + len(word)
        else:  # what joining and stripping gives
            text = f"{text}{''.join(' ' + w for w in words)} {word}".strip()
            words, length = [], len(text)
    text += "".join(" " + w for w in words)
    if len(text) < lo:
        text += "x" * (lo - len(text))
    if hi is not None and len(text) > hi:
        cut = text[:hi]
        text = cut.rstrip() if len(cut.rstrip()) >= lo else cut
    return text


class StringMaker:
    """Strings drawn from ``rng``: free text from ``words(rng)``; the work (characters produced,
    candidates checked) is taken from ``budget``."""

    def __init__(self, rng: random.Random, words: Words, budget: WorkBudget) -> None:
        self.rng, self.words, self.budget = rng, words, budget

    def _phrase(self) -> str:
        text = str(self.words(self.rng)).strip()
        return text or builtin_phrase(self.rng)

    def _hinted(self, name: str | None) -> str | None:
        tokens = _tokens(name or "")
        if not tokens:
            return None
        last, before = tokens[-1], tokens[-2] if len(tokens) > 1 else ""
        if last in _CITY_WORDS:
            return self.rng.choice(_CITIES)
        if last == "country":
            return self.rng.choice(_COUNTRIES)
        if last == "email":
            return _FORMATS["email"](self.rng)
        if last in _URL_WORDS:
            return _FORMATS["uri"](self.rng)
        if last == "phone" or (last == "number" and before == "phone"):
            return f"+1-555-01{self.rng.randint(0, 99):02d}"
        if last in _PERSON_WORDS and before not in _NOT_PERSON:
            person = self.rng.choice(_PEOPLE)
            first, last_name = person.split()
            return first if before == "first" else last_name if before == "last" else person
        return None

    def string(self, s: Mapping[str, Any], name: str | None) -> str:
        """A string for the string keywords of ``s``; ``name`` is the property it is for, if any."""
        lo, hi = count_of(s, "minLength") or 0, count_of(s, "maxLength")
        if hi is not None and lo > hi:
            raise UnsatisfiableSchema("minLength is greater than maxLength")
        if lo > MAX_VALUE_CHARS:
            raise UnsatisfiableSchema(TOO_LONG)
        pattern = s.get("pattern")
        make = _FORMATS.get(s["format"]) if isinstance(s.get("format"), str) else None
        formatted = make(self.rng) if make is not None else None
        if isinstance(pattern, str) and (formatted is None or not search(pattern, formatted)):
            return self._matching(pattern, lo, hi)
        if formatted is not None:
            return formatted
        hinted = self._hinted(name)
        if hinted is not None and lo <= len(hinted) and (hi is None or len(hinted) <= hi):
            return hinted
        self.budget.spend(6 + lo // 8)  # about a word drawn for every 8 characters
        return _fit(self._phrase(), lo, hi, lambda: self.rng.choice(WORDS))

    def _sampling_tick(self) -> None:
        self.budget.spend(SAMPLING_TICKS)

    def _matching(self, pattern: str, lo: int, hi: int | None) -> str:
        tree = parse_regex(pattern)
        limit = MAX_VALUE_CHARS if hi is None else min(hi, MAX_VALUE_CHARS)  # longer samples are never used

        def ok(text: str) -> bool:
            if len(text) < lo or (hi is not None and len(text) > hi):
                return False
            self.budget.spend(2 + len(text) // 32)
            return search(pattern, text)

        if tree is not None:
            for attempt in range(40):
                stretch = (0, 3, max(3, lo))[attempt % 3]
                text = sample(tree, self.rng, stretch, limit=limit, tick=self._sampling_tick)
                if text is None:  # longer than any string the schema allows
                    continue
                self.budget.spend(1 + max(0, lo - len(text)) // 4)  # the padding
                pad = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(max(0, lo - len(text))))
                for candidate in (text, text + pad, pad + text):
                    if ok(candidate):
                        return candidate
            if lo:  # too short every time: repetitions drawn on to minLength
                for attempt in range(12):
                    text = sample(tree, self.rng, attempt % 4, limit=limit, tick=self._sampling_tick, at_least=lo)
                    if text is not None and ok(text):
                        return text
        # Best effort for patterns outside the supported subset: a small deterministic search.
        for text in (self._phrase(), *WORDS, "0", "123", "A1", "a", "", "abc123", "x" * max(lo, 1)):
            for candidate in (text, _fit(text, lo, hi, lambda: self.rng.choice(WORDS))):
                if ok(candidate):
                    return candidate
        raise UnsatisfiableSchema(f"could not generate a string matching {pattern!r}")
