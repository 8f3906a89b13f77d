"""Talking to the API. `client.py` is the only importer of `openai`, and imports it lazily;
members here load on first use, so importing this package never loads the SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.engine.request import ChatRequest as ChatRequest
    from llmchat.wire.client import ChatClient as ChatClient
    from llmchat.wire.client import parse_usage as parse_usage

_HOMES = {
    "ChatClient": "llmchat.wire.client",
    "ChatRequest": "llmchat.engine.request",  # the neutral request: no SDK needed
    "parse_usage": "llmchat.wire.client",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """Load a member on first use, so importing this package stays cheap."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
