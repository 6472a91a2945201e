"""The legacy Completions surface: ``POST /v1/completions`` (text completions)."""
