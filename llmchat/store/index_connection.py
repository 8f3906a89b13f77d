"""The index's SQLite file: opened, checked, thrown away when damaged or of another version.

How a connection is made (WAL, busy timeout, 0600), how a write transaction begins, and
the few figures the index keeps about itself (`meta`). What the rows hold and when they
are brought in step with the chat files is index.py's business.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from llmchat.store.index_files import CHATS_DIR
from llmchat.store.index_tables import (
    INDEX_VERSION,
    UNANSWERED_INDEX,
    create_schema,
    fts_available,
)

INDEX_FILE = "chats-index.sqlite3"
BUSY_MS = 10_000  # how long a second llmchat waits for the first one's transaction

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


def is_busy(exc: sqlite3.Error) -> bool:
    """Another process holds the lock past busy_timeout: the index is fine, just not ours."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _quiet(_: str) -> None:
    pass


class IndexConnection:
    """The connection to `<data_dir>/chats-index.sqlite3` and what it takes to (re)make it.

    A damaged or foreign file is removed and made anew here; what then fills it is
    ChatIndex's (index.py) job. Warnings go out once per instance: a cache that fails
    must not repeat itself on every message.
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
            if is_busy(exc):
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

    def _meta(self, key: str) -> int | None:
        assert self._conn is not None
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    def _set_meta(self, key: str, value: int | None) -> None:
        assert self._conn is not None
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
