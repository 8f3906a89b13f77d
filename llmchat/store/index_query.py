"""Questions asked of the chat index: the latest chats, ranked search, the spend report.

Read-only SQL over the tables index_schema.py fills; what comes back is index_rows.py's
records. A query that meets a damaged index asks ChatIndex to recover (rebuild, or fall
back to memory) and runs once more.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from llmchat.store.index import ChatIndex
from llmchat.store.index_rows import (
    CHAT_COLUMNS,
    ChatRow,
    SearchHit,
    SpendDay,
    SpendLine,
    chat_rows,
    rows_by_n,
)
from llmchat.store.reader import snippet as plain_snippet

MARK_ON, MARK_OFF = "\x02", "\x03"  # around a match inside a snippet; renderers swap them
TRIGRAM = 3  # the trigram tokenizer finds nothing shorter than three characters
RANKED = 400  # newest matching messages ranked per search (x4 while too few chats)
SHORT_SCAN = 2_000  # newest chats a one- or two-character search looks through
T = TypeVar("T")

# The records are asked for here by the listing, `llmchat usage` and bench/.
__all__ = ["MARK_OFF", "MARK_ON", "ChatQueries", "ChatRow", "SearchHit", "SpendDay", "SpendLine"]


def _ts(moment: datetime | None, default: float) -> float:
    return moment.timestamp() if moment is not None else default


class ChatQueries:
    """Queries over one ChatIndex, opened (and brought up to date) on first use."""

    def __init__(self, index: ChatIndex) -> None:
        self.index = index
        self._conn: sqlite3.Connection | None = None
        self.note: str | None = None  # what the last search left out, if anything

    def _run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            self._conn = self.index.open()
        try:
            return query(self._conn)
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise
            self.index.warn_once(f"chat index damaged ({exc}); rebuilding it")
            self._conn = self.index.recover()
            return query(self._conn)

    # --- listing --------------------------------------------------------------------

    def latest(
        self,
        n: int | None = 20,
        *,
        since: datetime | None = None,
        model: str | None = None,
        provider: str | None = None,
        unanswered: bool = True,
    ) -> list[ChatRow]:
        """Chats newest (last written) first; n=None for all. Filters match exactly,
        except that a model filter also matches a model name's end ('4o' finds 'gpt-4o').
        `unanswered=False` leaves out chats whose questions never got a reply."""
        where, args = _filters(since, model, provider)
        if not unanswered:
            where += " AND (answers > 0 OR streaming)"  # a first reply arriving: answered
        sql = f"{CHAT_COLUMNS} FROM chats WHERE {where} ORDER BY updated_ns DESC" + (
            " LIMIT ?" if n is not None else ""
        )
        params = (*args, n) if n is not None else tuple(args)
        return self._run(lambda conn: [row for _, row in chat_rows(conn, sql, params)])

    def count_unanswered(
        self,
        *,
        since: datetime | None = None,
        model: str | None = None,
        provider: str | None = None,
    ) -> int:
        """How many chats (with these filters) never got a reply: the listing says so."""
        where, args = _filters(since, model, provider)
        sql = f"SELECT count(*) FROM chats WHERE {where} AND answers = 0 AND NOT streaming"
        return int(self._run(lambda conn: conn.execute(sql, tuple(args)).fetchone()[0]))

    def count(self) -> int:
        return int(self._run(lambda conn: conn.execute("SELECT count(*) FROM chats").fetchone()[0]))

    # --- search ---------------------------------------------------------------------

    def search(self, text: str, n: int = 20, *, role: str | None = None) -> list[SearchHit]:
        """Best matches first (how often the text occurs, for its length), then the newest;
        one hit per chat. `note` says afterwards when only part of the chats was looked at.

        Three characters or more go through the trigram index, newest matches first and
        at most RANKED of them: a word in every other message costs the same as a rare
        one. Shorter needles (a one- or two-character Chinese word) cannot use trigrams
        and are looked for with LIKE in the SHORT_SCAN newest chats."""
        self.note = None
        needle = " ".join(text.split())
        if not needle:
            return []
        if self.index.fts and len(needle) >= TRIGRAM:
            return self._run(lambda conn: self._ranked(conn, needle, n, role))
        limit = SHORT_SCAN if len(needle) < TRIGRAM else None
        return self._run(lambda conn: self._scan(conn, needle, n, role, limit))

    def _ranked(
        self, conn: sqlite3.Connection, needle: str, n: int, role: str | None
    ) -> list[SearchHit]:
        # '%' and '_' in the text become '_' (any one character): LIKE finds a superset,
        # and the count below keeps only real matches.
        pattern = "%" + needle.replace("%", "_") + "%"
        role_sql = " AND m.role = ?" if role else ""
        cap = RANKED
        while True:
            # Bare FTS query, newest rowids first, LIMIT: FTS5 stops after `cap` matches.
            # (bm25() would count every match first for its IDF: O(matches).)
            rows = conn.execute(
                "SELECT m.rowid, m.chat, m.role, m.content FROM msgs m WHERE m.rowid IN"
                " (SELECT rowid FROM fts WHERE content LIKE ? ORDER BY rowid DESC LIMIT ?)"
                f"{role_sql}",
                (pattern, cap, *((role,) if role else ())),
            ).fetchall()
            best = _best_per_chat(rows, needle)
            if len(best) >= n or len(rows) < cap or cap >= RANKED * 16:
                break
            cap *= 4  # many hits in few chats: look further back
        if len(rows) >= cap:
            self.note = f"a common text: ranked its newest {cap:,} matches only"
        chats = rows_by_n(conn, list(best))
        order = sorted(
            best, key=lambda c: (-best[c][0], -chats[c].updated.timestamp() if c in chats else 0)
        )
        return [SearchHit(chats[c], best[c][1], best[c][2]) for c in order[:n] if c in chats]

    def _scan(
        self,
        conn: sqlite3.Connection,
        needle: str,
        n: int,
        role: str | None,
        limit_chats: int | None,
    ) -> list[SearchHit]:
        role_sql = " AND m.role = ?" if role else ""
        # Streams chats newest first (chats_updated index) and their messages (msgs_chat):
        # no sort, so a common short word stops after n chats; a miss reads the
        # limit_chats newest chats' messages and no more.
        floor = 0
        if limit_chats is not None:
            row = conn.execute(
                "SELECT updated_ns FROM chats ORDER BY updated_ns DESC LIMIT 1 OFFSET ?",
                (limit_chats - 1,),
            ).fetchone()
            floor = int(row[0]) if row is not None else 0
        cursor = conn.execute(
            "SELECT m.chat, m.role, m.content FROM chats c INDEXED BY chats_updated"
            " JOIN msgs m ON m.chat = c.n WHERE c.updated_ns >= ?"
            f" AND m.content LIKE ? ESCAPE '\\'{role_sql} ORDER BY c.updated_ns DESC",
            (floor, f"%{_escape_like(needle)}%", *((role,) if role else ())),
        )
        found: dict[int, tuple[str, str]] = {}
        for chat, hit_role, content in cursor:
            if chat in found:
                continue
            snip = highlight(content, needle)
            if snip is None:  # LIKE ignores ASCII case only; casefold may differ
                continue
            found[chat] = (hit_role, snip)
            if len(found) >= n:
                break
        cursor.close()
        if limit_chats is not None and len(found) < n and self.count() > limit_chats:
            self.note = (
                f"looked in the newest {limit_chats:,} chats only;"
                f" search for {TRIGRAM} characters or more to look in all"
            )
        chats = rows_by_n(conn, list(found))
        return [SearchHit(chats[c], r, s) for c, (r, s) in found.items() if c in chats]

    # --- spend ----------------------------------------------------------------------

    def spend(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[list[SpendLine], list[SpendDay]]:
        """Per provider+model+currency totals and a per-day series over [since, until)."""
        span = (_ts(since, 0), _ts(until, 1e12))

        def query(conn: sqlite3.Connection) -> tuple[list[SpendLine], list[SpendDay]]:
            lines = [
                SpendLine(r[0], r[1], r[2], r[3], r[4], r[5] or 0.0, bool(r[6]), r[7], bool(r[8]))
                for r in conn.execute(
                    "SELECT provider, model, currency, sum(prompt), sum(completion),"
                    " sum(amount), max(estimated), count(*), local FROM spend"
                    " WHERE ts >= ? AND ts < ? GROUP BY provider, model, currency, local"
                    " ORDER BY sum(amount) DESC, provider, model",
                    span,
                )
            ]
            days = [
                SpendDay(r[0], r[1], r[2], r[3] or 0.0, bool(r[4]), bool(r[5]))
                for r in conn.execute(
                    "SELECT date(ts, 'unixepoch', 'localtime') d, currency,"
                    " sum(prompt + completion), sum(amount), max(estimated), local FROM spend"
                    " WHERE ts >= ? AND ts < ? GROUP BY d, currency, local"
                    " ORDER BY d, currency",
                    span,
                )
            ]
            return lines, days

        return self._run(query)


def highlight(text: str, needle: str, radius: int = 40) -> str | None:
    """A one-line snippet around the first match with MARK_ON/MARK_OFF around it."""
    flat = " ".join(text.split())
    at = flat.lower().find(needle.lower())
    if at < 0:
        return plain_snippet(text, needle, radius)
    start, end = max(0, at - radius), min(len(flat), at + len(needle) + radius)
    return (
        ("…" if start else "")
        + flat[start:at]
        + MARK_ON
        + flat[at : at + len(needle)]
        + MARK_OFF
        + flat[at + len(needle) : end]
        + ("…" if end < len(flat) else "")
    )


def _best_per_chat(
    rows: list[tuple[int, int, str, str]], needle: str
) -> dict[int, tuple[float, str, str]]:
    """{chat: (score, role, snippet)} of each chat's best message among `rows`.

    The score is BM25's for a single phrase: its IDF is the same for every message, so
    only how often the text occurs and how long the message is decide the order."""
    fold = needle.casefold()
    k1, b = 1.2, 0.75
    average = sum(len(r[3]) for r in rows) / len(rows) if rows else 1.0
    best: dict[int, tuple[float, int, str, str]] = {}
    for rowid, chat, role, content in rows:
        tf = content.casefold().count(fold)
        if tf == 0:
            continue  # the LIKE superset ('_' for '%'), or a case LIKE folds and we do not
        score = tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(content) / max(average, 1.0)))
        held = best.get(chat)
        if held is None or (score, rowid) > (held[0], held[1]):
            best[chat] = (score, rowid, role, content)
    picked: dict[int, tuple[float, str, str]] = {}
    for chat, (score, _, role, content) in best.items():
        picked[chat] = (score, role, highlight(content, needle) or content[:80])
    return picked


def _filters(
    since: datetime | None, model: str | None, provider: str | None
) -> tuple[str, list[object]]:
    """The WHERE clause of a listing (chats with at least one question) and its values."""
    where: list[str] = ["turns > 0", "updated_ns >= ?"]
    args: list[object] = [int(_ts(since, 0) * 1e9)]
    if model:
        where.append("(model = ? OR model LIKE ? ESCAPE '\\')")
        args += [model, f"%{_escape_like(model)}"]
    if provider:
        where.append("provider = ?")
        args.append(provider)
    return " AND ".join(where), args


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
