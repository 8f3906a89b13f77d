"""Talking to the API. `client.py` is the only importer of `openai`, and imports it lazily:
nothing here is on the start-up path."""
