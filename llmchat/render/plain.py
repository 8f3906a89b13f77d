"""Plain output: the answer's text exactly as the model sent it, flushed as it arrives.

Used into a pipe or a file (byte-exact: Markdown source, no ANSI, nothing added but one
final newline when missing) and for `--raw` on a terminal (same text, made safe for the
terminal, with the spinner and status line around it). Never imports rich.
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

from llmchat.environment import Environment
from llmchat.events import ChatEvent, Finish, ReasoningDelta, TextDelta, TurnStats
from llmchat.render.common import (
    INTERRUPTED,
    TICK_SECONDS,
    Ticker,
    fit_status,
    format_seconds,
    neutralise,
    spinner_frames,
    status_text,
)

DIM = "\x1b[2m"
DIM_BOLD = "\x1b[2;1m"
RESET = "\x1b[0m"
CLEAR_LINE = "\r\x1b[K"


class _Section:
    """One output stream and whether what went into it so far ended with a newline."""

    def __init__(self, stream: TextIO, *, style: str) -> None:
        self.stream = stream
        self.style = style  # an SGR prefix, or "" for none
        self.written = False
        self.at_line_start = True

    def write(self, text: str, *, style: str | None = None) -> None:
        style = self.style if style is None else style
        self.stream.write(f"{style}{text}{RESET}" if style else text)
        self.stream.flush()
        self.written = True
        self.at_line_start = text.endswith("\n")

    def end_line(self) -> None:
        if not self.at_line_start:
            self.write("\n", style="")


class PlainRenderer:
    """Writes the answer to stdout as is; reasoning to stderr, or above the answer on a terminal.

    `terminal` is raw mode on a TTY: model text is neutralised (no escape sequences reach
    the terminal), a spinner waits for the first token, and a dim status line follows.
    """

    def __init__(self, env: Environment, *, show_reasoning: bool, terminal: bool) -> None:
        self._terminal = terminal
        # A dumb terminal cannot erase a spinner: it gets none (and no colour: env.no_color).
        self._spinner = terminal and not env.dumb
        self._frames = spinner_frames(getattr(env.stdout, "encoding", None))
        self._show_reasoning = show_reasoning
        # Reasoning reaches a terminal either way when stderr is one: neutralise it then.
        self._reasoning_safe = terminal or env.stderr_isatty
        self._color = not env.no_color
        self._env = env
        self._answer = _Section(env.stdout, style="")
        if terminal:
            self._reasoning = _Section(env.stdout, style=DIM if self._color else "")
            self._labelled = True
        else:
            styled = env.stderr_isatty and self._color
            self._reasoning = _Section(env.stderr, style=DIM if styled else "")
            self._labelled = styled
        # Notes ("interrupted") never go into a pipe's stdout: it holds the model's text only.
        note_stream, note_tty = (env.stdout, True) if terminal else (env.stderr, env.stderr_isatty)
        self._note = _Section(note_stream, style=DIM if note_tty and self._color else "")
        self._lock = threading.Lock()
        self._ticker: Ticker | None = None
        self._spinner_shown = False
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._thinking_since: float | None = None
        self._thinking_shown = False
        self._finish_reason: str | None = None
        self._closed = False

    def start(self) -> None:
        self._started = time.monotonic()
        if self._spinner:
            self._ticker = Ticker(self._spin)
            self._ticker.start()
            self._spin()

    def before_read(self) -> float:
        """Text goes out as it comes: the wire reads as soon as bytes arrive."""
        return 0.0

    def feed(self, event: ChatEvent) -> None:
        if self._closed:
            return
        if isinstance(event, TextDelta) and event.text:
            self._begin_output()
            self._end_thinking()
            self._answer.write(neutralise(event.text) if self._terminal else event.text)
        elif isinstance(event, ReasoningDelta) and event.text:
            self._on_reasoning(event.text)
        elif isinstance(event, Finish):
            self._finish_reason = event.reason

    def finish(self, stats: TurnStats) -> None:
        if not self._close():
            return
        if not self._terminal:
            if stats.interrupted:  # the status line's last word, without the figures
                self._note.end_line()
                self._note.write(INTERRUPTED + "\n")
            return
        first = self._first_token
        now = time.monotonic()
        status = status_text(
            stats,
            first_token_after=None if first is None else first - self._started,
            generating_for=0.0 if first is None else now - first,
            finish_reason=self._finish_reason,
        )
        if status:
            self._blank_line()
            self._answer.write(
                fit_status(status, self._env.width()) + "\n", style=DIM if self._color else ""
            )

    def abort(self, note: str) -> None:
        if self._close() and note:
            self._note.end_line()
            if self._terminal:
                self._blank_line()
            self._note.write(note + "\n")

    def _blank_line(self) -> None:
        """On a terminal, a blank line between the reply and its status line or note, as
        the live renderer leaves (TERM=dumb and --raw look like the rest)."""
        if self._answer.written or self._reasoning.written:
            self._answer.write("\n", style="")

    def _close(self) -> bool:
        """Stop the spinner, close the reasoning, end the answer's last line; False if
        that was done already (finish or abort after the other do nothing)."""
        self._stop_spinner()
        if self._closed:
            return False
        self._closed = True
        self._end_thinking()
        if self._answer.written:
            self._answer.end_line()
        return True

    def _on_reasoning(self, text: str) -> None:
        if self._thinking_since is None:
            self._thinking_since = time.monotonic()
        if self._first_token is None:
            self._first_token = self._thinking_since
        if not self._show_reasoning or self._answer.written:
            return
        self._stop_spinner()
        if not self._thinking_shown and self._labelled:
            self._reasoning.write("Thinking\n", style=DIM_BOLD if self._color else "")
        self._thinking_shown = True
        self._reasoning.write(neutralise(text) if self._reasoning_safe else text)

    def _begin_output(self) -> None:
        if self._first_token is None:
            self._first_token = time.monotonic()
        self._stop_spinner()

    def _end_thinking(self) -> None:
        """After the last reasoning: end its line and, where labelled, say how long it took."""
        if self._thinking_since is None:
            return
        seconds = time.monotonic() - self._thinking_since
        self._thinking_since = None
        if self._thinking_shown:
            self._reasoning.end_line()
        if self._labelled and (self._thinking_shown or self._terminal):
            self._reasoning.write(f"Thought for {format_seconds(seconds)}\n\n")

    def _spin(self) -> None:
        with self._lock:
            if self._ticker is None:
                return
            elapsed = time.monotonic() - self._started
            frame = self._frames[int(elapsed / TICK_SECONDS) % len(self._frames)]
            label = "waiting" if self._thinking_since is None else "thinking"
            self._answer.stream.write(f"{CLEAR_LINE}{frame} {label} {format_seconds(elapsed)}")
            self._answer.stream.flush()
            self._spinner_shown = True

    def _stop_spinner(self) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is None:
            return
        ticker.stop()
        with self._lock:
            if self._spinner_shown:
                self._answer.stream.write(CLEAR_LINE)
                self._answer.stream.flush()
                self._spinner_shown = False
