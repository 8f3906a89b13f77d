"""The autosave recorder: writes each message of a session to its chat file as it happens.

The writer knows files; `ChatSession` knows conversations; the recorder connects them so
neither has to know the other (the session calls it through the `Recorder` protocol).
A disk problem is reported once and the chat goes on unsaved: losing the ability to
save must never cost the user the chat itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from llmchat.environment import Environment
from llmchat.store.directory import ChatStore
from llmchat.store.record_types import StoreError
from llmchat.store.writer import ChatWriter

if TYPE_CHECKING:
    from llmchat.engine.conversation import Exchange
    from llmchat.engine.pricing import TurnRecord
    from llmchat.engine.session import ChatSession
    from llmchat.store.figures import AnswerFigures
    from llmchat.store.index import ChatIndex

Warn = Callable[[str], None]


class StoreRecorder:
    """Writes each message of a session to its chat file as it happens.

    A question is on disk (synced) before its request leaves, so nothing typed is lost
    to a crash; a request that fails is followed by an undo record, and a chat whose
    only question never got an answer stays out of the default listing. `enabled` is
    the user's /save switch: while it is off nothing is written, and nothing is written
    later on its behalf.
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
            provider=session.provider.name,
            model=session.model,
            params=session.params,
            role=session.role,
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
        self._guard(lambda: self._write_user(session, text))

    def record_reply(self, session: ChatSession, exchange: Exchange, record: TurnRecord) -> None:
        def write() -> None:
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

    def record_progress(
        self, session: ChatSession, text: str, reasoning: str, record: TurnRecord | None
    ) -> None:
        if not self.enabled or self.broken or not self.writer.on_disk:
            return
        usage, cost = (record.usage, record.cost) if record is not None else (None, None)
        # A failure here is not reported: the reply's own line tries again and reports
        # a lasting problem once.
        with contextlib.suppress(StoreError):
            self.writer.append_partial(text, reasoning, usage=usage, cost=cost)

    def record_answer(
        self,
        session: ChatSession,
        exchange: Exchange,
        record: TurnRecord | None,
        *,
        alternative: bool,
        provider: str | None = None,
        error: str | None = None,
        figures: AnswerFigures | None = None,
    ) -> None:
        """One model's answer of a comparison (`alternative`, with its usage, cost and
        scoreboard figures; a failed one with its error), or the one picked (saved again
        without them: it was paid for once). `provider` when there is no `record`."""

        def write() -> None:
            self.writer.append_message(
                "assistant",
                exchange.assistant,
                provider=record.provider if record is not None else provider,
                model=record.model if record is not None else exchange.model,
                params=session.params,
                usage=record.usage if alternative and record is not None else None,
                cost=record.cost if alternative and record is not None else None,
                reasoning=exchange.reasoning or None,
                interrupted=exchange.interrupted,
                alternative=alternative,
                error=error,
                figures=figures if alternative else None,
            )

        self._guard(write)

    def record_failure(self, session: ChatSession) -> None:
        self._guard(self.writer.mark_undo)

    def record_clear(self, session: ChatSession) -> None:
        self._guard(self.writer.mark_clear)

    def record_undo(self, session: ChatSession) -> None:
        self._guard(self.writer.mark_undo)

    def set_title(self, title: str | None) -> None:
        self._guard(lambda: self.writer.set_title(title))

    def close(self) -> None:
        self.broken = True  # nothing more to write here, and no warning about it
        self.writer.close()
        if self.index is not None:
            self.index.close()


def store_for(env: Environment) -> ChatStore:
    return ChatStore(env.data_dir)


def latest_chat(env: Environment, index: ChatIndex | None = None) -> str | None:
    """The chat written to last (`-c`): from the index when it is in step (no stat of
    every file), else from the files themselves. `index` is left open for the recorder."""
    if index is None:
        from llmchat.store.index import ChatIndex

        own = ChatIndex(env.data_dir)
        try:
            return latest_chat(env, own)
        finally:
            own.close()
    found = index.latest_written()
    return found if found is not None else store_for(env).latest()
