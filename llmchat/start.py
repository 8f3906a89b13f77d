"""Opening a chat session: the one place settings, the engine and saved chats meet.

A new chat or a resumed one (`-c`, `--resume`, `/load`), with its recorder attached
when saving is on. The one-shot command, the REPL and its `/load` and `/new` all
start sessions here, so a resumed chat is rebuilt the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from llmchat.config import PARAM_NAMES, CliFlags
from llmchat.environment import Environment
from llmchat.errors import ConfigError
from llmchat.store import StoreRecorder, store_for
from llmchat.wire.quirks import ServerQuirks

if TYPE_CHECKING:
    from llmchat.config import Settings
    from llmchat.engine.compare import LaneResult
    from llmchat.engine.conversation import Exchange
    from llmchat.engine.session import ChatSession
    from llmchat.store import ChatStore, LoadedChat
    from llmchat.store.index import ChatIndex

Warn = Callable[[str], None]


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
    from llmchat.engine.conversation import Exchange
    from llmchat.engine.session import ChatSession

    store = store_for(env)
    loaded: LoadedChat | None = None
    resume, continue_latest, save = start.resume, start.continue_latest, start.save
    index: ChatIndex | None = None
    if continue_latest and resume is None:
        from llmchat.store.index import ChatIndex
        from llmchat.store.recorder import latest_chat

        # One index for `-c` and the recorder: opened once, not once each.
        index = ChatIndex(env.data_dir, warn=warn)
        resume = latest_chat(env, index)
        if resume is None:
            warn("no saved chat to continue; starting a new one")
        if not save:
            index.close()
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
    session = ChatSession(settings, quirks=ServerQuirks.in_data_dir(env.data_dir))
    if loaded is not None:
        session.role = loaded.role
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
    if loaded is not None and loaded.unanswered:
        session.last_failed_question = loaded.unanswered  # /retry asks it again
    if save:
        if index is None:
            from llmchat.store.index import ChatIndex

            index = ChatIndex(env.data_dir, warn=warn)
        session.recorder = _recorder_for(store, settings, loaded, warn, index)
    return session, loaded


def _recorder_for(
    store: ChatStore, settings: Settings, loaded: LoadedChat | None, warn: Warn, index: ChatIndex
) -> StoreRecorder:
    """Append to the resumed chat; if another llmchat has it open, to a branch of it
    (two writers would interleave both conversations in one file). The recorder tells
    the chat index of every line it writes."""
    from llmchat.store.lock import ChatBusyError
    from llmchat.store.record_types import MessageRecord
    from llmchat.store.timestamps import now_iso

    if loaded is None:
        writer = store.new_chat(settings.provider.name, settings.model, settings.params, None)
        writer.lock_exclusively()
        return StoreRecorder(writer, warn, index=index)
    try:
        writer = store.open_for_append(loaded, exclusive=True)  # not read a second time
        return StoreRecorder(writer, warn, system=loaded.system, index=index)
    except ChatBusyError:
        pass
    writer = store.new_chat(settings.provider.name, settings.model, settings.params, None)
    system = loaded.system
    history = [MessageRecord(role="system", content=system, ts=now_iso())] if system else []
    writer.seed(history + list(loaded.replay))
    writer.lock_exclusively()
    warn(f"chat {loaded.id} is open in another llmchat: continuing in a new chat branched from it")
    return StoreRecorder(writer, warn, system=system, index=index)


def compared_exchange(question: str, result: LaneResult) -> Exchange:
    """One compared model's answer as an exchange (what /pick adds to the conversation)."""
    from llmchat.engine.conversation import Exchange

    return Exchange(
        user=question,
        assistant=result.answer,
        reasoning=result.reasoning,
        interrupted=result.state == "interrupted",
        model=result.model,
    )


def record_compared(
    recorder: StoreRecorder, session: ChatSession, question: str, results: Sequence[LaneResult]
) -> None:
    """Every model's answer to a comparison, saved as alternatives after its question, in
    the order the models were given: usage, cost and scoreboard figures with each, a
    failed one with its error, an interrupted one marked. `llmchat compare` and `/compare`
    both save through here, so `chats show` and `/pick` after `-c` read one format."""
    from llmchat.store.figures import AnswerFigures

    for result in results:
        figures = AnswerFigures(
            first_token=None if result.first_token is None else round(result.first_token, 3),
            total=round(result.total, 3),
            finish_reason=result.finish_reason,
        )
        recorder.record_answer(
            session,
            compared_exchange(question, result),
            result.record,
            alternative=True,
            provider=result.provider,
            error=result.error,
            figures=figures,
        )
