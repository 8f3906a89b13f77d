"""The saved-chat index: a SQLite cache beside the JSONL files, kept in step with them.

The files stay the truth. The index is opened, checked against every file's size and
mtime (only changed files are read again), and thrown away and rebuilt when it is
missing, corrupt, truncated or of another version. It is never needed to save or
resume a chat: any SQLite failure falls back to an in-memory index built from the
files (today's speed), with one warning. It never writes to a chat file.
"""

from __future__ import annotations

import os
import sqlite3
import time

from llmchat.store.index_connection import INDEX_FILE, IndexConnection, Progress, is_busy
from llmchat.store.index_files import FileStats, chat_files, chat_path, chats_dir_mtime
from llmchat.store.index_schema import ChatFolder, index_file
from llmchat.store.index_tables import create_schema

BATCH = 500  # files per transaction in a rebuild: an interrupt loses at most one batch
RECENT = 64  # chats stat-ed on every open, newest written first
SWEEP_EVERY_S = 86_400  # and every file once a day (6 s at 50,000 chats on a loaded machine)

# INDEX_FILE and Progress are asked for here by the listing, the tests and bench/.
__all__ = ["BATCH", "INDEX_FILE", "RECENT", "SWEEP_EVERY_S", "ChatIndex", "Progress"]


