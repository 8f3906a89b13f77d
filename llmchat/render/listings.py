"""Listings shared by the CLI and the REPL: saved chats and providers, as aligned text.

`llmchat chats` and `/chats` print the same chat table; `llmchat providers` and
`/providers` the same provider table (the REPL marks the current one), with where each
key and base URL came from. Keys are shown masked, never whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from llmchat.errors import mask_key
from llmchat.render.table import aligned, cell_width, cut_to

if TYPE_CHECKING:
    from llmchat.config import ProviderRegistry
    from llmchat.providers.presets import Provider
    from llmchat.store import ChatSummary, LoadedChat


def key_cell(registry: ProviderRegistry, provider: Provider) -> tuple[str, str]:
    """(the key, masked, with its variable; where it came from). A key command is not run
    for a listing: it may ask for a password."""
    if not provider.needs_key:
        return "(no key needed)", "-"
    origin = registry.key_origin(provider)
    if origin is None:
        return f"{provider.key_env} not set", "-"
    if origin.kind == "command":
        return "(from command)", origin.label
    masked = mask_key(registry.key_for(provider))
    return (f"{origin.variable}={masked}" if origin.variable else masked), origin.label


def provider_table(registry: ProviderRegistry, current: str | None = None) -> str:
    """Providers with their key (masked) and base URL, and where each came from; with
    `current`, a `*` marks that one."""
    rows = [["PROVIDER", "KEY", "KEY FROM", "BASE URL", "URL FROM", "DEFAULT MODEL"]]
    for provider in registry.providers:
        key, key_from = key_cell(registry, provider)
        url_from = registry.url_origin(provider).label
        rows.append(
            [
                provider.name,
                key,
                key_from,
                provider.base_url,
                url_from,
                provider.default_model or "-",
            ]
        )
    lines = aligned(rows)
    if current is not None:
        marks = ["  "] + ["* " if row[0] == current else "  " for row in rows[1:]]
        lines = [mark + line for mark, line in zip(marks, lines, strict=True)]
    return "\n".join(lines)


def origins_line(registry: ProviderRegistry, provider: Provider) -> str:
    """`--debug`: where this run's key and base URL came from (never the key itself)."""
    origin = registry.key_origin(provider)
    key_from = origin.label if origin else "none"
    if origin is not None and origin.variable:
        key_from += f" ({origin.variable})"
    url_from = registry.url_origin(provider).label
    return (
        f"debug: {provider.name} key from {key_from}; base URL {provider.base_url} from {url_from}"
    )


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _cost(chat: ChatSummary) -> str:
    """In the words the status line and `/usage` use: "free (local)", "price unknown";
    "?" (or "$0.02 + ?") where a reply killed mid-stream left its tokens unknown."""
    from llmchat.engine.pricing import spend_text

    if chat.unknown_tokens and not (chat.cost or chat.free_local or chat.unknown_price):
        return "?"
    unknown = chat.unknown_price or chat.unknown_tokens
    estimated = tuple(chat.cost) if chat.estimated else ()  # "~$0.02", as `llmchat usage`
    text = spend_text(chat.cost, free_local=chat.free_local, unknown=unknown, estimated=estimated)
    return _arriving(chat, text)


def _arriving(chat: ChatSummary, text: str) -> str:
    """A reply arriving now is not counted yet: "…", or "~120 + …"."""
    if not chat.streaming:
        return text
    return f"{text} + …" if text else "…"


def tokens_text(chat: ChatSummary) -> str:
    """The chat's tokens, "~" when some were counted locally (as `llmchat usage` marks
    them); "?" or "~1,234 + ?" when a reply killed mid-stream (saved before its pieces
    carried counts) left some unknown: never a confident 0."""
    from llmchat.engine.pricing import format_tokens

    known = format_tokens(chat.tokens, approx=chat.estimated)
    if chat.unknown_tokens:
        known = f"{known} + ?" if chat.tokens else "?"
    if chat.streaming and not (chat.tokens or chat.unknown_tokens):
        return "…"  # a first reply arriving, not a confident 0 either
    return _arriving(chat, known)


def summary_rows(summaries: list[ChatSummary]) -> list[list[str]]:
    rows = [["ID", "UPDATED", "TURNS", "TOKENS", "COST", "MODEL", "TITLE"]]
    for chat in summaries:
        rows.append(
            [
                chat.id,
                _when(chat.updated),
                str(chat.turns),
                tokens_text(chat),
                _cost(chat) or "-",
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
    """What the REPL shows on resume so the user has context: the last exchange, or the
    comparison the chat ends with and how to pick from it."""
    compared = loaded.open_comparison
    if compared is not None:
        answers = " · ".join(
            f"{i} {a.provider}/{a.model}" + (" (failed)" if a.error and not a.content else "")
            for i, a in enumerate(compared.answers, start=1)
        )
        return (
            f"› {compared.question}\n\ncompared, no answer picked: {answers}\n"
            "/pick N (or a model) goes on with that answer; a new question goes on without"
        )
    pairs = [(q, a) for q, a in loaded.exchanges() if a is not None]
    if not pairs:
        return ""
    question, answer = pairs[-1]
    assert answer is not None
    return f"› {question.content}\n\n{answer.content}"
