"""The chat files as the index sees them: which names are chats, their size and mtime.

Only stat-ing here, never reading a chat or touching SQLite: the index compares these
figures with its rows to know which files to read again (index.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from llmchat.errors import ConfigError

CHATS_DIR = "chats"
SUFFIX = ".jsonl"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

#: {chat id: (size, mtime_ns)}
FileStats = dict[str, tuple[int, int]]


def chat_path(chats_dir: Path, chat_id: str) -> Path:
    return chats_dir / f"{chat_id}{SUFFIX}"


def chat_files(chats_dir: Path) -> FileStats:
    """{id: (size, mtime_ns)} of every chat file."""
    found: FileStats = {}
    try:
        entries = os.scandir(chats_dir)
    except (FileNotFoundError, NotADirectoryError):
        return found  # no chats saved yet, or a data dir that cannot hold any
    except OSError as exc:
        raise ConfigError(
            f"cannot read the saved chats in {chats_dir} ({exc.strerror})",
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


def chats_dir_mtime(chats_dir: Path) -> int | None:
    """The chats directory's mtime: it moves when a chat is made, deleted or renamed."""
    try:
        return os.stat(chats_dir).st_mtime_ns
    except OSError:
        return None
