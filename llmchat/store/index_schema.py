"""How one chat file's new lines are folded into the chat index (tables: index_tables.py).

No file listing and no opening policy here (see index.py): only "these bytes of
this chat become these rows", so a full rebuild, a sync after a file changed behind our
back and the update after one appended message all go through the same code.
The JSONL files are the truth; nothing here ever writes to them.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from llmchat.events import Cost, Usage
from llmchat.store.lock import held_by_a_writer
from llmchat.store.reader import short_title
from llmchat.store.record_types import (
    MessageRecord,
    MetaRecord,
    PartialRecord,
    Record,
    RecordError,
)
from llmchat.store.records import from_json
from llmchat.store.timestamps import parse_time, time_from_id

# A few bytes before the indexed end are kept, so a file rewritten behind our back (not
# just appended to) is noticed and indexed afresh rather than half-stale.
TAIL_BYTES = 32


@dataclass
class ChatState:
    """A chat's folded facts, as stored in its `chats` row; read back to continue folding."""

    n: int | None
    created: float | None = None
    title: str | None = None
    title_set: bool = False
    first_user: str | None = None
    provider: str | None = None
    model: str | None = None
    turns: int = 0
    answers: int = 0  # assistant messages: 0 is a chat whose questions never got a reply
    tokens: int = 0
    estimated: bool = False
    uncounted: int = 0  # replies killed mid-stream whose pieces carried no usage
    streaming: bool = False  # a reply's pieces wait for its line (its writer is alive)


def _epoch(text: str | None, default: float) -> float:
    moment = parse_time(text)
    return moment.timestamp() if moment is not None else default


def complete_lines(data: bytes) -> bytes:
    """The bytes up to and with the last newline: a line still being written waits."""
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


def parse_lines(data: bytes) -> list[Record]:
    """Records of complete lines; damaged lines are skipped here (read_chat reports them)."""
    records: list[Record] = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            records.append(from_json(json.loads(raw)))
        except (RecordError, ValueError):
            continue
    return records


