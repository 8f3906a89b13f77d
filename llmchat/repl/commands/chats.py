"""Saved chats: /chats /load /new /title /save."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from llmchat.config import CliFlags
from llmchat.errors import LLMChatError, UsageError
from llmchat.repl.commands.registry import ReplState, Reply, command, toggle, warner

if TYPE_CHECKING:
    from llmchat.start import StartOptions
    from llmchat.store import StoreRecorder


def _recorder(state: ReplState) -> StoreRecorder | None:
    from llmchat.store import StoreRecorder

    recorder = state.session.recorder
    return recorder if isinstance(recorder, StoreRecorder) else None


def _switch_chat(state: ReplState, start: StartOptions, flags: CliFlags) -> None:
    from llmchat.start import open_session
    from llmchat.store import store_for

    old = _recorder(state)
    if old is not None and start.resume is not None:
        # /load of the chat already open: let go of it first, or its lock refuses us.
        with contextlib.suppress(LLMChatError):
            if store_for(state.env).resolve(start.resume) == old.chat_id:
                old.close()
                old = None
    session, _ = open_session(state.env, flags, start, warn=warner(state.env, state.hold))
    session.output = state.session.output
    if old is not None:
        old.close()
    state.session = session


@command("chats", usage="/chats [TEXT]", aliases=("sessions",))
def chats(state: ReplState, arg: str) -> Reply:
    """List the latest saved chats, newest first, or search them for TEXT (best first)."""
    from llmchat.cli.chats import as_summaries, hit_lines, queries_for
    from llmchat.render.listings import chat_table

    queries = queries_for(state.env)
    try:
        if arg:
            hits = queries.search(arg)
            if not hits:
                return Reply(f"no saved chat mentions {arg!r}")
            note = f"\n({queries.note})" if queries.note else ""
            return Reply(hit_lines(hits, state.env.color) + note)
        rows = queries.latest(20, unanswered=False)
    finally:
        queries.index.close()
    if not rows:
        return Reply("no saved chats yet")
    summaries = as_summaries(rows, state.env.data_dir / "chats")
    table = chat_table(summaries, state.env.width(), droppable=("COST", "MODEL"))
    return Reply(table + "\n/load ID continues one (a prefix of the ID will do)")


@command("load", usage="/load ID", aliases=("resume",))
def load(state: ReplState, arg: str) -> Reply:
    """Continue a saved chat (a unique prefix of its ID will do); see /chats."""
    from llmchat.render.listings import last_exchange_text
    from llmchat.start import StartOptions
    from llmchat.store import store_for

    if not arg:
        raise UsageError("which chat?", "usage: /load ID (see /chats)")
    chat_id = store_for(state.env).resolve(arg)
    flags = CliFlags(show_reasoning=state.flags.show_reasoning, timeout=state.flags.timeout)
    _switch_chat(state, StartOptions(resume=chat_id, save=state.saving), flags)
    loaded = store_for(state.env).load(chat_id)
    session = state.session
    lines = [f"loaded {chat_id} · {session.provider.name} · {session.model}"]
    context = last_exchange_text(loaded)
    if context:
        lines.append(context)
    return Reply("\n".join(lines))


@command("new", usage="/new")
def new(state: ReplState, arg: str) -> Reply:
    """Start a new chat with the same provider, model and system prompt."""
    from llmchat.start import StartOptions

    session = state.session
    flags = replace(
        state.flags,
        provider=session.provider.name,
        model=session.model,
        system=session.conversation.system,
    )
    _switch_chat(state, StartOptions(save=state.saving), flags)
    state.session.params = session.params
    state.session.role = session.role
    return Reply("new chat")


@command("title", usage="/title TEXT")
def title(state: ReplState, arg: str) -> Reply:
    """Name this chat in /chats (/title alone goes back to the first question)."""
    recorder = _recorder(state)
    if recorder is None:
        return Reply("this chat is not being saved (/save on)", error=True)
    recorder.set_title(arg or None)
    return Reply(f"title: {arg}" if arg else "title: (the first question)")


@command("save", usage="/save [on|off]")
def save(state: ReplState, arg: str) -> Reply:
    """Turn saving of this chat on or off; nothing said while it is off is ever written."""
    from llmchat.store import StoreRecorder, store_for

    state.saving = toggle(arg, state.saving)
    session = state.session
    recorder = _recorder(state)
    if not state.saving:
        if recorder is not None:
            recorder.enabled = False
        return Reply("not saving this chat from here on")
    if recorder is not None:
        recorder.enabled = True
        return Reply(f"saving again from here on (chat {recorder.chat_id})")
    writer = store_for(state.env).new_chat(session.provider.name, session.model, session.params)
    session.recorder = StoreRecorder(writer, warn=warner(state.env, state.hold))
    earlier = " (earlier turns are not saved)" if session.conversation.exchanges else ""
    return Reply(f"saving this chat from here on{earlier}")
