"""The typed events a chat turn produces; the engine's only language towards the screen.

Kept free of `openai` and `rich` imports so every consumer (renderer, REPL, tests)
can use them without paying for either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer, exactly as the model sent it."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's thinking: shown apart, never part of the answer."""

    text: str


@dataclass(frozen=True)
class Usage:
    """Token counts for one request; `estimated` is True when we counted them ourselves."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Finish:
    """The end of a reply. `reason` is the server's finish_reason (None when it sent none)."""

    reason: str | None
    model: str | None = None


ChatEvent = TextDelta | ReasoningDelta | Usage | Finish

# What the wire calls when it has handed on every event it read and has caught up with
# the network (the last piece of the body had to be waited for). It answers how many
# seconds the wire may leave arriving bytes unread (0: read at once). The live renderer
# draws its frame there and lets a trickling stream gather until the next one: at 100
# tokens/s that wakes the process a few times a second instead of once a chunk
# (render/live.py, `before_read`).
ReadPacer = Callable[[], float]


@dataclass(frozen=True)
class Cost:
    """An amount of money in one currency (ISO code: "USD", "CNY"): what a request cost.

    One type for the engine (pricing), the status line and the saved chats.
    """

    amount: float
    currency: str
    free_local: bool = False  # a local server: shown as "free (local)", summed as nothing


@dataclass(frozen=True)
class TurnStats:
    """What the session knows after a reply, for the renderer's closing status line.

    The renderer measures time to first token and speed itself; this adds what only
    the session knows: the usage it settled on and the cost as text ("$0.0012", "¥0.03",
    "price unknown"), or None when there is nothing to say.
    """

    usage: Usage | None = None
    cost: str | None = None
    interrupted: bool = False
