"""The saved-chat index: a SQLite cache beside the JSONL files, kept in step with them.

The files stay the truth. The index is opened, checked against every file's size and
mtime (only changed files are read again), and thrown away and rebuilt when it is
missing, corrupt, truncated or of another version. It is never needed to save or
resume a chat: any SQLite failure falls back to an in-memory index built from the
files (today's speed), with one warning. It never writes to a chat file.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from llmchat.errors import ConfigError
from llmchat.store.index_schema import ChatFolder, index_file
from llmchat.store.index_tables import (
    INDEX_VERSION,
    UNANSWERED_INDEX,
    create_schema,
    fts_available,
)

INDEX_FILE = "chats-index.sqlite3"
CHATS_DIR = "chats"
SUFFIX = ".jsonl"
BATCH = 500  # files per transaction in a rebuild: an interrupt loses at most one batch
RECENT = 64  # chats stat-ed on every open, newest written first
SWEEP_EVERY_S = 86_400  # and every file once a day (6 s at 50,000 chats on a loaded machine)
BUSY_MS = 10_000  # how long a second llmchat waits for the first one's transaction
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


def _is_busy(exc: sqlite3.Error) -> bool:
    """Another process holds the lock past busy_timeout: the index is fine, just not ours."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _quiet(_: str) -> None:
    pass


class ChatIndex:
    """One connection to the index of `<data_dir>/chats/`.

    `open()` returns a connection in step with the files, whatever state the index file
    was in; `fts` says whether full-text search (FTS5 trigram) is there. `note_write()`
    is what a writer calls after appending a line: one small transaction, errors
    swallowed after one warning, because a cache must never stop a chat being saved.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        warn: Warn = _quiet,
        progress: Progress | None = None,
        in_memory: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / INDEX_FILE
        self.fts = fts_available()
        self._warn = warn
        self._warned = False
        self._progress = progress
        self._in_memory = in_memory
        self._conn: sqlite3.Connection | None = None
        self.fallback_reason: str | None = None

    @property
    def chats_dir(self) -> Path:
        return self.data_dir / CHATS_DIR

    # --- opening --------------------------------------------------------------------

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
            if _is_busy(exc):
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
            dir_mtime = self._dir_mtime()
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
        on_disk = self._files()
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

    def _connect(self, target: str) -> sqlite3.Connection:
        # isolation_level=None: we say where transactions begin (BEGIN IMMEDIATE).
        conn = sqlite3.connect(target, timeout=BUSY_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        return conn

    def _open_file(self) -> sqlite3.Connection:
        """The index file, made anew when it is missing, corrupt or of another version."""
        try:
            return self._open_existing()
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise
            self.close()
            self._remove_files()
            return self._open_existing()

    def _open_existing(self) -> sqlite3.Connection:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        conn = self._connect(str(self.path))
        self._conn = conn
        if fresh and hasattr(os, "chmod"):
            os.chmod(self.path, 0o600)  # chat text is in here: as private as the chats
        conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
        conn.execute("PRAGMA synchronous = NORMAL")  # a cache: losing the last commit is fine
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == INDEX_VERSION:
            # A cheap look at the pages we use: a truncated or scribbled file fails here.
            conn.execute("SELECT count(*) FROM chats").fetchone()
            if self.fts:
                conn.execute("SELECT rowid FROM fts WHERE fts MATCH 'zzz' LIMIT 1").fetchall()
            with suppress(sqlite3.OperationalError):  # read-only: the count scans instead
                conn.execute(UNANSWERED_INDEX)
            return conn
        if version != 0 or conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise sqlite3.DatabaseError(f"index version {version}, not {INDEX_VERSION}")
        with self.transaction():
            create_schema(conn, fts=self.fts)
        return conn

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self._warn(message)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: takes the write lock up front, so two processes
        queue (busy_timeout) instead of failing half-way with SQLITE_BUSY."""
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- keeping in step ------------------------------------------------------------

    def _files(self) -> dict[str, tuple[int, int]]:
        """{id: (size, mtime_ns)} of every chat file."""
        found: dict[str, tuple[int, int]] = {}
        try:
            entries = os.scandir(self.chats_dir)
        except (FileNotFoundError, NotADirectoryError):
            return found  # no chats saved yet, or a data dir that cannot hold any
        except OSError as exc:
            raise ConfigError(
                f"cannot read the saved chats in {self.chats_dir} ({exc.strerror})",
                "check the permissions of the data dir (LLMCHAT_DATA_DIR)",
            ) from exc
        with entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(SUFFIX) or not _ID_RE.match(name[: -len(SUFFIX)]):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue  # deleted while we looked
                found[name[: -len(SUFFIX)]] = (st.st_size, st.st_mtime_ns)
        return found

    def _dir_mtime(self) -> int | None:
        try:
            return os.stat(self.chats_dir).st_mtime_ns
        except OSError:
            return None

    def _meta(self, key: str) -> int | None:
        assert self._conn is not None
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    def _set_meta(self, key: str, value: int | None) -> None:
        assert self._conn is not None
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

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
        dir_mtime = self._dir_mtime()
        swept_at = self._meta("swept_at") or 0
        fresh_sweep = time.time() - swept_at < SWEEP_EVERY_S
        if (
            not full
            and dir_mtime is not None
            and dir_mtime == self._meta("dir_mtime")
            and fresh_sweep
        ):
            return self._sync_recent()
        read = self._sweep(self._files())
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
                st = os.stat(self.chats_dir / f"{chat_id}{SUFFIX}")
            except OSError:
                return self.sync(full=True)  # gone without the directory changing: look again
            if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                changed.append(chat_id)
        if changed:
            self._index_all(changed)
        return len(changed)

    def _sweep(
        self, on_disk: dict[str, tuple[int, int]], *, at_most: int | None = None
    ) -> int | None:
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
                    index_file(conn, folder, cid, self.chats_dir / f"{cid}{SUFFIX}")
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
                new = index_file(conn, folder, chat_id, self.chats_dir / f"{chat_id}{SUFFIX}")
                folder.flush()
                if new and self._meta("dir_mtime") is not None:
                    self._set_meta("dir_mtime", self._dir_mtime())
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
