"""The chat index's SQLite tables, their version, and whether FTS5's trigram tokenizer is
here. What goes into the rows is index_schema.py's business; opening and keeping the
file in step is index.py's.
"""

from __future__ import annotations

import sqlite3
from functools import cache

# Bump when the tables or what goes into them change: an index of another version is
# thrown away and rebuilt from the files (PRAGMA user_version holds it).
INDEX_VERSION = 6  # 3: chats.answers (unanswered chats stay out of the listing); 4: a
# compared model that failed before its first word is not an answer; 5: spend.local (a
# local model's turns say "free (local)", not "$0.00"); 6: a reply killed mid-stream
# counts its pieces' usage and cost, chats.uncounted those whose pieces had none,
# chats.streaming a reply whose pieces wait for its line (listed as answered)

CHAT_TABLES = """
CREATE TABLE IF NOT EXISTS chats(
  n INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created REAL NOT NULL,
  updated_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  indexed INTEGER NOT NULL,
  tail BLOB NOT NULL,
  title TEXT,
  title_set INTEGER NOT NULL DEFAULT 0,
  first_user TEXT,
  provider TEXT,
  model TEXT,
  turns INTEGER NOT NULL DEFAULT 0,
  answers INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  estimated INTEGER NOT NULL DEFAULT 0,
  uncounted INTEGER NOT NULL DEFAULT 0,
  streaming INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chats_updated ON chats(updated_ns);
CREATE TABLE IF NOT EXISTS msgs(
  rowid INTEGER PRIMARY KEY,
  chat INTEGER NOT NULL,
  role TEXT NOT NULL,
  ts REAL NOT NULL,
  content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS msgs_chat ON msgs(chat);
CREATE TABLE IF NOT EXISTS spend(
  chat INTEGER NOT NULL,
  ts REAL NOT NULL,
  provider TEXT,
  model TEXT,
  prompt INTEGER NOT NULL,
  completion INTEGER NOT NULL,
  amount REAL,
  currency TEXT,
  estimated INTEGER NOT NULL,
  local INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS spend_ts ON spend(ts);
CREATE INDEX IF NOT EXISTS spend_chat ON spend(chat);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
"""
# External content: the text is stored once (in msgs), the trigram index beside it.
# detail=none keeps only which messages hold a trigram, not where: half the size and
# faster to build. Queries use `content LIKE '%needle%'`, which FTS5 answers from the
# trigrams and then checks against the text, so Chinese substrings still match exactly
# (phrase MATCH would need detail=full; bm25 is not used, see index_query.py).
FTS_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
  content, content='msgs', content_rowid='rowid', tokenize='trigram', detail=none
);
"""


@cache
def fts_available() -> bool:
    """FTS5 with the trigram tokenizer: SQLite 3.34+ built with FTS5. Asked once a
    process: every ChatIndex (the recorder's, a listing's) needs the answer."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    try:
        probe = sqlite3.connect(":memory:")
        try:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        finally:
            probe.close()
    except sqlite3.Error:
        return False
    return True


# Added after version 4 without a rebuild: made on open where missing (one scan, once).
# The listing's "N unanswered chats not shown" counts from it instead of every row.
UNANSWERED_INDEX = (
    "CREATE INDEX IF NOT EXISTS chats_unanswered ON chats(updated_ns) WHERE answers = 0"
)


def create_schema(conn: sqlite3.Connection, *, fts: bool) -> None:
    # One statement at a time: executescript() would COMMIT the caller's transaction.
    for statement in (CHAT_TABLES + (FTS_TABLE if fts else "")).split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(UNANSWERED_INDEX)
    conn.execute(f"PRAGMA user_version = {INDEX_VERSION}")
