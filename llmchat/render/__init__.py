"""Drawing a streamed reply: live Markdown on a terminal, byte-exact text into a pipe;
and the plain-text tables and listings the CLI and the REPL share.

Members load on first use (`__getattr__`): rich and rich.markdown stay off the
start-up path until a reply is drawn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.render.listings import chat_table as chat_table
    from llmchat.render.listings import last_exchange_text as last_exchange_text
    from llmchat.render.listings import provider_table as provider_table
    from llmchat.render.renderer import Renderer as Renderer
    from llmchat.render.renderer import make_renderer as make_renderer
    from llmchat.render.renderer import preload as preload
    from llmchat.render.renderer import show_turn as show_turn
    from llmchat.render.table import aligned as aligned
    from llmchat.render.table import cell_width as cell_width

_HOMES = {
    "Renderer": "llmchat.render.renderer",
    "make_renderer": "llmchat.render.renderer",
    "preload": "llmchat.render.renderer",
    "show_turn": "llmchat.render.renderer",
    "chat_table": "llmchat.render.listings",
    "last_exchange_text": "llmchat.render.listings",
    "provider_table": "llmchat.render.listings",
    "aligned": "llmchat.render.table",
    "cell_width": "llmchat.render.table",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """Load a member on first use, so importing this package stays cheap."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
