"""Slash-commands: a registry of small functions whose docstrings are their help.

Each command takes the REPL's state and the text after its name, and returns a
Reply saying what to show and what the REPL should do next. `/help` and Tab
completion both read the same registry, so they can never disagree.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from llmchat.config import CliFlags
from llmchat.engine.session import ChatSession
from llmchat.environment import Environment
from llmchat.errors import LLMChatError, UsageError, mask_key

if TYPE_CHECKING:
    from llmchat.store import StartOptions, StoreRecorder


@dataclass
class ReplState:
    """What commands may change besides the session: display toggles and saving.

    `/load` and `/new` replace `session` itself, so everything reads it from here.
    """

    session: ChatSession
    env: Environment = field(default_factory=Environment)
    flags: CliFlags = field(default_factory=CliFlags)
    raw: bool = False
    saving: bool = True


@dataclass(frozen=True)
class Reply:
    """A command's outcome: text for the user, and at most one follow-up action."""

    text: str = ""
    ask: str | None = None  # send this as the next question
    prefill: str | None = None  # put this in the next prompt for editing
    exit: bool = False
    copy: str | None = None  # put this on the clipboard
    error: bool = False


Completer = Callable[[ChatSession], list[str]]
Handler = Callable[[ReplState, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    usage: str
    complete: Completer | None = None
    aliases: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @property
    def details(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return "\n".join(line.strip() for line in doc.splitlines())


REGISTRY: dict[str, Command] = {}
_ALIASES: dict[str, str] = {}


def command(
    name: str, usage: str = "", complete: Completer | None = None, aliases: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Command(name, handler, usage or f"/{name}", complete, aliases)
        for alias in aliases:
            _ALIASES[alias] = name
        return handler

    return register


def parse(line: str) -> tuple[str, str] | None:
    """("model", "gpt-4o") for "/model gpt-4o"; None when the line is a message.

    A line starting with "//" is a message that starts with "/" (the first is dropped
    by the caller via `unescape`).
    """
    stripped = line.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, *rest = stripped[1:].split(maxsplit=1)
    return name.lower(), rest[0].strip() if rest else ""


def unescape(line: str) -> str:
    return line.lstrip()[1:] if line.lstrip().startswith("//") else line


def lookup(name: str) -> Command:
    name = _ALIASES.get(name, name)
    found = REGISTRY.get(name)
    if found is None:
        known = [*REGISTRY, *_ALIASES]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f"did you mean /{close[0]}?" if close else "type /help for the list"
        raise UsageError(f"unknown command /{name}", hint)
    return found


def dispatch(state: ReplState, line: str) -> Reply:
    parsed = parse(line)
    if parsed is None:
        raise UsageError("not a command")
    name, arg = parsed
    cmd = lookup(name)
    try:
        return cmd.handler(state, arg)
    except LLMChatError as err:
        if isinstance(err, UsageError) and not err.hint:
            err.hint = f"usage: {cmd.usage}"
        raise


def completions_for(session: ChatSession, name: str) -> list[str]:
    try:
        cmd = lookup(name)
    except UsageError:
        return []
    return cmd.complete(session) if cmd.complete else []


def _model_names(session: ChatSession) -> list[str]:
    names = session.known_models()
    for provider in session.registry.providers:
        if provider.name != session.provider.name and session.registry.usable(provider):
            names += [f"{provider.name}/{m}" for m in provider.model_names()]
    return names


def _provider_names(session: ChatSession) -> list[str]:
    return session.registry.names()


def _param_names(session: ChatSession) -> list[str]:
    from llmchat.config import PARAM_NAMES

    return list(PARAM_NAMES)


# --- the commands ---------------------------------------------------------------


@command("help", usage="/help [COMMAND]", complete=lambda s: list(REGISTRY), aliases=("?",))
def help_(state: ReplState, arg: str) -> Reply:
    """Show the commands, or one command in detail.

    Messages starting with "/" can be sent by doubling it: //etc/hosts is…
    Alt+Enter (or Esc Enter) inserts a newline; Ctrl+C stops a reply; Ctrl+D quits.
    """
    if arg:
        cmd = lookup(arg.lstrip("/"))
        aliases = f"  (also /{', /'.join(cmd.aliases)})" if cmd.aliases else ""
        return Reply(f"{cmd.usage}{aliases}\n{cmd.details}")
    column = max(len(cmd.usage) for cmd in REGISTRY.values()) + 2
    room = max(20, state.env.width() - column - 1)
    lines = []
    for cmd in REGISTRY.values():
        wrapped = textwrap.wrap(cmd.summary, room, break_on_hyphens=False) or [""]
        lines.append(cmd.usage.ljust(column) + wrapped[0])
        lines.extend(" " * column + more for more in wrapped[1:])
    lines.append("")
    lines.append("Alt+Enter: newline · Ctrl+C: stop a reply · Ctrl+D: quit · //text sends '/text'")
    return Reply("\n".join(lines))


@command("exit", usage="/exit", aliases=("quit", "q"))
def exit_(state: ReplState, arg: str) -> Reply:
    """Leave llmchat (Ctrl+D does the same)."""
    return Reply(exit=True)


@command("model", usage="/model [PROVIDER/]NAME", complete=_model_names)
def model(state: ReplState, arg: str) -> Reply:
    """Switch model, or list the current provider's models.

    A model that only another provider serves switches the provider too:
    /model deepseek-reasoner while on openai moves to deepseek, with its key.
    """
    session = state.session
    if not arg:
        served = session.server_models()
        names = served or session.provider.model_names()
        if session.model not in names:
            names = [session.model, *names]
        source = "from its /models" if served else "built-in list"
        lines = [f"{'*' if n == session.model else ' '} {n}" for n in names]
        header = f"{session.provider.label} models ({source}; * = current):"
        return Reply(header + "\n" + "\n".join(lines))
    before = session.provider
    choice = session.use_model(arg)
    if choice.provider.name != before.name:
        return Reply(f"model: {choice.model} — switched provider to {choice.provider.label}")
    text = f"model: {choice.model}"
    if choice.model not in session.provider.model_names():
        elsewhere = [
            p for p in session.registry.providers if choice.model in p.model_names() and p.needs_key
        ]
        if elsewhere:
            owner = elsewhere[0]
            text += (
                f" (on {session.provider.label}; it is a {owner.label} model: set "
                f"{owner.key_env} to use it there)"
            )
    return Reply(text)


@command("provider", usage="/provider NAME", complete=_provider_names)
def provider(state: ReplState, arg: str) -> Reply:
    """Switch provider (to its default model); /providers lists them."""
    if not arg:
        session = state.session
        return Reply(f"provider: {session.provider.name} ({session.provider.base_url})")
    chosen = state.session.use_provider(arg)
    return Reply(f"provider: {chosen.label} · model: {state.session.model}")


@command("providers", usage="/providers")
def providers(state: ReplState, arg: str) -> Reply:
    """List providers with their key status (masked)."""
    registry = state.session.registry
    lines = []
    for p in registry.providers:
        current = "*" if p.name == state.session.provider.name else " "
        if not p.needs_key:
            key = "no key needed"
        else:
            value = registry.key_for(p)
            key = f"{p.key_env} {mask_key(value)}" if value else f"{p.key_env} not set"
        lines.append(f"{current} {p.name:<12} {key:<32} {p.base_url}")
    return Reply("\n".join(lines))


@command("clear", usage="/clear")
def clear(state: ReplState, arg: str) -> Reply:
    """Forget the conversation (the system prompt stays)."""
    state.session.clear()
    return Reply("conversation cleared")


@command("system", usage="/system [TEXT]")
def system(state: ReplState, arg: str) -> Reply:
    """Show the system prompt, or set it (/system off removes it)."""
    conversation = state.session.conversation
    if not arg:
        return Reply(
            f"system: {conversation.system}" if conversation.system else "no system prompt"
        )
    conversation.system = None if arg.lower() in ("off", "none", "clear") else arg
    return Reply("system prompt set" if conversation.system else "system prompt removed")


@command("retry", usage="/retry")
def retry(state: ReplState, arg: str) -> Reply:
    """Ask the last question again (after a failure, or for a different answer)."""
    return Reply(ask=state.session.retry_question())


@command("undo", usage="/undo")
def undo(state: ReplState, arg: str) -> Reply:
    """Drop the last exchange from the conversation."""
    dropped = state.session.undo()
    if dropped is None:
        return Reply("nothing to undo")
    preview = " ".join(dropped.user.split())
    if len(preview) > 50:
        preview = preview[:49] + "…"
    return Reply(f"dropped: {preview}")


@command("copy", usage="/copy")
def copy(state: ReplState, arg: str) -> Reply:
    """Copy the last reply to the clipboard (OSC 52: works over SSH too)."""
    last = state.session.conversation.last
    if last is None or not last.assistant:
        return Reply("no reply to copy yet", error=True)
    return Reply(f"copied {len(last.assistant)} characters", copy=last.assistant)


@command("edit", usage="/edit")
def edit(state: ReplState, arg: str) -> Reply:
    """Compose the next message in $EDITOR; it comes back to the prompt to send."""
    from llmchat.repl.editor import edit_text

    text = edit_text(arg)
    if not text.strip():
        return Reply("nothing written; nothing sent")
    return Reply(prefill=text.rstrip("\n"))


@command("set", usage="/set [NAME VALUE]", complete=_param_names)
def set_(state: ReplState, arg: str) -> Reply:
    """Show generation parameters, or set one: /set temperature 0.3 (none unsets).

    Parameters: temperature, top_p, max_tokens, presence_penalty, frequency_penalty.
    """
    session = state.session
    if not arg:
        lines = [
            f"{name:<18} {'(server default)' if value is None else value}"
            for name, value in session.params.as_dict().items()
        ]
        return Reply("\n".join(lines))
    name, _, value = arg.replace("\t", " ").partition(" ")
    if not value.strip():
        raise UsageError(f"/set {name} needs a value", "usage: /set NAME VALUE")
    session.params = session.params.with_value(name.strip(), value.strip())
    shown = getattr(session.params, name.strip())
    return Reply(f"{name.strip()} = {'(server default)' if shown is None else shown}")


@command("reasoning", usage="/reasoning [on|off]")
def reasoning(state: ReplState, arg: str) -> Reply:
    """Show or hide a reasoning model's thinking."""
    session = state.session
    session.show_reasoning = _toggle(arg, session.show_reasoning)
    return Reply(f"thinking is {'shown' if session.show_reasoning else 'hidden'}")


@command("raw", usage="/raw [on|off]")
def raw(state: ReplState, arg: str) -> Reply:
    """Show replies as raw Markdown text (for copying) instead of rendered."""
    state.raw = _toggle(arg, state.raw)
    return Reply(f"raw output {'on' if state.raw else 'off'}")


@command("usage", usage="/usage")
def usage(state: ReplState, arg: str) -> Reply:
    """Tokens per turn and in total, with the cost (~ marks estimates)."""
    return Reply(state.session.ledger.report(state.env.width()))


@command("tokens", usage="/tokens")
def tokens(state: ReplState, arg: str) -> Reply:
    """The conversation's size against the model's context window (~ marks an estimate)."""
    from llmchat.engine.context import context_text

    session = state.session
    size, exact = session.context_size()
    return Reply(f"context: {context_text(size, session.context_window, exact=exact)}")


@command("compact", usage="/compact")
def compact(state: ReplState, arg: str) -> Reply:
    """Replace the conversation with the model's own summary of it, to save tokens."""
    before, after = state.session.compact()
    return Reply(f"compacted: ~{before:,} → ~{after:,} tokens")


def _toggle(arg: str, current: bool) -> bool:
    word = arg.strip().lower()
    if not word:
        return not current
    if word in ("on", "yes", "true", "1", "show"):
        return True
    if word in ("off", "no", "false", "0", "hide"):
        return False
    raise UsageError(f"expected on or off, not {arg!r}")


# --- saved chats ------------------------------------------------------------------


def _recorder(state: ReplState) -> StoreRecorder | None:
    from llmchat.store import StoreRecorder

    recorder = state.session.recorder
    return recorder if isinstance(recorder, StoreRecorder) else None


def warner(state: ReplState) -> Callable[[str], None]:
    """Where the store reports trouble later on (a full disk): straight to stderr."""

    def warn(text: str) -> None:
        state.env.stderr.write(f"llmchat: {text}\n")
        state.env.stderr.flush()

    return warn


def _switch_chat(state: ReplState, start: StartOptions, flags: CliFlags) -> None:
    from llmchat.store import open_session

    session, _ = open_session(state.env, flags, start, warn=warner(state))
    old = _recorder(state)
    if old is not None:
        old.close()
    state.session = session


@command("chats", usage="/chats [TEXT]", aliases=("sessions",))
def chats(state: ReplState, arg: str) -> Reply:
    """List the latest saved chats, newest first, or search them for TEXT (best first)."""
    from llmchat.cli.chats import as_summaries, hit_lines, queries_for
    from llmchat.store import chat_table

    queries = queries_for(state.env)
    try:
        if arg:
            hits = queries.search(arg)
            if not hits:
                return Reply(f"no saved chat mentions {arg!r}")
            note = f"\n({queries.note})" if queries.note else ""
            return Reply(hit_lines(hits, state.env.color) + note)
        rows = queries.latest(20)
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
    from llmchat.store import StartOptions, last_exchange_text, store_for

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
    from llmchat.store import StartOptions

    session = state.session
    flags = replace(
        state.flags,
        provider=session.provider.name,
        model=session.model,
        system=session.conversation.system,
    )
    _switch_chat(state, StartOptions(save=state.saving), flags)
    state.session.params = session.params
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

    state.saving = _toggle(arg, state.saving)
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
    session.recorder = StoreRecorder(writer, warn=warner(state))
    earlier = " (earlier turns are not saved)" if session.conversation.exchanges else ""
    return Reply(f"saving this chat from here on{earlier}")
