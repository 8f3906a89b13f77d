"""`-f/--file PATH` and piped stdin: text the question carries, fenced so the model knows it.

Only text is attached: a NUL byte or bytes that are not UTF-8 mean a binary file, which
would cost tokens and confuse the model, so it is refused in one line (exit 2) before
anything is sent. So are directories, missing and unreadable files, and a question
whose files would not fit the model's window with room left for the reply.
Nothing here scans the text for `{{variables}}`: attached text is sent as it is.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from llmchat.errors import UsageError

STDIN = "-"
#: Far above any context window (~2.5M tokens); bounds the read of /dev/zero and its kin.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

LANGUAGES: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".jsx": "jsx", ".ts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin", ".kts": "kotlin",
    ".scala": "scala", ".swift": "swift", ".c": "c", ".h": "c", ".cc": "cpp",
    ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".cs": "csharp",
    ".m": "objectivec", ".rb": "ruby", ".php": "php", ".pl": "perl", ".lua": "lua",
    ".r": "r", ".jl": "julia", ".dart": "dart", ".ex": "elixir", ".exs": "elixir",
    ".erl": "erlang", ".hs": "haskell", ".clj": "clojure", ".ml": "ocaml",
    ".sh": "bash", ".bash": "bash", ".zsh": "zsh", ".fish": "fish", ".ps1": "powershell",
    ".sql": "sql", ".html": "html", ".htm": "html", ".css": "css", ".scss": "scss",
    ".vue": "vue", ".svelte": "svelte", ".json": "json", ".jsonl": "json",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".cfg": "ini",
    ".xml": "xml", ".md": "markdown", ".rst": "rst", ".tex": "latex", ".csv": "csv",
    ".diff": "diff", ".patch": "diff", ".proto": "protobuf", ".graphql": "graphql",
    ".tf": "hcl", ".nix": "nix", ".zig": "zig", ".txt": "text",
}  # fmt: skip
_NAMED: dict[str, str] = {
    "dockerfile": "dockerfile", "makefile": "makefile", "gnumakefile": "makefile",
    "cmakelists.txt": "cmake", ".env": "bash", ".bashrc": "bash", ".zshrc": "zsh",
}  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    """One attached text: `label` is the path as the user typed it (`stdin` for `-`)."""

    label: str
    text: str
    language: str = ""

    def fenced(self) -> str:
        """The text in a fence longer than any backtick run inside it, under its path."""
        longest = max((len(run) for run in re.findall(r"`{3,}", self.text)), default=2)
        fence = "`" * (longest + 1)
        body = self.text if self.text.endswith("\n") or not self.text else self.text + "\n"
        return f"File: {self.label}\n{fence}{self.language}\n{body}{fence}"


def language_for(path: str) -> str:
    """The fence's language tag from the file name; empty when unknown."""
    name = Path(path).name.lower()
    return _NAMED.get(name) or LANGUAGES.get(Path(name).suffix, "")


def decode_text(data: bytes, label: str, *, force: bool = False) -> str:
    """UTF-8 text, or a one-line refusal saying why it looks binary (unless forced)."""
    if force:
        return data.decode("utf-8", errors="replace").replace("\x00", "")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UsageError(
            f"{label} is binary (a NUL byte at offset {nul:,})", "attach text files only"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{label} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start:,})",
            "convert it first, e.g. iconv -f latin1 -t utf-8",
        ) from None


def _read_bounded(handle: BinaryIO, label: str) -> bytes:
    data = handle.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise UsageError(
            f"{label} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            "attach a smaller file or an excerpt (e.g. head -n 500 FILE | llmchat ...)",
        )
    return data


def read_file(path: str) -> Attachment:
    """One `-f PATH` (not `-`): checked, read, decoded — or a one-line UsageError."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", "check the path (Tab completes it)") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(
            f"{path} is a directory", f"attach the files in it, e.g. -f {path.rstrip('/')}/*.py"
        )
    try:
        with open(path, "rb") as handle:
            data = _read_bounded(handle, path)
    except PermissionError:
        raise UsageError(f"{path}: permission denied", "check the file's permissions") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    return Attachment(path, decode_text(data, path), language_for(path))


def read_stdin(stdin: BinaryIO | None, *, is_tty: bool, force: bool = False) -> str | None:
    """Piped stdin as text; None for a terminal (never wait on one) or no stdin at all."""
    if stdin is None or is_tty:
        return None
    return decode_text(_read_bounded(stdin, "stdin"), "stdin", force=force)


def read_attachments(
    paths: Sequence[str], stdin: BinaryIO | None, *, stdin_is_tty: bool
) -> list[Attachment]:
    """Every `-f` in order; `-` is stdin, allowed once and only when it is not a terminal."""
    if list(paths).count(STDIN) > 1:
        raise UsageError("-f - (stdin) is given more than once", "stdin can be read only once")
    attachments = []
    for path in paths:
        if path != STDIN:
            attachments.append(read_file(path))
            continue
        text = read_stdin(stdin, is_tty=stdin_is_tty)
        if text is None:
            raise UsageError("-f - reads stdin, but stdin is a terminal", "pipe something in")
        attachments.append(Attachment("stdin", text))
    return attachments


def compose_question(question: str, attachments: Sequence[Attachment]) -> str:
    """The question, then each attachment fenced under its path."""
    parts = [question.strip()] if question.strip() else []
    parts += [attachment.fenced() for attachment in attachments]
    return "\n\n".join(parts)


def check_fits(
    parts: Sequence[tuple[str, int]], *, window: int, reply_room: int, model: str
) -> None:
    """Refuse before sending when the question's parts (label, tokens) leave no room.

    `reply_room` is what must stay free for the answer (max_tokens, or a default).
    """
    total = sum(tokens for _, tokens in parts)
    if total + reply_room <= window:
        return
    label, biggest = max(parts, key=lambda part: part[1])
    raise UsageError(
        f"the question is about {total:,} tokens, but {model}'s window is {window:,}"
        f" with {reply_room:,} kept for the reply (largest: {label}, {biggest:,} tokens)",
        "attach fewer or smaller files, or pick a model with a larger window",
    )
