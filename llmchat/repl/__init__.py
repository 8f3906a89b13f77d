"""The interactive loop, its key bindings and completion, and the slash-commands.

Members load on first use: the slash-commands can be used (and tested) without
prompt_toolkit's loop.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.repl.commands import ReplState as ReplState
    from llmchat.repl.commands import Reply as Reply
    from llmchat.repl.commands import dispatch as dispatch
    from llmchat.repl.loop import Repl as Repl
    from llmchat.repl.loop import run_repl as run_repl

_HOMES = {
    "Repl": "llmchat.repl.loop",
    "run_repl": "llmchat.repl.loop",
    "ReplState": "llmchat.repl.commands",
    "Reply": "llmchat.repl.commands",
    "dispatch": "llmchat.repl.commands",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """Load a member on first use, so importing this package stays cheap."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
