"""The prompt's own parts: its key bindings and, on TERM=dumb, an output of text alone.

Kept apart from the loop so what a key does is read in one place.
"""

from __future__ import annotations

from prompt_toolkit.application.current import get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from llmchat.environment import Environment
from llmchat.interrupts import in_a_storm, note_press
from llmchat.repl.transcript import is_long


def plain_output(env: Environment) -> Output | None:
    """On TERM=dumb, prompt_toolkit still shows and blinks the cursor with escape
    sequences; this output writes the text alone (None: prompt_toolkit's own choice)."""
    if not env.dumb or not env.stdout_isatty:
        return None
    from prompt_toolkit.output.vt100 import Vt100_Output

    class TextOnlyOutput(Vt100_Output):
        def write_raw(self, data: str) -> None:
            """Everything but text comes through here: drop it."""

    return TextOnlyOutput.from_pty(env.stdout, term="dumb")


def key_bindings() -> KeyBindings:
    """Alt+Enter for a newline, Ctrl+C to clear the line (not the tail of a storm that
    stopped a reply), Enter on a long paste."""
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _clear(event: KeyPressEvent) -> None:
        if not event.current_buffer.text and in_a_storm():
            note_press()  # the tail of the storm that stopped the reply: nothing to clear
            return
        # prompt_toolkit's own binding fails ("Application is not running") on the second
        # of several Ctrl+C read at once, as a storm of them is.
        future = event.app.future
        if future is not None and not future.done():
            event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    @bindings.add("enter", filter=Condition(lambda: is_long(get_app().current_buffer.text)))
    def _accept_long(event: KeyPressEvent) -> None:
        # A screenful of the paste's tail would stay in the transcript (drawn again on
        # accept, under a stale toolbar): erase it; the REPL prints a summary instead.
        event.app.erase_when_done = True
        event.current_buffer.validate_and_handle()

    return bindings
