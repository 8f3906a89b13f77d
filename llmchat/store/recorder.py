"""Saved chats glue: the autosave recorder, opening a session (new or resumed), listings.

store.py knows files; session.py knows conversations; this module connects them so
neither has to know the other. A disk problem is reported once and the chat goes on
unsaved: losing the ability to save must never cost the user the chat itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmchat.config import PARAM_NAMES, CliFlags
from llmchat.engine.conversation import Exchange
from llmchat.environment import Environment
from llmchat.errors import ConfigError
from llmchat.store.directory import ChatStore
from llmchat.store.records import StoreError
from llmchat.store.writer import ChatWriter

if TYPE_CHECKING:
    from llmchat.engine.pricing import TurnRecord
    from llmchat.engine.session import ChatSession
    from llmchat.store.index import ChatIndex
    from llmchat.store.reader import ChatSummary, LoadedChat

Warn = Callable[[str], None]


class StoreRecorder:
    """Writes each message of a session to its chat file as it happens.

    A new chat's first question is held back until its answer arrives, so a request
    that fails leaves no empty chat behind; after that, questions are written as they
    are sent. `enabled` is the user's /save switch: while it is off nothing is written,
    and nothing is written later on its behalf.
    """

    def __init__(
        self,
        writer: ChatWriter,
        warn: Warn,
        *,
        system: str | None = None,
        index: ChatIndex | None = None,
    ) -> None:
        """`system`: the system prompt the chat file already holds (a resumed chat);
        `index`: told of every line written (None: there is none)."""
        self.writer = writer
        self._warn = warn
        self._system = system
        self.index = index
        self._pending_user: str | None = None
        self.enabled = True
        self.broken = False

    @property
    def chat_id(self) -> str:
        return self.writer.id

    def _guard(self, action: Callable[[], None]) -> None:
        if not self.enabled or self.broken:
            return
        try:
            action()
        except StoreError as err:
            self.broken = True
            self._warn(f"{err.one_line()} — this chat is no longer being saved")
            return
        if self.index is not None and self.writer.on_disk:
            self.index.note_write(self.writer.id)  # one small transaction; never raises

    def _sync_meta(self, session: ChatSession) -> None:
        self.writer.update_meta(
            provider=session.provider.name, model=session.model, params=session.params
        )
        system = session.conversation.system
        if system and system != self._system:
            self.writer.append_message(
                "system", system, provider=session.provider.name, model=session.model
            )
        self._system = system

    def _write_user(self, session: ChatSession, text: str) -> None:
        self._sync_meta(session)
        self.writer.append_message(
            "user", text, provider=session.provider.name, model=session.model
        )

    def record_user(self, session: ChatSession, text: str) -> None:
        if not self.enabled or self.broken:
            return
        if not self.writer.on_disk:
            self._pending_user = text
            return
        self._guard(lambda: self._write_user(session, text))

    def record_reply(self, session: ChatSession, exchange: Exchange, record: TurnRecord) -> None:
        def write() -> None:
            if self._pending_user is not None:
                self._write_user(session, self._pending_user)
                self._pending_user = None
            self.writer.append_message(
                "assistant",
                exchange.assistant,
                provider=session.provider.name,
                model=exchange.model or session.model,
                params=session.params,
                usage=record.usage,
                cost=record.cost,
                reasoning=exchange.reasoning or None,
                interrupted=exchange.interrupted,
            )

        self._guard(write)

    def record_failure(self, session: ChatSession) -> None:
        if self._pending_user is not None:
            self._pending_user = None  # never written: nothing to take back
            return
        self._guard(self.writer.mark_undo)

    def record_clear(self, session: ChatSession) -> None:
        self._guard(self.writer.mark_clear)

    def record_undo(self, session: ChatSession) -> None:
        self._guard(self.writer.mark_undo)

    def set_title(self, title: str | None) -> None:
        self._guard(lambda: self.writer.set_title(title))

    def close(self) -> None:
        self.writer.close()
        if self.index is not None:
            self.index.close()


def store_for(env: Environment) -> ChatStore:
    return ChatStore(env.data_dir)


def latest_chat(env: Environment) -> str | None:
    """The chat written to last (`-c`), from the index: no stat of every file."""
    from llmchat.store.index import ChatIndex
    from llmchat.store.index_query import ChatQueries

    queries = ChatQueries(ChatIndex(env.data_dir, warn=lambda text: None))
    try:
        rows = queries.latest(1)
    finally:
        queries.index.close()
    return rows[0].id if rows else store_for(env).latest()


def _flags_for_resume(flags: CliFlags, loaded: LoadedChat) -> CliFlags:
    """The saved chat's provider, model, system prompt and parameters, unless a flag
    says otherwise."""
    provider, model = flags.provider, flags.model
    if provider is None and model is None:
        provider, model = loaded.provider, loaded.model
    params: dict[str, Any] = {}
    for name in PARAM_NAMES:
        value = getattr(flags, name)
        saved = loaded.params.get(name)
        if value is None and isinstance(saved, int | float) and not isinstance(saved, bool):
            value = saved
        params[name] = value
    system = flags.system if flags.system is not None else loaded.system
    return replace(flags, provider=provider, model=model, system=system, **params)


@dataclass(frozen=True)
class StartOptions:
    """Which chat to start from and whether to save it (`-c`, `--resume`, `--no-save`)."""

    resume: str | None = None
    continue_latest: bool = False
    save: bool = True


def open_session(
    env: Environment, flags: CliFlags, start: StartOptions, *, warn: Warn
) -> tuple[ChatSession, LoadedChat | None]:
    """A session ready to chat: new, or resumed from a saved chat, saving as it goes."""
    from llmchat.config import load_settings
    from llmchat.engine.session import ChatSession

    store = store_for(env)
    loaded: LoadedChat | None = None
    resume, continue_latest, save = start.resume, start.continue_latest, start.save
    if continue_latest and resume is None:
        resume = latest_chat(env)
        if resume is None:
            warn("no saved chat to continue; starting a new one")
    if resume is not None:
        loaded = store.load(resume)
        for warning in loaded.warnings:
            warn(warning)
        flags = _flags_for_resume(flags, loaded)
    try:
        settings = load_settings(env, flags)
    except ConfigError as err:
        if loaded is not None and loaded.provider:
            err.hint = f"{err.hint}; the chat was saved with provider {loaded.provider}".lstrip(
                "; "
            )
        raise
    session = ChatSession(settings)
    if loaded is not None:
        for question, answer in loaded.exchanges():
            if answer is None:
                continue
            session.conversation.add(
                Exchange(
                    user=question.content,
                    assistant=answer.content,
                    reasoning=answer.reasoning or "",
                    interrupted=answer.interrupted,
                    model=answer.model or "",
                )
            )
    if save:
        writer = (
            store.open_for_append(loaded.id)
            if loaded is not None
            else store.new_chat(settings.provider.name, settings.model, settings.params, None)
        )
        from llmchat.store.index import ChatIndex

        session.recorder = StoreRecorder(
            writer,
            warn,
            system=loaded.system if loaded is not None else None,
            index=ChatIndex(env.data_dir, warn=warn),
        )
    return session, loaded


# --- listings (shared by `llmchat chats ...` and the REPL's /chats) ----------------


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _money(cost: dict[str, float]) -> str:
    from llmchat.engine.pricing import format_money

    return " + ".join(format_money(amount, currency) for currency, amount in cost.items())


def summary_rows(summaries: list[ChatSummary]) -> list[list[str]]:
    rows = [["ID", "UPDATED", "TURNS", "TOKENS", "COST", "MODEL", "TITLE"]]
    for chat in summaries:
        rows.append(
            [
                chat.id,
                _when(chat.updated),
                str(chat.turns),
                f"{chat.tokens:,}",
                _money(chat.cost) or "-",
                chat.model or "?",
                chat.title,
            ]
        )
    return rows


def chat_table(
    summaries: list[ChatSummary],
    width: int | None = None,
    droppable: tuple[str, ...] = ("TOKENS", "COST"),
) -> str:
    """The chat list as aligned columns; titles are cut to fit `width` (a terminal's),
    after dropping the `droppable` columns if the title would have too little room."""
    from llmchat.cli.listing import columns

    rows = summary_rows(summaries)
    if width is not None:
        from rich.cells import cell_len, set_cell_size

        def room_for_title(table: list[list[str]]) -> int:
            fixed = columns([row[:-1] for row in table])
            return width - max(cell_len(line) for line in fixed) - 3

        # On a narrow terminal the title matters more than the tokens and the cost.
        for header in droppable:
            if room_for_title(rows) < 24 and header in rows[0]:
                drop = rows[0].index(header)
                rows = [row[:drop] + row[drop + 1 :] for row in rows]
        room = max(12, room_for_title(rows))
        for row in rows[1:]:
            if cell_len(row[-1]) > room:
                row[-1] = set_cell_size(row[-1], room - 1).rstrip() + "…"
    return "\n".join(columns(rows))


def last_exchange_text(loaded: LoadedChat) -> str:
    """What the REPL shows on resume so the user has context."""
    pairs = [(q, a) for q, a in loaded.exchanges() if a is not None]
    if not pairs:
        return ""
    question, answer = pairs[-1]
    assert answer is not None
    return f"› {question.content}\n\n{answer.content}"
