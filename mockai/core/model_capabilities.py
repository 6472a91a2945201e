"""What each model family can do: the facts the real API's answers and refusals depend on.

One table, :data:`FAMILIES`, matched by the longest prefix of a model id (a dated snapshot finds its
family by prefix).  An id matching no family is a generic non-reasoning chat model
(:data:`GENERIC`), as unknown ids are accepted by default.  Each fact carries its source:

* [models] the model's page in the platform docs (context window, max output tokens,
  modalities, supported features and endpoints), as of 2025-12;
* [reasoning] the reasoning guide: efforts per family and their defaults (``minimal`` from gpt-5,
  ``none`` from gpt-5.1, whose default it is), and that reasoning models take only the default
  sampling parameters and no logprobs;
* [audio] the audio guide: ``modalities: ["text", "audio"]`` on the audio-preview and gpt-audio
  models, voices and formats;
* [predicted] the predicted-outputs guide: gpt-4o, gpt-4o-mini and the gpt-4.1 family only;
* [search] the web-search guide: the ``*-search-preview`` models, which take no sampling
  parameters;
* [vision] the vision guide's image costs: tiles (gpt-4o and gpt-4.1: 85 + 170 a tile; gpt-4o-mini
  2,833 + 5,667; o1/o3 75 + 150; gpt-5 70 + 140; computer-use-preview 65 + 129) or 32-px patches
  times a rate (gpt-4.1-mini and gpt-5-mini 1.62, gpt-4.1-nano and gpt-5-nano 2.46, o4-mini 1.72);
* [R:NN] a recording in the conformance material.

``docs/models.md`` is generated from this table (``python -m mockai.core.model_capabilities``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace

__all__ = ["FAMILIES", "GENERIC", "Capabilities", "capabilities", "markdown_table"]

EFFORTS_O = ("low", "medium", "high")
EFFORTS_GPT5 = ("minimal", "low", "medium", "high")
EFFORTS_GPT51 = ("none", "low", "medium", "high")
# [audio] the built-in voices for chat audio output: the openai SDK's ``ChatCompletionAudioParam``
# (3.57: the ``Voice`` literal plus the voices its docstring names: fable, nova, onyx) and the
# spec's ``VoiceIdsShared``; a custom voice is an object ``{"id": "voice_…"}``.
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
AUDIO_FORMATS = ("wav", "aac", "mp3", "flac", "opus", "pcm16")


@dataclass(frozen=True, slots=True)
class Capabilities:
    family: str
    reasoning: bool = False
    efforts: tuple[str, ...] = ()  # the reasoning_effort values it takes
    default_effort: str | None = None
    verbosity: bool = False  # takes the `verbosity` parameter
    sampling: bool = True  # temperature, top_p and penalties other than their defaults
    logprobs: bool = True
    n: bool = True  # n > 1
    max_tokens_param: bool = True  # the legacy `max_tokens` (o-series and gpt-5 want max_completion_tokens)
    system_role: bool = True  # takes system / developer messages
    tools: bool = True
    context_window: int = 128_000
    max_output_tokens: int = 16_384
    inputs: frozenset[str] = field(default_factory=lambda: frozenset({"text"}))  # text, image, audio, file
    audio_output: bool = False
    search: bool = False
    predicted_outputs: bool = False
    service_tier: str = "default"
    # What a Response echoes as ``top_p`` when the request is silent: 0.98 from gpt-5.2 on ([R:23]
    # gpt-5.2, [R:22] gpt-5.4, conformance/responses §3a gpt-5.5).
    default_top_p: float = 1.0
    # A Response's message item says ``"phase": "final_answer"`` (gpt-5.4 on [R:22], §3b).
    message_phase: bool = False
    # The ``prompt_cache_retention`` values it takes, the first its default (gpt-5.6: "24h" only,
    # the 2026 probe list of the live API: "This model is compatible only with 24h extended prompt
    # caching").
    prompt_cache_retentions: tuple[str, ...] = ("in_memory", "24h")
    # A Response's ``reasoning.context`` when the request gives none: "current_turn" (gpt-5-nano
    # [R:04], gpt-5.2 [R:23]); "all_turns" for gpt-5.6 (the openai-node 7.60 types: "The gpt-5.6
    # model family defaults to all_turns").
    reasoning_context: str = "current_turn"
    # [vision] What an image costs: a base and a price per 512-px tile (the image fit in 2048 px,
    # then its short side in 768); ``image_patch_rate`` > 0: 32-px patches (at most 1,536) times it
    # instead.  gpt-4o's 85 and 170 give the 1,105 tokens of [T:02]'s image.
    image_base: int = 85
    image_tile: int = 170
    image_patch_rate: float = 0.0
    # Served on /v1/chat/completions; False: a Responses-only model ([spec] ``ResponsesOnlyModel``),
    # which chat refuses with the live API's 404.
    chat: bool = True

    @property
    def voices(self) -> tuple[str, ...]:
        return VOICES if self.audio_output else ()

    def takes_sampling(self, effort: object) -> bool:
        """Whether ``temperature``, ``top_p``, the penalties and logprobs are taken at reasoning
        ``effort`` (the request's, ``None`` when silent): by a model that samples, and by one that
        reasons only when asked while it does not ([reasoning]: gpt-5.1 and later take them at
        effort ``none`` only; 2026 public probes: gpt-5.2 and gpt-5.4 take ``temperature`` 0.7)."""
        if self.sampling:
            return True
        return "none" in self.efforts and (effort or self.default_effort) == "none"


_VISION = frozenset({"text", "image", "file"})
_GPT4O = Capabilities("gpt-4o", inputs=_VISION, predicted_outputs=True)  # [models] [predicted]
_O_SERIES = Capabilities(  # [models] [reasoning]
    "o-series",
    reasoning=True,
    efforts=EFFORTS_O,
    default_effort="medium",
    sampling=False,
    logprobs=False,
    max_tokens_param=False,
    context_window=200_000,
    max_output_tokens=100_000,
    inputs=_VISION,
    image_base=75,  # [vision]
    image_tile=150,
)
_GPT5 = Capabilities(  # [models] [reasoning]; verbosity: the gpt-5 guide
    "gpt-5",
    reasoning=True,
    efforts=EFFORTS_GPT5,
    default_effort="medium",
    verbosity=True,
    sampling=False,
    logprobs=False,
    max_tokens_param=False,
    context_window=400_000,
    max_output_tokens=128_000,
    inputs=_VISION,
    image_base=70,  # [vision]
    image_tile=140,
)
# Reasons only when asked, as gpt-5.1: a gpt-5.2 Response echoes effort "none" and has no
# reasoning item [R:23]; it adds the "xhigh" effort, and echoes top_p 0.98 [R:23].
_GPT52 = replace(_GPT5, family="gpt-5.2", efforts=(*EFFORTS_GPT51, "xhigh"), default_effort="none", default_top_p=0.98)

# (prefix, capabilities), longest prefix wins.
# Reasons by default, at medium (pydantic-ai's live-checked model notes for gpt-5.5, gpt-5.6 and
# gpt-6; the 2026 probe list: gpt-5.6-terra, asked no effort, refuses temperature).
_GPT56 = replace(
    _GPT52,
    family="gpt-5.6",
    message_phase=True,
    efforts=(*EFFORTS_GPT51, "xhigh", "max"),
    default_effort="medium",
    prompt_cache_retentions=("24h",),
    reasoning_context="all_turns",
)
_GPT5X_CHAT = replace(
    _GPT5,
    family="gpt-5.x-chat",
    efforts=("medium",),
    default_effort="medium",
    context_window=128_000,
    max_output_tokens=16_384,
)
_GPT41 = Capabilities(
    "gpt-4.1", context_window=1_047_576, max_output_tokens=32_768, inputs=_VISION, predicted_outputs=True
)
_GPT6_ALWAYS = replace(_GPT56, family="gpt-6-astra", efforts=("low", "medium", "high", "xhigh", "max"))
_GPT5X_PRO = replace(_GPT52, family="gpt-5.2-pro", efforts=("medium", "high", "xhigh"), default_effort="medium")
FAMILIES: tuple[tuple[str, Capabilities], ...] = (
    ("gpt-3.5-turbo", Capabilities("gpt-3.5-turbo", context_window=16_385, max_output_tokens=4_096)),  # [models]
    ("gpt-4-turbo", Capabilities("gpt-4-turbo", max_output_tokens=4_096, inputs=_VISION)),  # [models]
    ("gpt-4", Capabilities("gpt-4", context_window=8_192, max_output_tokens=8_192)),  # [models]
    ("gpt-4o", _GPT4O),
    ("gpt-4o-2024-05-13", replace(_GPT4O, family="gpt-4o-2024-05-13", max_output_tokens=4_096)),  # [models]
    ("gpt-4o-mini", replace(_GPT4O, family="gpt-4o-mini", image_base=2_833, image_tile=5_667)),  # [predicted] [vision]
    ("chatgpt-4o", replace(_GPT4O, family="chatgpt-4o", tools=False, predicted_outputs=False)),  # [models]
    (
        "gpt-4o-audio-preview",
        Capabilities("gpt-4o-audio", inputs=frozenset({"text", "audio"}), audio_output=True),
    ),  # [audio]
    (
        "gpt-4o-mini-audio-preview",
        Capabilities("gpt-4o-mini-audio", inputs=frozenset({"text", "audio"}), audio_output=True),
    ),  # [audio]
    ("gpt-audio", Capabilities("gpt-audio", inputs=frozenset({"text", "audio"}), audio_output=True)),  # [audio]
    (
        "gpt-4o-search-preview",
        Capabilities("gpt-4o-search", sampling=False, logprobs=False, n=False, search=True, inputs=frozenset({"text"})),
    ),  # [search]
    (
        "gpt-4o-mini-search-preview",
        Capabilities("gpt-4o-mini-search", sampling=False, logprobs=False, n=False, search=True),
    ),  # [search]
    ("gpt-4.1", _GPT41),  # [models] [predicted]
    ("gpt-4.1-mini", replace(_GPT41, image_patch_rate=1.62)),  # [vision]
    ("gpt-4.1-nano", replace(_GPT41, image_patch_rate=2.46)),  # [vision]
    ("o1", _O_SERIES),
    (
        "o1-mini",
        replace(
            _O_SERIES,
            family="o1-mini",
            efforts=(),
            default_effort=None,
            context_window=128_000,  # [models]
            max_output_tokens=65_536,
            inputs=frozenset({"text"}),
            system_role=False,
            tools=False,
        ),
    ),  # [R:30]
    (
        "o1-preview",
        replace(
            _O_SERIES,
            family="o1-preview",
            efforts=(),
            default_effort=None,
            context_window=128_000,
            max_output_tokens=32_768,
            inputs=frozenset({"text"}),
            system_role=False,
            tools=False,
        ),
    ),
    ("o3", _O_SERIES),
    ("o3-mini", replace(_O_SERIES, family="o3-mini", inputs=frozenset({"text"}))),  # [models]
    ("o4-mini", replace(_O_SERIES, image_patch_rate=1.72)),  # [vision]
    ("gpt-5", _GPT5),
    ("gpt-5-mini", replace(_GPT5, image_patch_rate=1.62)),  # [vision]
    ("gpt-5-nano", replace(_GPT5, image_patch_rate=2.46)),  # [vision]
    (
        "gpt-5-chat",
        Capabilities(
            "gpt-5-chat",
            context_window=128_000,
            max_output_tokens=16_384,
            inputs=_VISION,
            image_base=70,
            image_tile=140,
        ),
    ),  # [models]
    ("gpt-5.1", replace(_GPT5, family="gpt-5.1", efforts=EFFORTS_GPT51, default_effort="none")),  # [reasoning]
    # The chat-latest snapshots reason at medium only and take no sampling parameters (a 2026 public
    # compatibility matrix of the live API, and public probes: temperature 1.0 only).
    ("gpt-5.1-chat", _GPT5X_CHAT),
    ("gpt-5.2-chat", _GPT5X_CHAT),
    ("gpt-5.3-chat", _GPT5X_CHAT),
    # gpt-5.2-pro: medium, high and xhigh (the same matrix); gpt-5.4-pro as it (the Agents SDK asks
    # both for medium).  gpt-5.2-codex: low to xhigh (the matrix); gpt-5.3-codex also none, which
    # the Agents SDK (0.20) sends it by default.
    ("gpt-5.2-pro", _GPT5X_PRO),
    ("gpt-5.4-pro", replace(_GPT5X_PRO, family="gpt-5.4-pro", message_phase=True)),
    ("gpt-5.2-codex", replace(_GPT52, family="gpt-5.2-codex", efforts=(*EFFORTS_O, "xhigh"), default_effort="medium")),
    ("gpt-5.3-codex", replace(_GPT52, family="gpt-5.3-codex")),
    # A gpt-5.2 Response asked no retention echoes "24h" [R:23] (gpt-5-nano's, the same account and
    # day, "in_memory" [R:04]; gpt-5.4's "in_memory" [R:22]).
    ("gpt-5.2", replace(_GPT52, prompt_cache_retentions=("24h", "in_memory"))),
    # As gpt-5.2, and their Responses' messages carry ``"phase": "final_answer"`` ([R:22] for
    # gpt-5.4, conformance/responses §3b for gpt-5.5).
    ("gpt-5.4", replace(_GPT52, family="gpt-5.4", message_phase=True)),
    ("gpt-5.5", replace(_GPT52, family="gpt-5.5", message_phase=True, default_effort="medium")),  # (as gpt-5.6)
    # gpt-5.6 (cyber, luna, sol, terra in the 2026 spec): efforts and prompt caching as a 2026
    # probe list of the live API shows them for gpt-5.6-terra ("'minimal' is not supported").
    ("gpt-5.6", _GPT56),
    # gpt-6 (astra, luna, sol; 6.1 and 6.2 sol, terra, astra), in the openai SDK 3.57's model list
    # and nowhere else mockai has read: taken as gpt-5.6 (the newest family known), not as a generic
    # model, which would refuse their reasoning effort.  An inference, not a recording.
    ("gpt-6", replace(_GPT56, family="gpt-6")),
    # gpt-6 Astra and gpt-6.1 Sol reason always, low to max: they refuse effort none (their model
    # pages, as pydantic-ai's live-checked notes cite them; the JS Agents SDK asks astra for low).
    ("gpt-6-astra", _GPT6_ALWAYS),
    ("gpt-6.1-sol", replace(_GPT6_ALWAYS, family="gpt-6.1-sol")),
    # Responses-only models: the spec's ``ResponsesOnlyModel`` list, and the gpt-6 ones the openai SDK
    # 3.60's ``ResponsesModel`` adds to it (cyber, rosalind, law, healthcare).  Each takes its base
    # family's rules; gpt-5-pro reasons at ``high`` only (the live API: "Supported values are:
    # 'high'.", quoted in public code); the rules of the 2026 ones are inferred as gpt-6's above.
    ("o1-pro", replace(_O_SERIES, family="o1-pro", chat=False)),
    ("o3-pro", replace(_O_SERIES, family="o3-pro", chat=False)),
    ("o3-deep-research", replace(_O_SERIES, family="o3-deep-research", chat=False)),
    ("o4-mini-deep-research", replace(_O_SERIES, family="o4-mini-deep-research", chat=False)),
    (
        "computer-use-preview",
        Capabilities(
            "computer-use-preview",
            context_window=8_192,
            max_output_tokens=1_024,
            inputs=_VISION,
            chat=False,
            image_base=65,  # [vision]
            image_tile=129,
        ),
    ),  # [models]
    (
        "gpt-5-pro",
        replace(
            _GPT5, family="gpt-5-pro", efforts=("high",), default_effort="high", max_output_tokens=272_000, chat=False
        ),
    ),  # [models]
    # The codex models: low to high (gpt-5.1-codex-max also xhigh), the compatibility matrix above.
    ("gpt-5-codex", replace(_GPT5, family="gpt-5-codex", efforts=EFFORTS_O, chat=False)),
    ("gpt-5.1-codex-max", replace(_GPT5, family="gpt-5.1-codex-max", efforts=(*EFFORTS_O, "xhigh"), chat=False)),
    # As gpt-5.2-pro (an inference).
    (
        "gpt-5.5-pro",
        replace(
            _GPT52,
            family="gpt-5.5-pro",
            efforts=("medium", "high", "xhigh"),
            default_effort="medium",
            message_phase=True,
            chat=False,
        ),
    ),
    ("gpt-5.6-cyber", replace(_GPT56, family="gpt-5.6-cyber", chat=False)),
    ("gpt-daybreak-", replace(_GPT56, family="gpt-daybreak", chat=False)),
    ("gpt-rosalind-", replace(_GPT56, family="gpt-rosalind", chat=False)),
    ("gpt-6-cyber", replace(_GPT56, family="gpt-6-cyber", chat=False)),
    ("gpt-6-rosalind", replace(_GPT56, family="gpt-6-rosalind", chat=False)),
    ("gpt-6.2-astra-law", replace(_GPT56, family="gpt-6.2-astra-law", chat=False)),
    ("gpt-6-astra-healthcare", replace(_GPT6_ALWAYS, family="gpt-6-astra-healthcare", chat=False)),
    ("gpt-6.1-sol-healthcare", replace(_GPT6_ALWAYS, family="gpt-6.1-sol-healthcare", chat=False)),
    ("gpt-6.2-astra-healthcare", replace(_GPT56, family="gpt-6.2-astra-healthcare", chat=False)),
    ("gpt-6.2-sol-healthcare", replace(_GPT56, family="gpt-6.2-sol-healthcare", chat=False)),
)
_BY_LENGTH = sorted(FAMILIES, key=lambda entry: len(entry[0]), reverse=True)
GENERIC = Capabilities("generic", inputs=_VISION)


# The answer per model id already asked: a request asks about its model several times (validation,
# planner, usage), and a load test names a few models.  Ids come from clients, so the memo is
# bounded, in entries (emptied when full: atomic, so safe with servers in threads) and in the
# length of an id it keeps.
_KNOWN: dict[str, Capabilities] = {}
_KNOWN_ENTRIES = 1024
_KNOWN_ID_CHARS = 256


def capabilities(model_id: str) -> Capabilities:
    """The capabilities of ``model_id``'s family (longest matching prefix), else :data:`GENERIC`."""
    caps = _KNOWN.get(model_id)
    if caps is None:
        caps = _family_of(model_id)
        if len(model_id) <= _KNOWN_ID_CHARS:
            if len(_KNOWN) >= _KNOWN_ENTRIES:
                _KNOWN.clear()
            _KNOWN[model_id] = caps
    return caps


def _family_of(model_id: str) -> Capabilities:
    for prefix, caps in _BY_LENGTH:
        if model_id.startswith(prefix):
            return caps
    return GENERIC


def markdown_table() -> str:
    """The table as Markdown, for docs/models.md (generated, never written by hand)."""
    head = (
        "| model prefix | reasoning (efforts, default) | sampling | logprobs | n | context | max output "
        "| inputs | audio out | search | predicted | tools | chat |\n"
        "|---|---|---|---|---|---:|---:|---|---|---|---|---|---|\n"
    )
    rows = []
    for prefix, c in FAMILIES:
        effort = f"yes ({', '.join(c.efforts) or 'fixed'}; {c.default_effort or '-'})" if c.reasoning else "no"
        yes = {True: "yes", False: "no"}
        rows.append(
            f"| `{prefix}*` | {effort} | {yes[c.sampling]} | {yes[c.logprobs]} | {yes[c.n]} | {c.context_window:,} "
            f"| {c.max_output_tokens:,} | {', '.join(sorted(c.inputs))} | {yes[c.audio_output]} | {yes[c.search]} "
            f"| {yes[c.predicted_outputs]} | {yes[c.tools]} | {yes[c.chat] if c.chat else 'no (Responses only)'} |"
        )
    voices = ", ".join(f"`{v}`" for v in VOICES)
    formats = ", ".join(f"`{f}`" for f in AUDIO_FORMATS)
    audio = f"\nAudio output voices: {voices}. Formats: {formats} (a stream takes `pcm16` only).\n"
    return head + "\n".join(rows) + "\n" + audio


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
