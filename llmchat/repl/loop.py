"""The interactive chat: a prompt_toolkit loop around one ChatSession.

The first prompt must appear before `openai` is imported: the SDK (and the Markdown
renderer) load in a background thread while the user types. Ctrl+C stops a reply
and keeps what arrived; at the prompt it only clears the line; Ctrl+D quits.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import get_app
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import HTML, FormattedText
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from llmchat.config import CliFlags
from llmchat.engine import served_models
from llmchat.environment import Environment
from llmchat.errors import EXIT_OK, LLMChatError, UsageError
from llmchat.interrupts import sigint_deferred, sigint_ignored, sigint_once
from llmchat.render.terminal import quiet_typeahead
from llmchat.render.wrapping import wrap_text
from llmchat.repl import commands
from llmchat.repl.commands import ReplState, Reply
from llmchat.repl.commands.registry import WarningHold
from llmchat.repl.history import private_history
from llmchat.repl.toolbar import THINK_PREFIX, fit_toolbar, mode_parts

if TYPE_CHECKING:
    from llmchat.cli.chat import RoleChoice
    from llmchat.engine.session import ChatSession
    from llmchat.engine.turn import Turn
    from llmchat.start import StartOptions


class SlashCompleter(Completer):
    """Completes /commands, then model names after /model and providers after /provider."""

    def __init__(self, state: ReplState) -> None:
        self.state = state

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        name, space, arg = text[1:].partition(" ")
        if space and commands.completes_paths(name.lower()):
            yield from self._paths(arg, event)
            return
        if not space:
            for cmd in commands.listed():
                if cmd.name.startswith(name.lower()):
                    yield Completion(
                        "/" + cmd.name, start_position=-len(text), display_meta=cmd.summary
                    )
            return
        for candidate in commands.completions_for(self.state.session, name.lower(), self.state):
            if candidate.lower().startswith(arg.lower()):
                yield Completion(candidate, start_position=-len(arg))

    def _paths(self, arg: str, event: CompleteEvent) -> Iterable[Completion]:
        """File paths for the last word of the argument (`/file a.py b/<Tab>`)."""
        from prompt_toolkit.completion import PathCompleter

        word = arg.rsplit(" ", 1)[-1]
        yield from PathCompleter(expanduser=True).get_completions(Document(word), event)


def _plain_output(env: Environment) -> Output | None:
    """On TERM=dumb, prompt_toolkit still shows and blinks the cursor with escape
    sequences; this output writes the text alone (None: prompt_toolkit's own choice)."""
    if not env.dumb or not env.stdout_isatty:
        return None
    from prompt_toolkit.output.vt100 import Vt100_Output

    class TextOnlyOutput(Vt100_Output):
        def write_raw(self, data: str) -> None:
            """Everything but text comes through here: drop it."""

    return TextOnlyOutput.from_pty(env.stdout, term="dumb")


#: Inputs longer than this are summed up in the transcript (a paste of a whole file).
LONG_INPUT_LINES = 8


def _is_long(text: str) -> bool:
    return text.count("\n") >= LONG_INPUT_LINES


def input_summary(text: str, width: int, shown: int = 2) -> list[str]:
    """A long input as the transcript keeps it: its first lines, then how many in all."""
    lines = text.split("\n")
    room = max(10, width - 3)
    head = [line if len(line) <= room else line[: room - 1] + "…" for line in lines[:shown]]
    return [*head, f"… {len(lines)} lines"]


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _clear(event: KeyPressEvent) -> None:
        # prompt_toolkit's own binding fails ("Application is not running") on the second
        # of several Ctrl+C read at once, as a storm of them is.
        future = event.app.future
        if future is not None and not future.done():
            event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    @bindings.add("enter", filter=Condition(lambda: _is_long(get_app().current_buffer.text)))
    def _accept_long(event: KeyPressEvent) -> None:
        # A screenful of the paste's tail would stay in the transcript (drawn again on
        # accept, under a stale toolbar): erase it; the REPL prints a summary instead.
        event.app.erase_when_done = True
        event.current_buffer.validate_and_handle()

    return bindings


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
            key_bindings=_key_bindings(),
            bottom_toolbar=self._toolbar,
            enable_history_search=False,
            output=_plain_output(env),
        )
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
        if not text:
            return
        text = "\n".join(wrap_text(self.env.printable(text), self.env.width()))
        if self.env.color and (dim or error):
            code = "31" if error else "2"
            text = f"\x1b[{code}m{text}\x1b[0m"
        self.env.stdout.write(text + "\n")
        self.env.stdout.flush()

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
            if _is_long(line):
                self._show_summary(line)
            reply: Reply | None = None
            try:
                # However many Ctrl+C arrive, one interrupts; the rest fall on the tidy-up.
                with sigint_once():
                    reply = self._handle(line)
            except KeyboardInterrupt:
                self.say("[interrupted]", dim=True)
            if reply is None:
                continue
            if reply.exit:
                return EXIT_OK
            if reply.prefill is not None:
                prefill = reply.prefill

    def _show_summary(self, line: str) -> None:
        head, *rest = input_summary(line, self.env.width())
        prompt = self.env.printable("›")
        self.env.stdout.write(
            f"\x1b[1m{prompt}\x1b[0m {head}\n" if self.env.color else f"{prompt} {head}\n"
        )
        self.say("\n".join("  " + part for part in rest), dim=True)

    def _show_notes(self) -> None:
        notes, self._notes[:] = list(self._notes), []
        for note in notes:
            self.say("warning: " + note, dim=True)

    def _handle(self, line: str) -> Reply | None:
        if commands.parse(line) is None:
            self.ask(commands.unescape(line))
            return None
        try:
            reply = commands.dispatch(self.state, line)
        except LLMChatError as err:
            self.say(err.one_line(), error=True)
            return None
        except KeyboardInterrupt:
            self.say("[interrupted]", dim=True)
            return None
        self.say(reply.text, dim=not reply.error, error=reply.error)
        if reply.copy is not None:
            self._copy(reply.copy)
        if reply.ask is not None:
            self.ask(reply.ask)
        if reply.turn is not None:
            self._show(reply.turn)
        return reply

    def _copy(self, text: str) -> None:
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.env.stdout.write(f"\x1b]52;c;{payload}\x07")
        self.env.stdout.flush()

    def ask(self, question: str) -> None:
        files = self.state.pending_files
        try:
            if files:
                from llmchat.inputs.attachments import compose_question
                from llmchat.inputs.fit import check_attachments_fit

                question = compose_question(question, files)
                check_attachments_fit(self.session, question, files)
            with sigint_deferred():  # the question is written to disk in there
                turn = self.session.start_turn(question)
        except LLMChatError as err:
            self.say(err.one_line(), error=True)
            if files:
                self.say("the files stay attached (/file off drops them)", dim=True)
            return
        files.clear()
        self._show(turn)

    def _show(self, turn: Turn) -> None:
        """The reply on screen; warnings raised meanwhile are held and printed after it."""
        held: list[str] = []
        self.state.hold.held = held
        try:
            self._show_turn(turn)
        except KeyboardInterrupt:
            turn.interrupt()  # stopped before the reply began: the question awaits /retry
            self.say("[interrupted]", dim=True)
        finally:
            self.state.hold.held = None
            for warning in held:
                self.say("warning: " + warning, dim=True)

    def _show_turn(self, turn: Turn) -> None:
        from llmchat.render import make_renderer, show_turn

        for note in turn.notes:
            self.say(note, dim=True)
        renderer = make_renderer(
            self.env, show_reasoning=self.session.show_reasoning, raw=self.state.raw
        )
        try:
            if not show_turn(turn, renderer, interrupted_note="[interrupted]"):
                return
        except LLMChatError as err:
            self.say(err.one_line(), error=True)
            self.say("your message is kept: /retry sends it again (or press Up)", dim=True)
            return
        for warning in turn.warnings:
            self.say("warning: " + warning, dim=True)
        if self.session.output.wants_json and not turn.plain and turn.state == "done":
            from llmchat.structured.output import InvalidAnswerError, check_answer

            try:
                check_answer(turn.answer, self.session.output.schema)
            except InvalidAnswerError as err:
                self.say(f"warning: {err.message} (/retry asks again)", error=True)


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
