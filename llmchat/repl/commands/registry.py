"""The slash-command registry: one decorator, parsing, lookup, dispatch, completion data.

Each command is a small function taking the REPL's state and the text after its name
and returning a `Reply` that says what to show and what the REPL should do next. Its
docstring is its help: `/help` and Tab completion both read this one registry, so they
can never disagree. The commands themselves live one theme a module beside this one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmchat.config import CliFlags
from llmchat.engine.session import ChatSession
from llmchat.environment import Environment
from llmchat.errors import LLMChatError, UsageError

if TYPE_CHECKING:
    from llmchat.engine.turn import Turn
    from llmchat.inputs.attachments import Attachment


@dataclass
class WarningHold:
    """While a reply is on screen, warnings wait in `held` (a line printed under a live
    redraw would garble it); the REPL prints them after the reply, each on its own line."""

    held: list[str] | None = None


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
    hold: WarningHold = field(default_factory=WarningHold)
    #: `/file`: attached to the next message sent, then cleared.
    pending_files: list[Attachment] = field(default_factory=list)
    #: Asks the user for one line (a role's variable); None where nobody can answer.
    ask_user: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Reply:
    """A command's outcome: text for the user, and at most one follow-up action."""

    text: str = ""
    ask: str | None = None  # send this as the next question
    prefill: str | None = None  # put this in the next prompt for editing
    exit: bool = False
    copy: str | None = None  # put this on the clipboard
    error: bool = False
    turn: Turn | None = None  # show this turn (a /check) as a reply of its own


Completer = Callable[[ChatSession], list[str]]
StateCompleter = Callable[[ReplState], list[str]]
Handler = Callable[[ReplState, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    usage: str
    complete: Completer | None = None
    aliases: tuple[str, ...] = ()
    #: Tab completes file paths in the argument (every word, not only the first).
    paths: bool = False
    #: A completer that needs more than the session (the config dir, for role names).
    complete_state: StateCompleter | None = None

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

#: The order of `/help` and of Tab completion. Modules register by theme; a command
#: missing here is listed after these, in the order it was registered.
HELP_ORDER = (
    *("help", "exit", "model", "provider", "providers", "clear", "system", "retry", "undo"),
    *("copy", "edit", "set", "reasoning", "raw", "usage", "tokens", "compact"),
    *("role", "file", "check", "json", "schema"),
    *("chats", "load", "new", "title", "save"),
)


def command(
    name: str,
    usage: str = "",
    complete: Completer | None = None,
    aliases: tuple[str, ...] = (),
    *,
    paths: bool = False,
    complete_state: StateCompleter | None = None,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Command(
            name, handler, usage or f"/{name}", complete, aliases, paths, complete_state
        )
        for alias in aliases:
            _ALIASES[alias] = name
        return handler

    return register


def listed() -> list[Command]:
    """Every command in `HELP_ORDER` (sorted() is stable: newcomers keep their order)."""
    rank = {name: i for i, name in enumerate(HELP_ORDER)}
    return sorted(REGISTRY.values(), key=lambda cmd: rank.get(cmd.name, len(rank)))


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


def completions_for(session: ChatSession, name: str, state: ReplState | None = None) -> list[str]:
    try:
        cmd = lookup(name)
    except UsageError:
        return []
    if cmd.complete_state is not None and state is not None:
        return cmd.complete_state(state)
    return cmd.complete(session) if cmd.complete else []


def completes_paths(name: str) -> bool:
    try:
        return lookup(name).paths
    except UsageError:
        return False


def toggle(arg: str, current: bool) -> bool:
    """An on/off argument: empty flips `current`."""
    word = arg.strip().lower()
    if not word:
        return not current
    if word in ("on", "yes", "true", "1", "show"):
        return True
    if word in ("off", "no", "false", "0", "hide"):
        return False
    raise UsageError(f"expected on or off, not {arg!r}")


def warner(env: Environment, hold: WarningHold | None = None) -> Callable[[str], None]:
    """Where the store reports trouble later on (a full disk): stderr, or `hold` while
    a reply is on screen."""

    def warn(text: str) -> None:
        if hold is not None and hold.held is not None:
            hold.held.append(text)
            return
        from llmchat.render.wrapping import wrap_text

        line = f"llmchat: {text}"
        if env.stderr_isatty:
            line = "\n".join(wrap_text(line, env.width()))
        env.stderr.write(line + "\n")
        env.stderr.flush()

    return warn
