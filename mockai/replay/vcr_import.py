"""Converting a VCR.py / pytest-recording cassette of OpenAI traffic into a mockai cassette.

What such files really hold: bodies as plain strings, as ``{string: ...}``, as ``!!binary`` gzip, as
``parsed_body`` (pydantic-ai) or as ``content`` (httpx stubs); headers as lists of values; statuses as
``{code, message}`` or ``status_code``; a whole SSE stream as one text blob.  Streams are split
into events (at offset 0: VCR.py keeps no timing); secrets are removed as for a recording.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mockai.replay.cassette import (
    NO_REDACTION,
    Cassette,
    CassetteError,
    CassetteRequest,
    CassetteResponse,
    Interaction,
    Redaction,
)
from mockai.replay.cassette_cleaning import (
    clean_body,
    clean_query,
    clean_request_headers,
    clean_response_headers,
    split_events,
)
from mockai.replay.index import parse_body

__all__ = ["import_vcr", "import_vcr_file"]


def _headers(raw: Any, where: str) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise CassetteError(f"{where}: headers must be a mapping, got {type(raw).__name__}")
    out: list[tuple[str, str]] = []
    for name, value in raw.items():
        for one in value if isinstance(value, list) else [value]:
            out.append((str(name), str(one)))
    return out


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def _body_bytes(raw: Any, where: str) -> bytes:
    """A VCR body in any of its shapes, as bytes."""
    if isinstance(raw, dict):
        if "string" in raw:
            return _body_bytes(raw["string"], where)
        if "parsed_body" in raw:
            return _body_bytes(raw["parsed_body"], where)
        return json.dumps(raw, ensure_ascii=False).encode()
    if raw is None:
        return b""
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode()
    if isinstance(raw, list):
        return json.dumps(raw, ensure_ascii=False).encode()
    raise CassetteError(f"{where}: body of type {type(raw).__name__} is not understood")


def _decode(data: bytes, encoding: str, where: str) -> bytes:
    encoding = encoding.strip().lower()
    try:
        if encoding == "gzip" or data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if encoding == "deflate":
            try:
                return zlib.decompress(data)
            except zlib.error:
                return zlib.decompress(data, -zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error) as exc:
        raise CassetteError(f"{where}: cannot decompress the {encoding or 'gzip'} body: {exc}") from None
    if encoding == "br":
        raise CassetteError(f"{where}: brotli bodies are not supported (re-record without 'br')")
    return data


def _request(data: dict[str, Any], where: str, redaction: Redaction) -> CassetteRequest:
    uri = data.get("uri")
    if not isinstance(uri, str):
        raise CassetteError(f"{where}: request has no 'uri'")
    parts = urlsplit(uri)
    headers = _headers(data.get("headers"), f"{where}.request")
    if "parsed_body" in data and data.get("body") is None:
        body, text = data["parsed_body"], None
    else:
        raw = _decode(_body_bytes(data.get("body"), where), _header(headers, "content-encoding"), where)
        body, text = parse_body(raw)
    return CassetteRequest(
        str(data.get("method", "GET")).upper(),
        parts.path or "/",
        clean_query(parts.query),
        clean_request_headers(headers, redaction),
        clean_body(body, redaction),
        text,
    )


def _status(data: dict[str, Any], where: str) -> int:
    status = data.get("status", data.get("status_code"))
    if isinstance(status, dict):
        status = status.get("code")
    if not isinstance(status, int) or isinstance(status, bool):
        raise CassetteError(f"{where}: response has no status code")
    return status


def _response(data: dict[str, Any], where: str, redaction: Redaction) -> CassetteResponse:
    headers = _headers(data.get("headers"), f"{where}.response")
    if "content" in data and "body" not in data:
        raw = _body_bytes(data["content"], where)
    elif "parsed_body" in data and "body" not in data:
        raw = (json.dumps(data["parsed_body"], indent=2, ensure_ascii=False)).encode()
    else:
        raw = _body_bytes(data.get("body"), where)
    body = _decode(raw, _header(headers, "content-encoding"), where)
    kept = clean_response_headers(headers, redaction)
    content_type = _header(headers, "content-type").lower()
    if content_type.startswith("text/event-stream") or body.lstrip().startswith(b"data:"):
        events, rest = split_events(body)
        if rest:
            events.append(rest)
        return CassetteResponse(_status(data, where), kept, b"", tuple((0.0, e) for e in events))
    return CassetteResponse(_status(data, where), kept, body)


def import_vcr(data: Any, source: str = "<vcr>", redaction: Redaction = NO_REDACTION) -> Cassette:
    """A mockai :class:`Cassette` from a loaded VCR.py cassette."""
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"{source}: not a VCR.py cassette (no 'interactions' list)")
    out = Cassette()
    for number, item in enumerate(data["interactions"]):
        where = f"{source}: interaction #{number}"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("request"), dict)
            or not isinstance(item.get("response"), dict)
        ):
            raise CassetteError(f"{where}: expected a 'request' and a 'response' mapping")
        request = _request(item["request"], where, redaction)
        out.interactions.append(Interaction(request, _response(item["response"], where, redaction)))
    return out


def import_vcr_file(path: Path, redaction: Redaction = NO_REDACTION) -> Cassette:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CassetteError(f"{path}: not valid YAML/JSON: {exc}") from None
    return import_vcr(data, str(path), redaction)
