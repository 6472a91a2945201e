"""The Responses API surface: `POST /v1/responses` and its stored responses."""
