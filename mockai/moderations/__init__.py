"""The moderations surface: `POST /v1/moderations`."""
