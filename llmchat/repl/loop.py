"""The interactive chat: a prompt_toolkit loop around one ChatSession.

The first prompt must appear before `openai` is imported: the SDK (and the Markdown
renderer) load in a background thread while the user types. Ctrl+C stops a reply
and keeps what arrived; at the prompt it only clears the line; Ctrl+D quits.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import HTML, FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import EXIT_OK, LLMChatError
from llmchat.render.terminal import quiet_typeahead
from llmchat.repl import commands
from llmchat.repl.commands import ReplState, Reply

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.start import StartOptions

HISTORY_FILE = "history"


class SlashCompleter(Completer):
    """Completes /commands, then model names after /model and providers after /provider."""

    def __init__(self, state: ReplState) -> None:
        self.state = state

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        name, space, arg = text[1:].partition(" ")
        if not space:
            for cmd in commands.listed():
                if cmd.name.startswith(name.lower()):
                    yield Completion(
                        "/" + cmd.name, start_position=-len(text), display_meta=cmd.summary
                    )
            return
        for candidate in commands.completions_for(self.state.session, name.lower()):
            if candidate.lower().startswith(arg.lower()):
                yield Completion(candidate, start_position=-len(arg))


def private_history(data_dir: Path) -> History:
    """Input history on disk, readable by the user alone (it holds what they typed)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = data_dir / HISTORY_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


class Repl:
    """Input, commands and turns; the session does the talking."""

    def __init__(self, env: Environment, state: ReplState) -> None:
        self.env = env
        self.state = state
        self.prompt = PromptSession[str](
            history=private_history(env.data_dir),
            completer=SlashCompleter(state),
            complete_while_typing=False,
            key_bindings=_key_bindings(),
            bottom_toolbar=self._toolbar,
            enable_history_search=False,
        )
        self._warmed = False

    @property
    def session(self) -> ChatSession:
        return self.state.session

    # --- screen helpers -------------------------------------------------------

    def say(self, text: str, *, dim: bool = False, error: bool = False) -> None:
        if not text:
            return
        if self.env.color and (dim or error):
            code = "31" if error else "2"
            text = f"\x1b[{code}m{text}\x1b[0m"
        self.env.stdout.write(text + "\n")
        self.env.stdout.flush()

    def _toolbar(self) -> FormattedText:
        """provider · model · tokens · cost: whole parts dropped, never digits cut, when narrow."""
        session = self.session
        parts = [session.provider.name, session.model]
        summary = session.ledger.toolbar_text()
        if summary:
            parts.extend(summary.split(" · "))
        if not self.state.saving:
            parts.append("not saving")
        room = self.env.width() - 2
        # Least useful first: the provider (the model names it), then tokens, then the model.
        for drop in (0, 1, 0):
            if len(" · ".join(parts)) <= room or len(parts) <= 1:
                break
            del parts[drop]
        return FormattedText([("class:bottom-toolbar", " " + " · ".join(parts) + " ")])

    def _warm_up(self) -> None:
        if not self._warmed:
            self._warmed = True
            from llmchat import render
            from llmchat.engine import tokens
            from llmchat.engine.session import warm_up

            # After the first draw: the imports compete for the interpreter lock.
            def load() -> None:
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
        prefill = ""
        while True:
            try:
                line = self.prompt.prompt(HTML("<b>› </b>"), default=prefill, pre_run=self._warm_up)
            except KeyboardInterrupt:
                prefill = ""
                continue  # Ctrl+C at the prompt clears the line, never quits
            except EOFError:
                return EXIT_OK
            prefill = ""
            if not line.strip():
                continue
            with quiet_typeahead(self.env):
                reply = self._handle(line)
            if reply is None:
                continue
            if reply.exit:
                return EXIT_OK
            if reply.prefill is not None:
                prefill = reply.prefill

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
        return reply

    def _copy(self, text: str) -> None:
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.env.stdout.write(f"\x1b]52;c;{payload}\x07")
        self.env.stdout.flush()

    def ask(self, question: str) -> None:
        from llmchat.render import make_renderer, show_turn

        try:
            turn = self.session.start_turn(question)
        except LLMChatError as err:
            self.say(err.one_line(), error=True)
            return
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


def run_repl(
    env: Environment,
    flags: CliFlags,
    start: StartOptions,
    *,
    raw: bool = False,
    banner: str | None = None,
) -> int:
    from llmchat.render.listings import last_exchange_text
    from llmchat.start import open_session

    session, loaded = open_session(env, flags, start, warn=commands.warner(env))
    state = ReplState(session=session, env=env, flags=flags, raw=raw, saving=start.save)
    if banner is None:
        from llmchat.setup.firstrun import banner_for

        banner = banner_for(session.provider.name, session.model)
    repl = Repl(env, state)
    repl.banner(banner)
    if loaded is not None:
        turns = len(session.conversation)
        repl.say(f"continuing {loaded.id} ({turns} turn{'s' if turns != 1 else ''})", dim=True)
        context = last_exchange_text(loaded)
        if context:
            repl.say(context)
    return repl.run()
