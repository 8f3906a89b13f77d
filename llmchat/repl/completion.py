"""Tab completion at the REPL's prompt: slash-commands, then what each command takes.

What a command completes is the command registry's knowledge (commands.completions_for);
this module only turns it into prompt_toolkit completions.
"""

from __future__ import annotations

from collections.abc import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from llmchat.repl import commands
from llmchat.repl.commands import ReplState


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
