"""What the chat index's queries give back: one record per chat, search hit or spend line,
and how a `chats` row (with its spend rows) becomes a ChatRow. No SQL deciding what to
select here: that is index_query.py's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class ChatRow:
    """One chat as the listing shows it; cost per currency, never summed across them
    (a local model's turns are not in it: `free_local` says one answered)."""

    id: str
    title: str
    created: datetime
    updated: datetime
    provider: str | None
    model: str | None
    turns: int
    tokens: int
    cost: tuple[tuple[str, float], ...]
    estimated: bool
    answers: int = 0  # 0: its questions never got a reply (hidden unless --all)
    free_local: bool = False  # some turn ran on a local model
    unknown_price: bool = False  # some turn had no known price
    unknown_tokens: bool = False  # a reply killed mid-stream left no counts (ChatSummary's)
    streaming: bool = False  # a reply is arriving now: its tokens and cost are not in yet


@dataclass(frozen=True)
class SearchHit:
    """The best-matching message of one chat; `snippet` has MARK_ON/MARK_OFF around hits."""

    chat: ChatRow
    role: str
    snippet: str


@dataclass(frozen=True)
class SpendLine:
    """Tokens and cost of one provider+model in one currency (None: price unknown);
    `local`: a local model's, which costs nothing ("free (local)")."""

    provider: str | None
    model: str | None
    currency: str | None
    prompt_tokens: int
    completion_tokens: int
    amount: float
    estimated: bool
    requests: int
    local: bool = False


@dataclass(frozen=True)
class SpendDay:
    day: str  # YYYY-MM-DD, local time
    currency: str | None
    tokens: int
    amount: float
    estimated: bool
    local: bool = False


CHAT_COLUMNS = (
    "SELECT n, id, coalesce(CASE WHEN title_set THEN title END, first_user, '(untitled)'),"
    " created, updated_ns, provider, model, turns, tokens, estimated, answers, uncounted,"
    " streaming"
)


def rows_by_n(conn: sqlite3.Connection, numbers: list[int]) -> dict[int, ChatRow]:
    if not numbers:
        return {}
    marks = ",".join("?" * len(numbers))
    return dict(chat_rows(conn, f"{CHAT_COLUMNS} FROM chats WHERE n IN ({marks})", tuple(numbers)))


def chat_rows(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...]
) -> list[tuple[int, ChatRow]]:
    """(n, ChatRow) per chat the query selects, with its cost per currency and whether a
    local model (no cost) or a model of unknown price (no currency) answered in it."""
    rows = conn.execute(sql, params).fetchall()
    costs: dict[int, list[tuple[str, float]]] = {}
    local: set[int] = set()
    unknown: set[int] = set()
    numbers = [int(row[0]) for row in rows]
    if numbers:
        marks = ",".join("?" * len(numbers))
        for chat, currency, amount, free in conn.execute(
            f"SELECT chat, currency, sum(amount), local FROM spend WHERE chat IN ({marks})"
            " GROUP BY chat, currency, local ORDER BY chat, currency",
            numbers,
        ):
            if currency is None:
                unknown.add(chat)
            elif free:
                local.add(chat)
            else:
                costs.setdefault(chat, []).append((currency, amount))
    utc = timezone.utc
    return [
        (
            int(r[0]),
            ChatRow(
                id=r[1],
                title=r[2],
                created=datetime.fromtimestamp(r[3], utc),
                updated=datetime.fromtimestamp(r[4] / 1e9, utc),
                provider=r[5],
                model=r[6],
                turns=r[7],
                tokens=r[8],
                cost=tuple(costs.get(int(r[0]), [])),
                estimated=bool(r[9]),
                answers=int(r[10]),
                free_local=int(r[0]) in local,
                unknown_price=int(r[0]) in unknown,
                unknown_tokens=bool(r[11]),
                streaming=bool(r[12]),
            ),
        )
        for r in rows
    ]
