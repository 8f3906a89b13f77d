"""Listings shared by the CLI and the REPL: saved chats and providers, as aligned text.

`llmchat chats` and `/chats` print the same chat table; `llmchat providers` and
`/providers` the same provider table (the REPL marks the current one). Keys are
shown masked, never whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from llmchat.errors import mask_key
from llmchat.render.table import aligned, cell_width, cut_to

if TYPE_CHECKING:
    from llmchat.config import ProviderRegistry
    from llmchat.store import ChatSummary, LoadedChat


def provider_table(registry: ProviderRegistry, current: str | None = None) -> str:
    """Providers with their key status; with `current`, a `*` marks that one."""
    rows = [["PROVIDER", "KEY", "BASE URL", "DEFAULT MODEL"]]
    for provider in registry.providers:
        if not provider.needs_key:
            key = "(no key needed)"
        else:
            value = registry.key_for(provider)
            key = (
                f"{provider.key_env}={mask_key(value)}" if value else f"{provider.key_env} not set"
            )
        rows.append([provider.name, key, provider.base_url, provider.default_model or "-"])
    lines = aligned(rows)
    if current is not None:
        marks = ["  "] + ["* " if row[0] == current else "  " for row in rows[1:]]
        lines = [mark + line for mark, line in zip(marks, lines, strict=True)]
    return "\n".join(lines)


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _money(cost: dict[str, float]) -> str:
    from llmchat.engine.pricing import format_money

    return " + ".join(format_money(amount, currency) for currency, amount in cost.items())


def summary_rows(summaries: list[ChatSummary]) -> list[list[str]]:
    rows = [["ID", "UPDATED", "TURNS", "TOKENS", "COST", "MODEL", "TITLE"]]
    for chat in summaries:
        rows.append(
            [
                chat.id,
                _when(chat.updated),
                str(chat.turns),
                f"{chat.tokens:,}",
                _money(chat.cost) or "-",
                chat.model or "?",
                chat.title,
            ]
        )
    return rows


def chat_table(
    summaries: list[ChatSummary],
    width: int | None = None,
    droppable: tuple[str, ...] = ("TOKENS", "COST"),
) -> str:
    """The chat list as aligned columns; titles are cut to fit `width` (a terminal's),
    after dropping the `droppable` columns if the title would have too little room."""
    rows = summary_rows(summaries)
    if width is not None:

        def room_for_title(table: list[list[str]]) -> int:
            fixed = aligned([row[:-1] for row in table])
            return width - max(cell_width(line) for line in fixed) - 3

        # On a narrow terminal the title matters more than the tokens and the cost.
        for header in droppable:
            if room_for_title(rows) < 24 and header in rows[0]:
                drop = rows[0].index(header)
                rows = [row[:drop] + row[drop + 1 :] for row in rows]
        room = max(12, room_for_title(rows))
        for row in rows[1:]:
            if cell_width(row[-1]) > room:
                row[-1] = cut_to(row[-1], room - 1).rstrip() + "…"
    return "\n".join(aligned(rows))


def last_exchange_text(loaded: LoadedChat) -> str:
    """What the REPL shows on resume so the user has context."""
    pairs = [(q, a) for q, a in loaded.exchanges() if a is not None]
    if not pairs:
        return ""
    question, answer = pairs[-1]
    assert answer is not None
    return f"› {question.content}\n\n{answer.content}"
