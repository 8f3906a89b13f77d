"""The interactive chat: a prompt_toolkit loop around one ChatSession.

The first prompt must appear before `openai` is imported: the SDK (and the Markdown
renderer) load in a background thread while the user types. Ctrl+C stops a reply
and keeps what arrived; at the prompt it only clears the line; Ctrl+D quits.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import HTML, FormattedText

from llmchat.config import CliFlags
from llmchat.engine import served_models
from llmchat.environment import Environment
from llmchat.errors import EXIT_OK, LLMChatError, UsageError
from llmchat.interrupts import sigint_ignored, sigint_once
from llmchat.render.common import INTERRUPTED
from llmchat.render.terminal import quiet_typeahead
from llmchat.repl import commands
from llmchat.repl.commands import ReplState, Reply
from llmchat.repl.commands.registry import WarningHold
from llmchat.repl.completion import SlashCompleter
from llmchat.repl.history import private_history
from llmchat.repl.prompt import key_bindings, plain_output
from llmchat.repl.toolbar import THINK_PREFIX, fit_toolbar, mode_parts
from llmchat.repl.transcript import copy_to_clipboard, is_long, say, show_summary
from llmchat.repl.turns import TurnRunner

if TYPE_CHECKING:
    from llmchat.cli.chat import RoleChoice
    from llmchat.engine.session import ChatSession
    from llmchat.start import StartOptions


class Repl:
    """Input, commands and turns; the session does the talking."""

    def __init__(self, env: Environment, state: ReplState) -> None:
        self.env = env
        self.state = state
        self._notes: list[str] = []  # warnings from inside the prompt, shown after it
        self.prompt = PromptSession[str](
            history=private_history(env.data_dir, self._notes.append),
            completer=SlashCompleter(state),
            complete_while_typing=False,
            key_bindings=key_bindings(),
            bottom_toolbar=self._toolbar,
            enable_history_search=False,
            output=plain_output(env),
        )
        self.turns = TurnRunner(env, state)
        self._warmed = False
        state.ask_user = self._ask_line

    def _ask_line(self, question: str) -> str:
        """One answer typed at a plain prompt (no history: values stay out of it).

        Ctrl+C or Ctrl+D there cancels what asked (a /role), never the chat.
        """
        try:
            answer: str = PromptSession[str]().prompt(question)
        except (KeyboardInterrupt, EOFError):
            raise UsageError("cancelled: nothing was changed", "") from None
        return answer

    @property
    def session(self) -> ChatSession:
        return self.state.session

    # --- screen helpers -------------------------------------------------------

    def say(self, text: str, *, dim: bool = False, error: bool = False) -> None:
        say(self.env, text, dim=dim, error=error)

    def _toolbar(self) -> FormattedText:
        """provider · model · tokens · cost: whole parts dropped, never digits cut, when narrow."""
        session = self.session
        summary = session.ledger.toolbar_text()
        extras = summary.split(" · ") if summary else []
        if session.thinking is not None:
            extras.insert(0, f"{THINK_PREFIX}{session.thinking}")
        if not self.state.saving:
            extras.append("not saving")
        extras += mode_parts(session.role, session.output.describe(), len(self.state.pending_files))
        fitted = fit_toolbar(session.provider.name, session.model, extras, self.env.width() - 2)
        text = self.env.printable(" " + fitted + " ")
        return FormattedText([("class:bottom-toolbar", text)])

    def _warm_up(self) -> None:
        if not self._warmed:
            self._warmed = True
            from llmchat import render
            from llmchat.engine import tokens
            from llmchat.engine.session import warm_up

            # After the first draw: the imports compete for the interpreter lock.
            def load() -> None:
                self.session.preload()  # the built-in model, when that is where we talk
                warm_up()
                tokens.warm_up(self.session.model)
                with contextlib.suppress(Exception):  # the first reply reports any failure
                    render.preload()

            timer = threading.Timer(0.15, load)
            timer.daemon = True
            timer.start()

    # --- the loop ---------------------------------------------------------------

    def banner(self, where: str | None = None) -> None:
        where = where or f"{self.session.provider.label} · {self.session.model}"
        self.say(
            f"llmchat · {where}\n/help for commands · Alt+Enter for a newline · Ctrl+D to quit",
            dim=True,
        )

    def run(self) -> int:
        # Echo off between prompts too (a Ctrl+C after a reply would leave "^C" behind), and
        # Ctrl+C ignored outside an action (sigint_once): a storm's tail must not end the REPL.
        with quiet_typeahead(self.env), sigint_ignored():
            return self._loop()

    def _loop(self) -> int:
        prefill = ""
        while True:
            self.prompt.app.erase_when_done = False
            try:
                with sigint_ignored():  # until raw mode reads Ctrl+C as a key
                    line = self.prompt.prompt(
                        HTML(f"<b>{self.env.printable('›')} </b>"),
                        default=prefill,
                        pre_run=self._warm_up,
                    )
            except KeyboardInterrupt:
                prefill = ""
                continue  # Ctrl+C at the prompt clears the line, never quits
            except EOFError:
                return EXIT_OK
            finally:
                self._show_notes()
            prefill = ""
            if not line.strip():
                continue
            if is_long(line):
                show_summary(self.env, line)
            reply: Reply | None = None
            try:
                # However many Ctrl+C arrive, one interrupts; the rest fall on the tidy-up.
                with sigint_once():
                    reply = self._handle(line)
            except KeyboardInterrupt:
                self.say(INTERRUPTED, dim=True)
            if reply is None:
                continue
            if reply.exit:
                return EXIT_OK
            if reply.prefill is not None:
                prefill = reply.prefill

    def _show_notes(self) -> None:
        notes, self._notes[:] = list(self._notes), []
        for note in notes:
            self.say("warning: " + note, dim=True)

    def _handle(self, line: str) -> Reply | None:
        if commands.parse(line) is None:
            self.turns.ask(commands.unescape(line))
            return None
        try:
            reply = commands.dispatch(self.state, line)
        except LLMChatError as err:
            self.say(err.one_line(), error=True)
            return None
        except KeyboardInterrupt:
            self.say(INTERRUPTED, dim=True)
            return None
        self.say(reply.text, dim=not reply.error, error=reply.error)
        if reply.copy is not None:
            copy_to_clipboard(self.env, reply.copy)
        if reply.ask is not None:
            self.turns.ask(reply.ask)
        if reply.turn is not None:
            self.turns.show(reply.turn)
        return reply


def run_repl(
    env: Environment,
    flags: CliFlags,
    start: StartOptions,
    *,
    raw: bool = False,
    banner: str | None = None,
    role: RoleChoice | None = None,
    debug: bool = False,
) -> int:
    from llmchat.render.listings import last_exchange_text, origins_line
    from llmchat.repl.commands.roles import start_role
    from llmchat.setup.fallback import with_fallback
    from llmchat.setup.firstrun import banner_for
    from llmchat.start import open_session
    from llmchat.structured.options import options_from_flags

    hold = WarningHold()
    (session, loaded), flags, fallback = with_fallback(
        env, flags, lambda typed: open_session(env, typed, start, warn=commands.warner(env, hold))
    )
    banner = fallback.banner if fallback else banner  # no key: a local server, the built-in
    served_models.bind(env.data_dir)  # what servers listed before: for /model <Tab>
    session.output = options_from_flags(flags)
    state = ReplState(session=session, env=env, flags=flags, raw=raw, saving=start.save, hold=hold)
    repl = Repl(env, state)
    if role is not None:
        start_role(state, role.role, dict(role.values))
    repl.banner(banner or banner_for(session.provider.name, session.model))
    for note in session.take_notes():
        repl.say(note, dim=True)
    if debug:
        repl.say(origins_line(session.registry, session.provider), dim=True)
    if loaded is not None:
        turns = len(session.conversation)
        repl.say(f"continuing {loaded.id} ({turns} turn{'s' if turns != 1 else ''})", dim=True)
        if context := last_exchange_text(loaded):
            repl.say(context)
    return repl.run()