class ChatIndex(IndexConnection):
    """One connection to the index of `<data_dir>/chats/` (the file itself: index_connection.py).

    `open()` returns a connection in step with the files, whatever state the index file
    was in; `fts` says whether full-text search (FTS5 trigram) is there. `note_write()`
    is what a writer calls after appending a line: one small transaction, errors
    swallowed after one warning, because a cache must never stop a chat being saved.
    """

    # --- opening, in step ------------------------------------------------------------

    def open(self) -> sqlite3.Connection:
        """A connection whose rows match the chat files now. Never raises for a bad index:
        the worst case is an in-memory index built from the files, with one warning."""
        if self._conn is not None:
            self.sync()
            return self._conn
        if not self.fts:
            self.fallback_reason = (
                f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram search;"
                " searching by reading every chat"
            )
            self.warn_once(self.fallback_reason)
        if not self._in_memory:
            try:
                return self._open_and_sync()
            except (sqlite3.Error, OSError) as exc:
                self.close()
                self.fallback_reason = f"chat index unusable ({exc}); reading every chat"
                self.warn_once(self.fallback_reason)
        self._conn = self._connect(":memory:")
        create_schema(self._conn, fts=self.fts)
        self.sync()
        return self._conn

    def _open_and_sync(self) -> sqlite3.Connection:
        """Open and catch up; damage found on the way costs one rebuild, not an error."""
        try:
            self._conn = self._open_file()
            self.sync()
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):
                raise
            self.close()
            self._remove_files()
            self._conn = self._open_file()
            self.sync()
        return self._conn

    def latest_written(self) -> str | None:
        """The chat written to last if the index can say so cheaply (`-c`); None when it
        is missing, damaged or of another version: then the caller asks the files. Unlike
        open(), this never builds or rebuilds (minutes at 50,000 chats: resuming must not
        wait for a cache; the next listing does it). The connection stays open for note_write.
        """
        try:
            if not self.path.is_file() or self.path.stat().st_size == 0:
                return None
            conn = self._conn or self._open_existing()
            dir_mtime = chats_dir_mtime(self.chats_dir)
            if dir_mtime != self._meta("dir_mtime"):
                return self._latest_after_a_change(dir_mtime)
            self._sync_recent()  # a line appended behind our back to a recent chat
            row = conn.execute("SELECT id FROM chats ORDER BY updated_ns DESC LIMIT 1").fetchone()
        except (sqlite3.Error, OSError):
            self.close()
            return None
        return str(row[0]) if row is not None else None

    def _latest_after_a_change(self, dir_mtime: int | None) -> str | None:
        """A chat was made or deleted behind the index's back: the newest file by a stat
        of each (what the caller would do anyway), and the index brought in step on the
        way when only a few files changed; a rebuild is left to the next listing."""
        on_disk = chat_files(self.chats_dir)
        try:
            if self._sweep(on_disk, at_most=RECENT) is not None:
                self._stamp_sweep(dir_mtime)
        except (sqlite3.Error, OSError):
            self.close()  # a read-only or damaged index: the files still answer
        return max(on_disk, key=lambda cid: on_disk[cid][1], default=None)

    def recover(self) -> sqlite3.Connection:
        """After a query met a damaged index: rebuild it (or fall back) and go on."""
        self.close()
        if not self._in_memory:
            self._remove_files()
        return self.open()

    # --- keeping in step ------------------------------------------------------------

    def sync(self, *, full: bool = False) -> int:
        """Index what changed since last time; returns how many chat files were read.

        Stat-ing every file costs O(chats) (0.1–1.5 s at 10,000 on a loaded machine), so
        the full sweep runs only when the chats directory's mtime moved since the last
        one (a chat was created, deleted or renamed) or SWEEP_EVERY_S has passed. Between
        sweeps only the RECENT most recently written chats are stat-ed: that catches a
        line appended behind our back to a recent chat (a crash between the JSONL write
        and note_write, another tool); llmchat's own writes arrive through note_write.
        """
        conn = self._conn
        assert conn is not None
        dir_mtime = chats_dir_mtime(self.chats_dir)
        swept_at = self._meta("swept_at") or 0
        fresh_sweep = time.time() - swept_at < SWEEP_EVERY_S
        if (
            not full
            and dir_mtime is not None
            and dir_mtime == self._meta("dir_mtime")
            and fresh_sweep
        ):
            return self._sync_recent()
        read = self._sweep(chat_files(self.chats_dir))
        self._stamp_sweep(dir_mtime)
        return read or 0

    def _sync_recent(self) -> int:
        conn = self._conn
        assert conn is not None
        changed: list[str] = []
        rows = conn.execute(
            "SELECT id, size, updated_ns FROM chats ORDER BY updated_ns DESC LIMIT ?", (RECENT,)
        ).fetchall()
        for chat_id, size, mtime_ns in rows:
            try:
                st = os.stat(chat_path(self.chats_dir, chat_id))
            except OSError:
                return self.sync(full=True)  # gone without the directory changing: look again
            if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                changed.append(chat_id)
        if changed:
            self._index_all(changed)
        return len(changed)

    def _sweep(self, on_disk: FileStats, *, at_most: int | None = None) -> int | None:
        """Bring the rows in line with `on_disk` ({id: (size, mtime_ns)}); how many files
        were read, or None, having changed nothing, when more than `at_most` files were
        made, changed or deleted."""
        conn = self._conn
        assert conn is not None
        known = {
            row[0]: (row[1], row[2], row[3])
            for row in conn.execute("SELECT id, size, updated_ns, n FROM chats")
        }
        changed = [cid for cid, stat in on_disk.items() if known.get(cid, (None, None))[:2] != stat]
        gone = [known[cid][2] for cid in known.keys() - on_disk.keys()]
        if at_most is not None and len(changed) + len(gone) > at_most:
            return None
        if gone:
            folder = ChatFolder(conn, fts=self.fts)
            with self.transaction():
                for n in gone:
                    folder.forget(n)
        # Oldest first, so message rowids grow with time: search takes the newest
        # matches by rowid without sorting them (see index_query.py).
        changed.sort(key=lambda cid: on_disk[cid][1])
        self._index_all(changed)
        return len(changed)

    def _stamp_sweep(self, dir_mtime: int | None) -> None:
        """Remember the sweep; `dir_mtime` is the one seen before it, so later changes count."""
        with self.transaction():
            self._set_meta("dir_mtime", dir_mtime)
            self._set_meta("swept_at", int(time.time()))

    def _index_all(self, changed: list[str]) -> None:
        """Commits every BATCH files, so an interrupted rebuild keeps what it did and the
        next run goes on from there."""
        conn = self._conn
        assert conn is not None
        total = len(changed)
        for start in range(0, total, BATCH):
            folder = ChatFolder(conn, fts=self.fts)
            with self.transaction():
                for cid in changed[start : start + BATCH]:
                    index_file(conn, folder, cid, chat_path(self.chats_dir, cid))
                folder.flush()
            if self._progress is not None:
                self._progress(min(start + BATCH, total), total)

    def note_write(self, chat_id: str) -> None:
        """After a line was appended to a chat: index its new bytes (one transaction).

        A new chat moved the directory's mtime; it is indexed here, so the stamp moves
        with it and the next open need not sweep. (A file another program creates in the
        same millisecond would wait for the next sweep: SWEEP_EVERY_S at most.)
        Never raises: the chat is already safe in its file, and the next open catches up.
        """
        try:
            if self._conn is None:
                self._conn = self._open_file()
            folder = ChatFolder(self._conn, fts=self.fts)
            with self.transaction() as conn:
                new = index_file(conn, folder, chat_id, chat_path(self.chats_dir, chat_id))
                folder.flush()
                if new and self._meta("dir_mtime") is not None:
                    self._set_meta("dir_mtime", chats_dir_mtime(self.chats_dir))
        except (sqlite3.Error, OSError) as exc:
            self.warn_once(f"chat index not updated ({exc}); it catches up next time")
            self.close()

    def rebuild(self) -> int:
        """Throw the index away and read every chat again (`llmchat chats --reindex`)."""
        self.close()
        self._remove_files()
        self._conn = self._open_file()
        count = self.sync(full=True)
        if self.fts:
            # One merged trigram b-tree: smaller, and a query reads one segment, not dozens.
            with self.transaction() as conn:
                conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the size on disk is the size
        return count
