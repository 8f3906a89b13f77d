"""llmchat: a terminal chat client for OpenAI-compatible APIs."""

__version__ = "0.1.0"
