"""HTTP plumbing shared by every API surface: reading a request, writing errors and JSON, headers.

Knows aiohttp and the real API's wire habits; knows nothing of what a surface answers.
"""
