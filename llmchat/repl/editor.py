"""`/edit`: write a message in the user's own editor ($VISUAL, $EDITOR, else a sane default)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from llmchat.environment import Environment
from llmchat.errors import UsageError


def _editor_command(env: Environment) -> list[str]:
    for var in ("VISUAL", "EDITOR"):
        value = env.vars.get(var, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("nano", "vim", "vi", "notepad"):
        if shutil.which(fallback):
            return [fallback]
    raise UsageError("no editor found", "set EDITOR, e.g. export EDITOR=nano")


def edit_file(
    path: Path, env: Environment, *, failed: str = "nothing sent", fix: str = "to send"
) -> None:
    """Run the user's editor on `path` and wait; a failing editor is a UsageError."""
    command = _editor_command(env)
    try:
        result = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        raise UsageError(
            f"cannot start editor {command[0]!r}: {exc.strerror}",
            "set $EDITOR (or $VISUAL) to an editor you have, e.g. nano",
        ) from exc
    if result.returncode != 0:
        raise UsageError(
            f"the editor exited with status {result.returncode}; {failed}",
            f"save and quit the editor normally {fix}",
        )


def edit_text(initial: str, env: Environment) -> str:
    """Open the editor on a private temporary file and return what was saved."""
    fd, name = tempfile.mkstemp(prefix="llmchat-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(initial)
        edit_file(path, env)
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
