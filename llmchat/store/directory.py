"""All saved chats of a data directory: list, find, load, open, delete.

`ChatStore` owns `<data_dir>/chats/` (0700) and hands out `ChatWriter`s; the file format
is records.py, the appending writer.py, the reading reader.py.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from llmchat.store.lock import lock_for_writing
from llmchat.store.reader import (
    SUFFIX,
    ChatSummary,
    LoadedChat,
    read_chat,
    snippet,
)
from llmchat.store.record_types import (
    AmbiguousChatError,
    ChatNotFoundError,
    MessageRecord,
    StoreError,
    clean_params,
    store_error,
)
from llmchat.store.timestamps import new_chat_id
from llmchat.store.writer import (
    CHATS_DIR,
    DIR_MODE,
    ID_RE,
    O_BINARY,
    O_CLOEXEC,
    ChatWriter,
    clean_name,
)


class ChatStore:
    """All saved chats under `<data_dir>/chats/`, one `<id>.jsonl` each.

    `durable=True` (the default) syncs every record to the disk before returning, so a
    power cut loses at most the record being written; records come at human pace, so
    the few milliseconds are never felt. Tests may turn it off for speed.
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.durable = durable

    @property
    def chats_dir(self) -> Path:
        return self.data_dir / CHATS_DIR

    def ensure_dirs(self) -> Path:
        """Create the data and chats directories 0700; tighten chats/ if it is looser."""
        try:
            if not self.data_dir.exists():
                self.data_dir.mkdir(parents=True, mode=DIR_MODE, exist_ok=True)
                os.chmod(self.data_dir, DIR_MODE)
            self.chats_dir.mkdir(mode=DIR_MODE, exist_ok=True)
            if (self.chats_dir.stat().st_mode & 0o777) != DIR_MODE:
                os.chmod(self.chats_dir, DIR_MODE)
        except OSError as exc:
            raise store_error("create directory", self.chats_dir, exc) from exc
        return self.chats_dir

    def new_chat(
        self,
        provider: str | None,
        model: str | None,
        params: object = None,
        system: str | None = None,
    ) -> ChatWriter:
        """A writer for a new chat; the file appears with the first user message."""
        now = datetime.now(timezone.utc)
        writer = ChatWriter(
            self,
            new_chat_id(now),
            created=now.isoformat(timespec="milliseconds"),
            provider=clean_name(provider),
            model=clean_name(model),
            params=clean_params(params),
            title=None,
        )
        if system:
            writer.append_message("system", system, provider=provider, model=model)
        return writer

    def open_for_append(self, chat: str | LoadedChat, *, exclusive: bool = False) -> ChatWriter:
        """A writer that continues a saved chat (resume), its state read from the file;
        `exclusive` raises ChatBusyError if another writer holds it (see lock_exclusively).

        Given the chat just loaded (`-c`, `--resume`), its file is not read a second
        time unless it grew in between (another writer finished meanwhile)."""
        loaded = self.load(chat) if isinstance(chat, str) else chat
        try:
            fd = os.open(loaded.path, os.O_RDWR | os.O_APPEND | O_BINARY | O_CLOEXEC)
        except FileNotFoundError as exc:
            raise ChatNotFoundError(f"chat {loaded.id} was deleted") from exc
        except OSError as exc:
            raise store_error("open", loaded.path, exc) from exc
        try:
            if exclusive:  # before the size check: once locked, nobody else appends
                lock_for_writing(fd, loaded.id)
            if os.fstat(fd).st_size != loaded.size:
                loaded = read_chat(loaded.path)
        except BaseException:
            os.close(fd)
            raise
        writer = ChatWriter(
            self,
            loaded.id,
            created=loaded.created.isoformat(),
            provider=loaded.provider,
            model=loaded.model,
            params=loaded.params,
            title=loaded.title,
            fd=fd,
            role=loaded.role,
        )
        if exclusive:
            try:
                writer.lock_exclusively()
            except StoreError:
                writer.close()
                raise
        return writer

    def _scan(self) -> list[tuple[int, str, Path]]:
        """(mtime_ns, id, path) of every chat file, most recently written first."""
        try:
            entries = list(os.scandir(self.chats_dir))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise store_error("read", self.chats_dir, exc) from exc
        found: list[tuple[int, str, Path]] = []
        for entry in entries:
            chat_id = entry.name[: -len(SUFFIX)]
            if not entry.name.endswith(SUFFIX) or not ID_RE.match(chat_id):
                continue
            try:
                found.append((entry.stat().st_mtime_ns, chat_id, Path(entry.path)))
            except OSError:
                continue  # deleted while we looked
        found.sort(reverse=True)
        return found

    def ids(self) -> list[str]:
        """Every chat id, most recently written first."""
        return [chat_id for _, chat_id, _ in self._scan()]

    def latest(self) -> str | None:
        """The chat written to last (what `--continue` reopens), or None."""
        scan = self._scan()
        return scan[0][1] if scan else None

    def resolve(self, prefix: str) -> str:
        """The one chat id starting with `prefix`; a full id is its own prefix."""
        prefix = prefix.strip()
        if ID_RE.match(prefix) and (self.chats_dir / f"{prefix}{SUFFIX}").is_file():
            return prefix  # a full id (`-c`, /load from a listing): one stat, not a scan
        ids = self.ids()
        if prefix in ids:
            return prefix
        matches = [chat_id for chat_id in ids if prefix and chat_id.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            hint = "list saved chats to see their ids" if ids else "no chats have been saved yet"
            raise ChatNotFoundError(f"no saved chat matches {prefix!r}", hint)
        more = f", … ({len(matches) - 5} more)" if len(matches) > 5 else ""
        shown = ", ".join(matches[:5]) + more
        raise AmbiguousChatError(
            f"chat id {prefix!r} is ambiguous: {len(matches)} chats match",
            f"type more of the id: {shown}",
        )

    def load(self, chat_id: str) -> LoadedChat:
        """Read a chat (id or unambiguous prefix); damaged lines become warnings, not errors."""
        chat_id = self.resolve(chat_id)
        return read_chat(self.chats_dir / f"{chat_id}{SUFFIX}")

    def list_chats(self, *, unanswered: bool = True) -> list[ChatSummary]:
        """Every readable chat with a question in it, most recently written first;
        `unanswered=False` leaves out those whose questions never got a reply."""
        out: list[ChatSummary] = []
        for _, _, path in self._scan():
            try:
                summary = read_chat(path).summary()
            except StoreError:
                continue  # unreadable or vanished: `load` reports it if asked
            if summary.turns and (unanswered or summary.answers):
                out.append(summary)
        return out

    def search(self, text: str) -> list[tuple[ChatSummary, str]]:
        """Chats whose title or questions and answers contain `text` (any case), with a
        snippet of the first hit; most recently written first. Cleared and undone turns
        are searched too: they are still on disk."""
        needle = text.strip()
        if not needle:
            return []
        hits: list[tuple[ChatSummary, str]] = []
        for _, _, path in self._scan():
            try:
                loaded = read_chat(path)
            except StoreError:
                continue
            summary = loaded.summary()
            # The system prompt is setting, not conversation: often the same in every
            # chat, it would make a common word match them all.
            haystacks = [summary.title] + [
                r.content
                for r in loaded.records
                if isinstance(r, MessageRecord) and r.role != "system"
            ]
            for hay in haystacks:
                found = snippet(hay, needle)
                if found is not None:
                    hits.append((summary, found))
                    break
        return hits

    def delete(self, chat_id: str) -> str:
        """Remove a chat's file; returns the full id deleted."""
        chat_id = self.resolve(chat_id)
        path = self.chats_dir / f"{chat_id}{SUFFIX}"
        try:
            path.unlink()
        except FileNotFoundError as exc:
            raise ChatNotFoundError(f"no saved chat matches {chat_id!r}") from exc
        except OSError as exc:
            raise store_error("delete", path, exc) from exc
        return chat_id
