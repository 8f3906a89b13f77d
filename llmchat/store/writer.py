"""Saved chats on disk: one private, append-only JSON Lines file per chat, written as it happens.

`ChatWriter` appends one record per event, each a single O_APPEND write of a whole
line, synced before returning, so a crash loses at most the reply in flight and two
processes never interleave within a line. `ChatStore` (directory.py) lists, finds,
loads and deletes.
Must stay cheap to import (no `openai`, no `rich`) and must never write a key.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from llmchat.errors import redact
from llmchat.events import Cost, Usage
from llmchat.interrupts import sigint_deferred
from llmchat.store.figures import AnswerFigures
from llmchat.store.lock import lock_for_writing
from llmchat.store.reader import (
    SUFFIX,
)
from llmchat.store.record_types import (
    ROLES,
    ClearRecord,
    JsonObject,
    MessageRecord,
    MetaRecord,
    PartialRecord,
    Record,
    StoreError,
    UndoRecord,
    clean_params,
    store_error,
)
from llmchat.store.records import to_json
from llmchat.store.timestamps import new_chat_id, now_iso

if TYPE_CHECKING:
    from llmchat.store.directory import ChatStore

try:  # POSIX only; on Windows same-chat writers rely on O_APPEND alone.
    import fcntl
except ImportError:  # pragma: no cover - exercised on Windows only
    fcntl = None  # type: ignore[assignment]


CHATS_DIR = "chats"
DIR_MODE = 0o700
FILE_MODE = 0o600
# Our ids never hold a path separator or a leading dot; checking keeps "../x" out of paths.
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
O_BINARY = getattr(os, "O_BINARY", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    """An exclusive lock for the read-last-byte-then-append step; a no-op without fcntl."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _last_byte(fd: int, size: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, 1, size - 1)
    os.lseek(fd, size - 1, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, 1)  # pragma: no cover


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _sync(fd: int) -> None:
    # fdatasync also covers the file size, which is all an append changes.
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _sync_dir(path: Path) -> None:
    """Make a new directory entry survive a power cut; not possible (nor needed) on Windows."""
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fd = os.open(path, os.O_RDONLY | O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _encode(record: Record) -> bytes:
    # ensure_ascii=False keeps CJK text readable in the file; one record, one line.
    return (json.dumps(to_json(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode()


class ChatWriter:
    """Appends one chat's records to its file, each in one locked O_APPEND write.

    A new chat is created lazily: nothing touches the disk until the first user or
    assistant message, so starting llmchat and quitting leaves no empty chat behind.
    Until then, `id` may still change (only if another file took it first).
    """

    def __init__(
        self,
        store: ChatStore,
        chat_id: str,
        *,
        created: str,
        provider: str | None,
        model: str | None,
        params: JsonObject,
        title: str | None,
        fd: int | None = None,
        role: str | None = None,
    ) -> None:
        self._store = store
        self.id = chat_id
        self._created = created
        self._provider = provider
        self._model = model
        self._params = params
        self._title = title
        self._role = role
        self._fd = fd
        self._pending: list[Record] = []
        self._closed = False
        self._exclusive = False  # asked to be the chat's only writer
        self._locked_for_session = False  # ... and holding the lock (see store/lock.py)
        self._inode: int | None = None
        if fd is not None:
            self._inode = os.fstat(fd).st_ino

    @property
    def path(self) -> Path:
        return self._store.chats_dir / f"{self.id}{SUFFIX}"

    @property
    def on_disk(self) -> bool:
        """Whether the file exists yet (see lazy creation above)."""
        return self._fd is not None

    def append_message(
        self,
        role: str,
        content: str,
        *,
        provider: str | None,
        model: str | None,
        params: object = None,
        usage: Usage | None = None,
        cost: Cost | None = None,
        reasoning: str | None = None,
        interrupted: bool = False,
        alternative: bool = False,
        error: str | None = None,
        figures: AnswerFigures | None = None,
    ) -> None:
        """Record one message. Content is saved exactly as typed or received: redacting
        it would change the user's words; keys never reach content by construction."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        record = MessageRecord(
            role=role,
            content=content,
            ts=now_iso(),
            provider=clean_name(provider),
            model=clean_name(model),
            params=clean_params(params) or None,
            usage=usage,
            cost=cost,
            reasoning=reasoning or None,
            interrupted=interrupted,
            alternative=alternative,
            error=redact(error) if error else None,
            figures=figures,
        )
        if self._fd is None and role == "system":
            self._pending.append(record)
            return
        self._write(record)

    def seed(self, history: list[MessageRecord]) -> None:
        """Messages a new chat starts with (a branch of another chat): written with the
        first message of its own, so a branch nobody writes in leaves no file."""
        if self._fd is not None:
            raise ValueError("only a chat not yet on disk can be seeded")
        self._pending.extend(history)

    def lock_exclusively(self) -> None:
        """Be this chat's only writer until closed, or raise ChatBusyError at once.

        A chat not yet on disk is locked as its file is created (nobody can hold it)."""
        self._exclusive = True
        if self._fd is not None and not self._locked_for_session:
            self._locked_for_session = lock_for_writing(self._fd, self.id)

    def set_title(self, title: str | None) -> None:
        """An explicit title; None or blank goes back to the first question."""
        title = " ".join(title.split()) if title else None
        if title == self._title:
            return
        self._title = title
        self._write(MetaRecord(title=title, title_set=True), lazy=True)

    def update_meta(
        self,
        *,
        provider: str | None = None,
        model: str | None = None,
        params: object = None,
        role: str | object | None = ...,
    ) -> None:
        """Record a /provider, /model, /set or /role change; only fields that changed are written.

        `role` left out means "unchanged"; None means the role was dropped.
        """
        provider, model = clean_name(provider), clean_name(model)
        cleaned = clean_params(params) if params is not None else None
        changed = MetaRecord(
            provider=provider if provider is not None and provider != self._provider else None,
            model=model if model is not None and model != self._model else None,
            params=cleaned if cleaned is not None and cleaned != self._params else None,
        )
        if role is not ... and role != self._role:
            self._role = role if isinstance(role, str) else None
            changed = replace(changed, role=self._role, role_set=True)
        if changed == MetaRecord():
            return
        self._provider = changed.provider or self._provider
        self._model = changed.model or self._model
        self._params = changed.params if changed.params is not None else self._params
        self._write(changed, lazy=True)

    def append_partial(
        self, text: str, reasoning: str, *, usage: Usage | None = None, cost: Cost | None = None
    ) -> None:
        """Pieces of a reply still arriving, since the last call, with the whole reply's
        usage and cost so far. Not synced: it is meant to outlive the process (a SIGKILL),
        which the page cache already does; a sync a second would cost more than the
        reply's own line."""
        if text or reasoning:
            record = PartialRecord(text=text, reasoning=reasoning, usage=usage, cost=cost)
            self._write(record, sync=False)

    def mark_clear(self) -> None:
        """The REPL's /clear: replay starts afresh here (the system prompt stays)."""
        self._write(ClearRecord(ts=now_iso()), lazy=True)

    def mark_undo(self) -> None:
        """The REPL's /undo, or a failed request: replay drops the last question and answer."""
        self._write(UndoRecord(ts=now_iso()), lazy=True)

    def close(self) -> None:
        self._closed = True
        if self._fd is not None:
            os.close(self._fd)  # lets go of the lock too
            self._fd = None

    def __enter__(self) -> ChatWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, record: Record, *, lazy: bool = False, sync: bool = True) -> None:
        if self._closed:
            raise ValueError(f"chat {self.id} is closed")
        if self._fd is None:
            if lazy:
                # Before the file exists, meta changes are already in the state that
                # becomes the first meta line, and clear/undo have no turns to act on.
                return
            self._create()
        self._append(b"".join(_encode(r) for r in [*self._pending, record]), sync=sync)
        self._pending = []  # only once written: a failed write keeps the meta line for a retry

    def _first_meta(self) -> MetaRecord:
        return MetaRecord(
            id=self.id,
            created=self._created,
            provider=self._provider,
            model=self._model,
            params=self._params,
            title=self._title,
            title_set=True,
            role=self._role,
            role_set=self._role is not None,
        )

    def _create(self) -> None:
        """Create the file, private from its first byte, under an id nobody else holds."""
        chats_dir = self._store.ensure_dirs()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL | O_BINARY | O_CLOEXEC
        for _ in range(100):
            try:
                fd = os.open(self.path, flags, FILE_MODE)
                break
            except FileExistsError:
                self.id = new_chat_id()
            except OSError as exc:
                raise store_error("create chat file", self.path, exc) from exc
        else:  # pragma: no cover - 100 clashes on 24 random bits
            raise StoreError(f"could not find a free chat id in {chats_dir}")
        if hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)  # the umask could only have removed bits; be exact
        self._fd = fd
        self._inode = os.fstat(fd).st_ino
        if self._exclusive:  # nobody else knows the id yet: this cannot be refused
            self._locked_for_session = lock_for_writing(fd, self.id)
        self._pending.insert(0, self._first_meta())
        if self._store.durable:
            _sync_dir(chats_dir)

    def _append(self, payload: bytes, *, sync: bool = True) -> None:
        assert self._fd is not None
        fd = self._fd
        try:
            # Ctrl+C waits until the record is whole and synced: a torn line is a lost one.
            with sigint_deferred():
                with contextlib.nullcontext() if self._locked_for_session else _locked(fd):
                    size = os.fstat(fd).st_size
                    # A crash may have cut the last line short; start ours on a fresh line.
                    if size and _last_byte(fd, size) != b"\n":
                        payload = b"\n" + payload
                    _write_all(fd, payload)
                if self._store.durable and sync:
                    _sync(fd)
            if os.stat(self.path).st_ino != self._inode:
                raise FileNotFoundError(2, "the file was deleted or replaced")
        except OSError as exc:
            raise store_error("save chat to", self.path, exc) from exc


def clean_name(value: str | None) -> str | None:
    """A provider or model name as saved: names come from config; masking costs nothing
    and closes a door."""
    return redact(value) if value else value
