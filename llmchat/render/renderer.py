"""Shows a reply as it streams: live Markdown on a terminal, the exact text anywhere else.

This module is only the interface and the choice between renderers; it stays cheap to
import (no rich, no pygments) because the REPL's first prompt must not wait for them.
The renderers live in render_live (terminal) and render_plain (pipes, files, --raw).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from llmchat.environment import Environment
from llmchat.events import ChatEvent, TurnStats

if TYPE_CHECKING:
    from rich.console import Console

    from llmchat.engine.turn import Turn


class Renderer(Protocol):
    """One reply's worth of output; `finish` or `abort` ends it, after which calls do nothing."""

    def start(self) -> None:
        """The request is sent: show the waiting spinner (terminal only)."""

    def feed(self, event: ChatEvent) -> None:
        """Show one event: TextDelta, ReasoningDelta, Usage or Finish."""

    def before_read(self) -> float:
        """The wire has handed on all it read and caught up with the network: the seconds
        it may leave the next bytes unread (an events.ReadPacer)."""

    def finish(self, stats: TurnStats) -> None:
        """The reply is complete, or stopped by Ctrl+C (`stats.interrupted`): print all of
        it for good, then the dim status line (TTY only), which then ends "interrupted"."""

    def abort(self, note: str) -> None:
        """Failed: print what arrived for good (never lost), then `note` dimmed."""


def make_renderer(
    env: Environment,
    *,
    show_reasoning: bool = True,
    raw: bool = False,
    console: Console | None = None,
) -> Renderer:
    """The live Markdown renderer on a terminal; the plain one into a pipe, a file, or with `raw`.

    `console` (tests, or a caller that owns one) replaces the Console built from `env`.
    """
    dumb = env.vars.get("TERM", "").lower() in ("dumb", "unknown")
    if not env.stdout_isatty or raw or (dumb and console is None):
        from llmchat.render.plain import PlainRenderer

        return PlainRenderer(env, show_reasoning=show_reasoning, terminal=env.stdout_isatty)
    from llmchat.render.live import LiveRenderer

    return LiveRenderer(console or terminal_console(env), show_reasoning=show_reasoning)


def terminal_console(env: Environment) -> Console:
    """A rich Console on env.stdout that treats model text as data (no markup, no emoji codes)."""
    from rich.console import Console

    return Console(
        file=env.stdout,
        force_terminal=True,
        no_color=env.no_color,
        markup=False,
        emoji=False,
        highlight=False,
        _environ=dict(env.vars) or None,
    )


def show_turn(turn: Turn, renderer: Renderer) -> bool:
    """Feed a turn's events to the renderer; False when Ctrl+C stopped it.

    Whatever arrived stays on screen (and in the conversation, marked) after Ctrl+C,
    under the status line a finished reply gets, its figures so far and then
    "interrupted" (one-shot and REPL alike). An API error leaves the text shown so far,
    then propagates for the caller to report.
    """
    try:
        renderer.start()
        for event in turn.events(pacer=renderer.before_read):
            renderer.feed(event)
    except KeyboardInterrupt:
        turn.interrupt()
        renderer.finish(turn.stats())
        return False
    except BaseException:
        renderer.abort("")
        raise
    renderer.finish(turn.stats())
    return True


def preload() -> None:
    """Import what the live renderer needs (rich's Markdown, pygments), e.g. on a thread
    while the REPL waits for the first question, so the first reply starts at once."""
    import llmchat.render.live  # noqa: F401
