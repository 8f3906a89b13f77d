"""The REPL's input history on disk, where a failing disk is a warning and never a crash.

prompt_toolkit appends each accepted line to its history file from inside its event
loop; an OSError there (a full disk, the data dir deleted under us) would end in its
"Unhandled exception in event loop" screen. Here it becomes one warning, and the
history goes on in memory for the rest of the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory, History, InMemoryHistory

HISTORY_FILE = "history"


class SafeFileHistory(FileHistory):
    """A FileHistory whose disk errors go to `warn` once, then are not retried."""

    def __init__(self, filename: str, warn: Callable[[str], None]) -> None:
        super().__init__(filename)
        self._warn = warn
        self._failed = False

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        if self._failed:
            return
        try:
            super().store_string(string)
        except OSError as exc:
            self._failed = True
            reason = exc.strerror or str(exc)
            self._warn(
                f"could not save input history to {self.filename!s}: {reason} — "
                "kept in memory for this session"
            )


def private_history(data_dir: Path, warn: Callable[[str], None]) -> History:
    """Input history on disk, readable by the user alone (it holds what they typed)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = data_dir / HISTORY_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
        return SafeFileHistory(str(path), warn)
    except OSError:
        return InMemoryHistory()
