"""Files only their owner may read: keys, and the list of trusted `.env` files.

Why one helper: the key store and the trust store must both be written atomically
(a crash never leaves half a file) with 0600 inside a 0700 directory, and both must
refuse a file other users could have read or planted. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from llmchat.errors import ConfigError

_POSIX = sys.platform != "win32"


def ensure_private_dir(directory: Path) -> None:
    """Create `directory` (and parents) 0700; take group/other bits off an existing one."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _POSIX:
        mode = stat.S_IMODE(directory.stat().st_mode)
        if mode & 0o077:
            directory.chmod(mode & 0o700)


def check_private(path: Path, what: str) -> None:
    """Refuse a file that group or others can read or write: its secrets may be known."""
    if not _POSIX:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{what} {path} is open to other users (mode {mode:o}), so it is not used",
            f"run: chmod 600 {path}",
        )


def read_private(path: Path, what: str) -> str | None:
    """The file's text, or None when it does not exist; refused if others can read it."""
    try:
        check_private(path, what)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_private_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text`: temp file 0600 + fsync + rename, then fsync the dir."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # left by a crash of this same pid number
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if _POSIX:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
