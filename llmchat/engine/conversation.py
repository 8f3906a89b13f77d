"""The messages of one chat: system prompt, turns, undo/clear, and what is sent.

Only complete exchanges live here: a failed request leaves no half-turn behind.
Trimming to the context window happens in context.py on the list this produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Exchange:
    """One question and its answer, with the reply's reasoning (saved; echoed back only
    where the provider's dialect wants it)."""

    user: str
    assistant: str
    reasoning: str = ""
    interrupted: bool = False
    model: str = ""


@dataclass
class Conversation:
    system: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    def messages(
        self, pending_user: str | None = None, *, reasoning: bool = False
    ) -> list[dict[str, str]]:
        """The OpenAI-format messages for the next request, newest question last.

        With `reasoning`, assistant messages carry their `reasoning_content`; whether it
        is sent is the provider's dialect's call (providers/dialects.py)."""
        out: list[dict[str, str]] = []
        if self.system:
            out.append({"role": "system", "content": self.system})
        for exchange in self.exchanges:
            out.append({"role": "user", "content": exchange.user})
            if exchange.assistant:
                message = {"role": "assistant", "content": exchange.assistant}
                if reasoning and exchange.reasoning:
                    message["reasoning_content"] = exchange.reasoning
                out.append(message)
        if pending_user is not None:
            out.append({"role": "user", "content": pending_user})
        return out

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def undo(self) -> Exchange | None:
        return self.exchanges.pop() if self.exchanges else None

    def clear(self) -> None:
        self.exchanges.clear()

    @property
    def last(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    def __len__(self) -> int:
        return len(self.exchanges)
