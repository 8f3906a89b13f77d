"""The Environment: streams, TTY facts, colour, size and directories, gathered once.

The launcher and the CLI build one from the real process (`Environment.from_process`);
tests build one by hand. This module is the only reader of `os.environ`: code that has
an Environment reads `env.vars`; the few places that must see the real process
before one exists, or on behalf of a library that reads it itself (tiktoken's cache
directory, NO_COLOR for an error printed by the launcher), call `process_vars()`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


def _default_config_dir(env: Mapping[str, str]) -> Path:
    if env.get("LLMCHAT_CONFIG_DIR"):
        return Path(env["LLMCHAT_CONFIG_DIR"]).expanduser()
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "llmchat"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "llmchat"
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "llmchat"


def _default_data_dir(env: Mapping[str, str]) -> Path:
    if env.get("LLMCHAT_DATA_DIR"):
        return Path(env["LLMCHAT_DATA_DIR"]).expanduser()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "llmchat"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "llmchat"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "llmchat"


def process_vars() -> Mapping[str, str]:
    """The real process environment, read-only: the one door to `os.environ`."""
    return os.environ


DUMB_TERMINALS = ("dumb", "unknown")
# What llmchat draws beyond ASCII (spinner, prompt, separators); if stdout cannot encode
# these, everything degrades to ASCII instead of dying on the first one.
_GLYPHS = "⠋›·…—"


_ASCII_FOR = str.maketrans({"›": ">", "·": "-", "…": "...", "—": "--", "–": "-", "•": "*"})


def is_dumb(env: Mapping[str, str]) -> bool:
    """TERM=dumb (Emacs shells, some CI logs): no colour, no cursor movement, no escapes."""
    return env.get("TERM", "").lower() in DUMB_TERMINALS


def can_encode(stream: TextIO, text: str = _GLYPHS) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Environment:
    """Everything about the process's surroundings that changes how llmchat behaves."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    no_color: bool = False
    config_dir: Path = field(default_factory=lambda: Path(".llmchat-config"))
    data_dir: Path = field(default_factory=lambda: Path(".llmchat-data"))
    vars: Mapping[str, str] = field(default_factory=dict)
    ascii_only: bool = False  # stdout cannot encode our glyphs (PYTHONIOENCODING, LC_ALL=C)

    def printable(self, text: str) -> str:
        """`text` with our own glyphs spelled in ASCII where stdout cannot show them."""
        return text.translate(_ASCII_FOR) if self.ascii_only else text

    @property
    def dumb(self) -> bool:
        """A terminal that understands no escape sequence at all (TERM=dumb)."""
        return is_dumb(self.vars)

    @property
    def color(self) -> bool:
        """Colour on stdout: only on a terminal, and never when NO_COLOR is set."""
        return self.stdout_isatty and not self.no_color

    columns: int | None = None  # a fixed width (tests); None asks the terminal each time

    def width(self) -> int:
        if self.columns is not None:
            return self.columns
        return shutil.get_terminal_size((80, 24)).columns

    @classmethod
    def from_process(cls) -> Environment:
        env = dict(os.environ)
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            no_color=bool(env.get("NO_COLOR")) or is_dumb(env),
            config_dir=_default_config_dir(env),
            data_dir=_default_data_dir(env),
            vars=env,
            ascii_only=not can_encode(sys.stdout),
        )
