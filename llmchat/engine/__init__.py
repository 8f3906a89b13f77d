"""The UI-free chat engine: sessions and turns, the conversation, tokens, context, cost.

Members load on first use (`__getattr__`): `llmchat.engine.tokens` must not drag in the
session, nor the session the tokenizer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.engine.context import context_text as context_text
    from llmchat.engine.conversation import Conversation as Conversation
    from llmchat.engine.conversation import Exchange as Exchange
    from llmchat.engine.pricing import TurnRecord as TurnRecord
    from llmchat.engine.pricing import UsageLedger as UsageLedger
    from llmchat.engine.pricing import format_money as format_money
    from llmchat.engine.session import ChatSession as ChatSession
    from llmchat.engine.session import Recorder as Recorder
    from llmchat.engine.session import warm_up as warm_up
    from llmchat.engine.tokens import TokenCounter as TokenCounter
    from llmchat.engine.tokens import counter_for as counter_for
    from llmchat.engine.turn import Turn as Turn

_HOMES = {
    "ChatSession": "llmchat.engine.session",
    "Recorder": "llmchat.engine.session",
    "Turn": "llmchat.engine.turn",
    "warm_up": "llmchat.engine.session",
    "Conversation": "llmchat.engine.conversation",
    "Exchange": "llmchat.engine.conversation",
    "TurnRecord": "llmchat.engine.pricing",
    "UsageLedger": "llmchat.engine.pricing",
    "format_money": "llmchat.engine.pricing",
    "context_text": "llmchat.engine.context",
    "TokenCounter": "llmchat.engine.tokens",
    "counter_for": "llmchat.engine.tokens",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """Load a member on first use, so importing this package stays cheap."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
