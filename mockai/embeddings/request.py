"""A ``POST /v1/embeddings`` body, checked as the real API checks it, and what it asks for.

The wording of each refusal is the real API's where it was seen (responses/api_behaviour.md §6a,
§7, and API answers quoted in public issues, 2024–2026):

* an empty string, an empty array, more than 2048 inputs, or an input of the wrong shape (a
  token id below 0 or, not recorded, from 2**32 up among them):
  ``'$.input' is invalid. Please check the API reference: …`` (param and code null);
* an input over the model's 8,192 tokens: ``Invalid 'input': maximum context length is 8192 tokens.``
  (quoted in neo4j-labs/agent-memory#104, 2026-04); an element of an array of inputs over them:
  ``Invalid 'input[N]': maximum input length is 8192 tokens.``, N its index (quoted in several
  public code bases' error handling and notes, 2026);
* more than 300,000 tokens in all: ``Requested N tokens, max 300000 tokens per request``
  (type and code ``max_tokens_per_request``);
* ``dimensions`` on ada-002: ``This model does not support specifying dimensions.``;
* an unknown model: the 404 ``model_not_found`` [R:43].

Not recorded, so worded as the API words the same fault of other parameters: ``dimensions`` out
of range (the range errors of [R:34]), an unknown ``encoding_format`` (the enum error of chat),
wrong types and unknown parameters (:class:`~mockai.core.errors.APIError`'s catalogue).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from mockai.core.errors import APIError, json_type_words, request_object
from mockai.core.model_catalog import DEFAULT_CATALOG, ModelInfo
from mockai.core.records import record
from mockai.generate.tokenizer import count_tokens

__all__ = [
    "MAX_INPUTS",
    "MAX_REQUEST_TOKENS",
    "EmbeddingRequest",
    "Input",
    "embedding_model",
    "input_texts",
    "read_embedding_request",
]

MAX_INPUTS = 2048
MAX_REQUEST_TOKENS = 300_000
_KEYS = frozenset({"input", "model", "encoding_format", "dimensions", "user"})
_FORMATS = ("float", "base64")

# One input: a text, or the token ids of one (``[1111, 2222]``, as LangChain sends).
Input = str | tuple[int, ...]


@record
class EmbeddingRequest:
    model: ModelInfo
    inputs: tuple[Input, ...]
    tokens: tuple[int, ...]  # per input
    encoding_format: Literal["float", "base64"]
    dimensions: int  # of the vectors sent: the model's, or the ``dimensions`` asked for

    @property
    def reported_model(self) -> str:
        """``model`` as the API echoes it: ada-002 as its ``-v2`` snapshot [R:42]."""
        return self.model.snapshot or self.model.id

    @property
    def prompt_tokens(self) -> int:
        return sum(self.tokens)


def embedding_model(model_id: str) -> ModelInfo | None:
    """The catalogue's embedding model called ``model_id`` (None: not an embedding model)."""
    for info in DEFAULT_CATALOG:
        if info.id == model_id and info.dimensions is not None:
            return info
    return None


# Token ids are small (cl100k_base has about 100,000); an id beyond 32 bits is no token of any
# tokenizer.  Not recorded: refused as the negative ids are, with the '$.input' 400.
_TOKEN_LIMIT = 1 << 32


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _TOKEN_LIMIT


def _inputs(value: Any) -> tuple[Input, ...]:
    """``input`` as a tuple of texts and token arrays; the API's '$.input' 400 for anything else."""
    if isinstance(value, str):
        if not value:
            raise APIError.invalid_at()
        return (value,)
    if not isinstance(value, list) or not value or len(value) > MAX_INPUTS:
        raise APIError.invalid_at()
    if all(isinstance(item, str) for item in value):
        if not all(value):
            raise APIError.invalid_at()
        return tuple(value)
    if all(_is_token(item) for item in value):
        return (tuple(value),)
    if all(isinstance(item, list) and item and all(_is_token(t) for t in item) for item in value):
        return tuple(tuple(item) for item in value)
    raise APIError.invalid_at()


def input_texts(value: Any) -> list[str]:
    """The texts of an ``input`` value, whatever it is (token arrays have none): for conditions."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _dimensions(body: dict[str, Any], model: ModelInfo) -> int:
    full = model.dimensions or 0
    value = body.get("dimensions")
    if value is None:
        return full
    if model.snapshot is not None:  # ada-002: fixed length
        raise APIError(400, "This model does not support specifying dimensions.")
    if not isinstance(value, int) or isinstance(value, bool):
        raise APIError.invalid_type("dimensions", "an integer", json_type_words(value))
    if not 1 <= value <= full:
        above = value > full
        bound = f"<= {full}" if above else ">= 1"
        raise APIError(
            400,
            f"Invalid 'dimensions': integer {'above maximum' if above else 'below minimum'} value. "
            f"Expected a value {bound}, but got {value} instead.",
            param="dimensions",
            code="integer_above_max_value" if above else "integer_below_min_value",
        )
    return value


def read_embedding_request(body: Any) -> EmbeddingRequest:
    """The request ``body`` asks for; the real API's error for a body it refuses."""
    body = request_object(body, _KEYS)
    if "model" not in body:
        raise APIError.missing_model()
    model_id = body["model"]
    if not isinstance(model_id, str):
        raise APIError.invalid_type("model", "a string", json_type_words(model_id))
    if "input" not in body:
        raise APIError.missing_required("input")
    inputs = _inputs(body["input"])
    fmt = body.get("encoding_format")
    if fmt is None:
        fmt = "float"
    elif fmt not in _FORMATS:
        shown = f"'{fmt}'" if isinstance(fmt, str) else str(fmt)
        raise APIError(
            400,
            f"Invalid value: {shown}. Supported values are: 'float' and 'base64'.",
            param="encoding_format",
            code="invalid_value",
        )
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise APIError.invalid_type("user", "a string", json_type_words(user))
    model = embedding_model(model_id)
    if model is None:
        raise APIError.model_not_found(model_id)
    dimensions = _dimensions(body, model)
    given = body["input"]
    listed = isinstance(given, list) and not all(isinstance(item, int) for item in given)  # (not one token array)
    tokens = _token_counts(inputs, model.max_input_tokens or 8192, listed)
    return EmbeddingRequest(model, inputs, tokens, "base64" if fmt == "base64" else "float", dimensions)


def _token_counts(inputs: Sequence[Input], limit: int, listed: bool) -> tuple[int, ...]:
    """Each input's tokens; the real API's 400 for one over ``limit`` (``listed``: an element of an
    array of inputs, named by its index) or for too many in all."""
    counts = tuple(count_tokens(item) if isinstance(item, str) else len(item) for item in inputs)
    for index, count in enumerate(counts):
        if count > limit:
            if listed:
                raise APIError(400, f"Invalid 'input[{index}]': maximum input length is {limit} tokens.")
            raise APIError(400, f"Invalid 'input': maximum context length is {limit} tokens.")
    total = sum(counts)
    if total > MAX_REQUEST_TOKENS:
        raise APIError(
            400,
            f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request",
            type="max_tokens_per_request",
            code="max_tokens_per_request",
        )
    return counts
