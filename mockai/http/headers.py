"""Response headers as the real API sends them (conformance §3)."""

from __future__ import annotations

import hashlib

from multidict import CIMultiDict

__all__ = ["PROJECT", "error_headers", "request_id", "success_headers"]

_RATE_LIMITS = {
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "50000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
}
_TOKEN_LIMIT = 50_000_000
# ``openai-project``: ``proj_`` + 24 alphanumerics, on most answers since 2025 (conformance §3a: 304 of
# 467 JSON 200s; responses §8: 616 of 733).  One fixed, plainly made-up project.
PROJECT = "proj_mockai000000000000000000"


def request_id(material: bytes) -> str:
    """``req_`` + 32 lowercase hex, derived from the request so that replays are identical."""
    return "req_" + hashlib.blake2b(material, digest_size=16).hexdigest()


def _success_template(content_type: str, proxy_wasm: bool = True) -> CIMultiDict[str]:
    headers = {
        "content-type": content_type,
        "access-control-expose-headers": "X-Request-ID",
        "openai-organization": "user-mockai",
        "openai-processing-ms": "",
        "openai-project": PROJECT,
        "openai-version": "2020-10-01",
        "x-openai-proxy-wasm": "v0.1",  # (every chat recording from 2025-09-22 on: conformance §3a)
        "x-request-id": "",
    }
    if not proxy_wasm:  # (/v1/responses: on 34 answers of 733, none of the 9 verbatim ones since 2025-09, §8)
        del headers["x-openai-proxy-wasm"]
    headers.update(_RATE_LIMITS)
    headers["x-ratelimit-remaining-tokens"] = ""
    return CIMultiDict(headers)


# Built once: a request copies one and fills in its three values (same names, same order).  A
# CIMultiDict, as aiohttp keeps response headers: copying one is cheaper than converting a dict.
_TEMPLATES = {
    (stream, proxy_wasm): _success_template(
        "text/event-stream; charset=utf-8" if stream else "application/json", proxy_wasm
    )
    for stream in (False, True)
    for proxy_wasm in (False, True)
}


def success_headers(
    req_id: str, processing_ms: int, tokens: int, *, stream: bool = False, responses: bool = False
) -> CIMultiDict[str]:
    """A 200's headers; ``responses``: an answer of the /v1/responses family (no proxy header)."""
    headers: CIMultiDict[str] = _TEMPLATES[stream, not responses].copy()
    headers["openai-processing-ms"] = str(processing_ms)
    headers["x-request-id"] = req_id
    headers["x-ratelimit-remaining-tokens"] = str(max(_TOKEN_LIMIT - tokens, 0))
    return headers


def error_headers(req_id: str, header_set: str, status: int) -> dict[str, str]:
    """The headers of an error of ``header_set`` (``APIError.header_set``).

    * ``front``: chat's and embeddings' 401/404 come from the front end (``vary: Origin``; a 404
      also names the organization, a 401 nothing else) [T:26], [T:28], [R:43];
    * ``api``: chat's 400s carry the full set, rate limits included [T:33];
    * both, as every chat answer since 2025-09: ``x-openai-proxy-wasm`` [T:26], [T:33];
    * ``responses``: /v1/responses errors carry no ``x-ratelimit-*`` [R:30], [R:32]; its 401 is the
      API layer's, not the front end's (``openai-version``, no ``vary``) [R:35].
    """
    if header_set == "front":
        if status == 404:
            return {"openai-organization": "user-mockai", "vary": "Origin", "x-request-id": req_id}
        return {"vary": "Origin", "x-openai-proxy-wasm": "v0.1", "x-request-id": req_id}
    if header_set == "responses" and status == 401:
        return {
            "access-control-expose-headers": "X-Request-ID",
            "openai-processing-ms": "7",
            "openai-version": "2020-10-01",
            "x-request-id": req_id,
        }
    headers = {
        "access-control-expose-headers": "X-Request-ID",
        "openai-organization": "user-mockai",
        "openai-processing-ms": "7",
        "openai-project": PROJECT,
        "openai-version": "2020-10-01",
        "x-openai-proxy-wasm": "v0.1",
        "x-request-id": req_id,
    }
    if header_set == "responses":
        del headers["access-control-expose-headers"], headers["x-openai-proxy-wasm"]
        return headers
    headers.update(_RATE_LIMITS)
    headers["x-ratelimit-remaining-tokens"] = str(_TOKEN_LIMIT)
    return headers