class ChatFolder:
    """Adds chats' records to the index inside the caller's transaction.

    New messages and spend lines are gathered and written with executemany at flush();
    the trigram index takes them in one INSERT … SELECT per batch, which is what makes a
    rebuild several times faster than a statement per message.
    """

    def __init__(self, conn: sqlite3.Connection, *, fts: bool) -> None:
        self._conn = conn
        self._fts = fts
        self._msgs: list[tuple[int, str, float, str]] = []
        self._spend: list[tuple[object, ...]] = []

    def flush(self) -> None:
        """Write what was gathered; call before the transaction commits."""
        if self._msgs:
            before = self._conn.execute("SELECT coalesce(max(rowid), 0) FROM msgs").fetchone()[0]
            self._conn.executemany(
                "INSERT INTO msgs(chat, role, ts, content) VALUES (?, ?, ?, ?)", self._msgs
            )
            if self._fts:
                self._conn.execute(
                    "INSERT INTO fts(rowid, content) SELECT rowid, content FROM msgs"
                    " WHERE rowid > ?",
                    (before,),
                )
            self._msgs.clear()
        if self._spend:
            self._conn.executemany(
                "INSERT INTO spend VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._spend
            )
            self._spend.clear()

    def forget(self, n: int) -> None:
        """Remove a chat's rows (its file vanished, or it is indexed afresh)."""
        self.flush()
        if self._fts:
            self._conn.execute(
                "INSERT INTO fts(fts, rowid, content) "
                "SELECT 'delete', rowid, content FROM msgs WHERE chat = ?",
                (n,),
            )
        self._conn.execute("DELETE FROM msgs WHERE chat = ?", (n,))
        self._conn.execute("DELETE FROM spend WHERE chat = ?", (n,))
        self._conn.execute("DELETE FROM chats WHERE n = ?", (n,))

    def _add_text(self, n: int, role: str, ts: float, content: str) -> None:
        self._msgs.append((n, role, ts, content))

    def _drop_title_text(self, n: int) -> None:
        self.flush()
        if self._fts:
            self._conn.execute(
                "INSERT INTO fts(fts, rowid, content) "
                "SELECT 'delete', rowid, content FROM msgs WHERE chat = ? AND role = 'title'",
                (n,),
            )
        self._conn.execute("DELETE FROM msgs WHERE chat = ? AND role = 'title'", (n,))

    def fold(self, state: ChatState, records: list[Record], mtime: float) -> None:
        """Apply records in file order, the way store_read.read_chat reads them."""
        assert state.n is not None
        n = state.n
        cut: list[PartialRecord] = []  # a reply's pieces whose own line never came
        for rec in records:
            if isinstance(rec, PartialRecord):
                cut.append(rec)
                continue
            if cut and not (isinstance(rec, MessageRecord) and rec.role == "assistant"):
                self._fold_cut_reply(state, cut, mtime)  # the chat went on without its line
            cut.clear()
            if isinstance(rec, MetaRecord):
                if state.created is None and rec.created:
                    state.created = _epoch(rec.created, mtime)
                state.provider = rec.provider or state.provider
                state.model = rec.model or state.model
                if rec.title_set:
                    state.title, state.title_set = rec.title, True
                    self._drop_title_text(n)
                    if rec.title:
                        self._add_text(n, "title", mtime, rec.title)
            elif isinstance(rec, MessageRecord):
                self._fold_message(state, rec, mtime)
        if cut:
            self._fold_cut_reply(state, cut, mtime)

    def _fold_cut_reply(self, state: ChatState, pieces: list[PartialRecord], mtime: float) -> None:
        """A reply llmchat was killed in the middle of: read_chat keeps its pieces as an
        interrupted reply, so it is an answer here too, its text is found, and its tokens
        and cost are the last piece's (the whole reply's so far), as a Ctrl+C saves them.
        Pieces saved before they carried usage leave the chat's tokens unknown."""
        assert state.n is not None
        state.answers += 1
        self._add_text(state.n, "assistant", mtime, "".join(p.text for p in pieces))
        last = next((p for p in reversed(pieces) if p.usage is not None), None)
        if last is None:
            state.uncounted += 1
            return
        self._add_spend(state, mtime, None, None, last.usage, last.cost)

    def _fold_message(self, state: ChatState, rec: MessageRecord, mtime: float) -> None:
        assert state.n is not None
        ts = _epoch(rec.ts, mtime)
        state.provider = state.provider or rec.provider
        state.model = state.model or rec.model
        if rec.role != "system":
            # The system prompt is setting, not conversation (as in ChatStore.search).
            self._add_text(state.n, rec.role, ts, rec.content)
        if rec.role == "user":
            state.turns += 1
            if state.first_user is None:
                state.first_user = short_title(rec.content) or None
        elif rec.answers:
            state.answers += 1
        if rec.usage is None and rec.cost is None:
            return
        self._add_spend(state, ts, rec.provider, rec.model, rec.usage, rec.cost)

    def _add_spend(
        self,
        state: ChatState,
        ts: float,
        provider: str | None,
        model: str | None,
        usage: Usage | None,
        cost: Cost | None,
    ) -> None:
        estimated = bool(usage and usage.estimated)
        state.estimated = state.estimated or estimated
        state.tokens += usage.total_tokens if usage else 0
        self._spend.append(
            (
                state.n,
                ts,
                provider or state.provider,
                model or state.model,
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
                cost.amount if cost else None,
                cost.currency if cost else None,
                int(estimated),
                int(cost is not None and cost.free_local),
            )
        )


def load_state(conn: sqlite3.Connection, chat_id: str) -> tuple[ChatState, int, bytes, int] | None:
    """A chat's stored state, its indexed byte count, the tail bytes before it, its mtime."""
    row = conn.execute(
        "SELECT n, created, title, title_set, first_user, provider, model, turns, tokens,"
        " estimated, indexed, tail, updated_ns, answers, uncounted, streaming FROM chats"
        " WHERE id = ?",
        (chat_id,),
    ).fetchone()
    if row is None:
        return None
    state = ChatState(
        n=row[0],
        created=row[1],
        title=row[2],
        title_set=bool(row[3]),
        first_user=row[4],
        provider=row[5],
        model=row[6],
        turns=row[7],
        tokens=row[8],
        estimated=bool(row[9]),
        answers=int(row[13]),
        uncounted=int(row[14]),
        streaming=bool(row[15]),
    )
    return state, int(row[10]), bytes(row[11]), int(row[12])


