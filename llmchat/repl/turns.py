"""One question asked and its reply shown, in the REPL: attached files composed in, the
question on disk before it leaves, Ctrl+C keeping what arrived, and warnings raised
meanwhile held until the reply is done (a line printed mid-reply would tear it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.environment import Environment
from llmchat.errors import LLMChatError
from llmchat.interrupts import sigint_deferred
from llmchat.render.common import INTERRUPTED
from llmchat.repl.commands import ReplState
from llmchat.repl.transcript import say

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.engine.turn import Turn


class TurnRunner:
    """Starts turns on the REPL's session and draws them; the loop calls `ask` and `show`."""

    def __init__(self, env: Environment, state: ReplState) -> None:
        self.env = env
        self.state = state

    @property
    def session(self) -> ChatSession:
        return self.state.session

    def say(self, text: str, *, dim: bool = False, error: bool = False) -> None:
        say(self.env, text, dim=dim, error=error)

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
        self.show(turn)

    def show(self, turn: Turn) -> None:
        """The reply on screen; warnings raised meanwhile are held and printed after it."""
        held: list[str] = []
        self.state.hold.held = held
        try:
            self._show_turn(turn)
        except KeyboardInterrupt:
            turn.interrupt()  # stopped before the reply began: the question awaits /retry
            self.say(INTERRUPTED, dim=True)
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
            if not show_turn(turn, renderer):
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