def save_state(
    conn: sqlite3.Connection,
    chat_id: str,
    state: ChatState,
    *,
    updated_ns: int,
    size: int,
    indexed: int,
    tail: bytes,
) -> None:
    created = state.created
    if created is None:
        from_id = time_from_id(chat_id)
        created = from_id.timestamp() if from_id is not None else updated_ns / 1e9
    values = (
        created,
        updated_ns,
        size,
        indexed,
        tail,
        state.title,
        int(state.title_set),
        state.first_user,
        state.provider,
        state.model,
        state.turns,
        state.tokens,
        int(state.estimated),
        state.answers,
        state.uncounted,
        int(state.streaming),
    )
    conn.execute(
        "UPDATE chats SET created=?, updated_ns=?, size=?, indexed=?, tail=?, title=?,"
        " title_set=?, first_user=?, provider=?, model=?, turns=?, tokens=?, estimated=?,"
        " answers=?, uncounted=?, streaming=? WHERE n = ?",
        (*values, state.n),
    )


def new_chat_row(conn: sqlite3.Connection, chat_id: str) -> ChatState:
    cur = conn.execute(
        "INSERT INTO chats(id, created, updated_ns, size, indexed, tail)"
        " VALUES (?, 0, 0, 0, 0, x'')",
        (chat_id,),
    )
    assert cur.lastrowid is not None
    return ChatState(n=cur.lastrowid)


def index_file(conn: sqlite3.Connection, folder: ChatFolder, chat_id: str, path: Path) -> bool:
    """Bring one chat's rows up to its file, reading only the bytes not yet indexed.
    True when the chat was not in the index before (a new file).

    Called inside a write transaction, which makes it safe for two processes: the second
    one finds the offset the first one stored and has nothing left to do.
    """
    stored = load_state(conn, chat_id)
    try:
        with path.open("rb") as handle:
            st = os.fstat(handle.fileno())
            size, mtime_ns = st.st_size, st.st_mtime_ns
            start = 0
            if stored is not None:
                state, indexed, tail, known_mtime = stored
                handle.seek(max(0, indexed - TAIL_BYTES))
                still_there = handle.read(min(indexed, TAIL_BYTES)) == tail
                # Same size, new mtime: rewritten in place, not appended to.
                rewritten = indexed == size and mtime_ns != known_mtime
                if indexed <= size and still_there and not rewritten:
                    start = indexed
                else:
                    folder.forget(state.n or 0)
                    stored = None
            handle.seek(start)
            data = complete_lines(handle.read(size - start))
            records = parse_lines(data)
            streaming = False
            if records and isinstance(records[-1], PartialRecord):
                data, records = _without_streaming_pieces(data, records, handle.fileno())
                streaming = start + len(data) < size
                if streaming:
                    size = start + len(data)  # stored as seen: the next sync reads on
            end = start + len(data)
            handle.seek(max(0, end - TAIL_BYTES))
            new_tail = handle.read(min(end, TAIL_BYTES))
    except FileNotFoundError:
        if stored is not None:
            folder.forget(stored[0].n or 0)
        return False
    state = stored[0] if stored is not None else new_chat_row(conn, chat_id)
    folder.fold(state, records, mtime_ns / 1e9)
    state.streaming = streaming
    save_state(conn, chat_id, state, updated_ns=mtime_ns, size=size, indexed=end, tail=new_tail)
    return stored is None


def _without_streaming_pieces(
    data: bytes, records: list[Record], fd: int
) -> tuple[bytes, list[Record]]:
    """`data` and its records without the reply pieces they end with while the llmchat
    writing them is alive (it holds the chat's lock): that reply's own line is still to
    come, and folding its pieces now would count it twice. Once the writer is gone (killed)
    the pieces are the reply, as read_chat keeps them."""
    if not held_by_a_writer(fd):
        return data, records
    cut, pieces = len(data), 0
    while cut > 0:
        begin = data.rfind(b"\n", 0, cut - 1) + 1
        line = data[begin:cut]
        if line.strip():
            try:
                if not isinstance(from_json(json.loads(line)), PartialRecord):
                    break
            except (RecordError, ValueError):
                break
            pieces += 1
        cut = begin
    return data[:cut], records[: len(records) - pieces]
