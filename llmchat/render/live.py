"""The terminal renderer: Markdown rendered as it streams, reasoning shown apart, a spinner
until the first token and a dim status line after the last.

Work is done in frames, at most one per FRAME_SECONDS (fewer when the live block is
expensive to draw), so a fast stream costs a bounded number of redraws; a frame writes
only what changed on the screen (see screen.py); a daemon thread animates the spinner
and draws what a stalled stream left pending. Both take one lock.

`feed` only queues the event: it runs once per chunk, each time in a process that has just
woken from waiting on the network with cold caches, where even a few lines of Python cost
tens of microseconds (bench/render_bench.py --paced --floor). The queue is taken in
frames, where a batch of events costs little more than one.
"""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from llmchat.events import ChatEvent, Finish, ReasoningDelta, TextDelta, TurnStats
from llmchat.interrupts import sigint_deferred
from llmchat.render.common import (
    TICK_SECONDS,
    Ticker,
    fit_status,
    format_seconds,
    neutralise,
    spinner_frames,
    status_text,
)
from llmchat.render.markdown import Row
from llmchat.render.screen import Screen
from llmchat.render.stream import MarkdownStream
from llmchat.render.thinking import ThinkingStream, thought_for

FRAME_SECONDS = 1 / 20
# A frame that took t seconds of CPU delays the next one by FRAME_COST_FACTOR * t:
# redrawing takes at most about 1/120 of a core, so a fast reply cannot make us fall
# behind and a slow one does not spend its CPU redrawing the same block. At 100 tokens/s
# a frame costs 1-2 ms (a code line, a paragraph, each in a process woken with cold
# caches), so that is about 5 frames a second. The factor is what issue 16 asks of a
# reply at that pace, at most 3x the CPU of rendering it once: 60 (8 frames a second)
# cost 3.8x, 100 cost 3.0x, 120 cost 2.8x (bench/render_bench.py --paced 100 --runs 3,
# docs/benchmarks.md). CPU, not wall time: on a busy machine the wall time of a frame
# includes waiting for a core, and counting it would space frames out for what other
# programs do.
FRAME_COST_FACTOR = 120.0
# ... but never more than this between frames: a one-off cost (a code block's lexer is
# compiled on first use: 50 ms) must not freeze the display for half a second.
MAX_FRAME_SECONDS = 1 / 4
# The wire may leave a trickling stream's bytes unread until the next frame is due
# (`before_read`), but for no more than this share of the time since the first token:
# the reply's end is then seen at most that share late, and so is the rate the status
# line reports. (At 100 tokens/s, reading chunk by chunk woke the process 100 times a
# second, each wake paying for cold caches.)
READ_PAUSE_SHARE = 0.05
# Shorter pauses are not worth a sleep.
MIN_READ_PAUSE = 0.005
# While the wire paces its reads, a due frame is left this long to `before_read`, which
# draws it with the bytes that came during the pause; after that `feed` (a fast server's
# backlog being read) or the ticker (a stall) draws it.
READ_GRACE_SECONDS = 0.03


class LiveRenderer:
    """Streams a reply onto a terminal through a rich Console (see `make_renderer`).

    `frame_seconds` is the shortest time between frames; 0 draws a frame for every event
    (tests use it to cut replies at every possible place).
    """

    def __init__(
        self,
        console: Console,
        *,
        show_reasoning: bool = True,
        frame_seconds: float = FRAME_SECONDS,
    ) -> None:
        self._console = console
        self._frames = spinner_frames(console.encoding)
        self._show_reasoning = show_reasoning
        self._frame_seconds = frame_seconds
        self._lock = threading.RLock()
        self._screen = Screen(console)
        self._answer = MarkdownStream(console)
        self._thinking = ThinkingStream(console)
        self._ticker: Ticker | None = None
        self._queued: list[Row] = []  # final rows waiting for the next frame
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._thinking_since: float | None = None
        self._answering = False
        self._printed = False
        self._spinning = False
        self._dirty = False
        # Events fed and not yet taken: appended by `feed` without the lock (list.append
        # is atomic), taken under it by `_take_inbox` (see there).
        self._inbox: list[ChatEvent] = []
        self._last_kind: type | None = None
        self._closed = False
        self._next_frame = 0.0
        self._finish_reason: str | None = None
        self._paced = False  # the wire calls `before_read`: frames are drawn there

    def start(self) -> None:
        with self._lock:
            self._started = time.monotonic()
            self._frame()
        self._ticker = Ticker(self._tick)
        self._ticker.start()

    def feed(self, event: ChatEvent) -> None:
        """Queue the event; draw a frame if one is due. While the wire paces its reads,
        `before_read` draws it, unless a backlog keeps the wire reading past the grace.

        A change of kind (reasoning to answer) is taken at once, and the answer's pieces
        until one shows something (models often send "\n\n" first), so the times the
        status line reports (first token, how long the model thought) are when they came.
        """
        self._inbox.append(event)
        kind = type(event)
        if (
            kind is not self._last_kind
            or (kind is TextDelta and not self._answering)
            or time.monotonic() >= self._frame_overdue()
        ):
            self._last_kind = kind
            with self._lock:
                if self._closed:
                    return
                self._take_inbox()
                if self._dirty and time.monotonic() >= self._next_frame:
                    self._frame()

    def before_read(self) -> float:
        """The wire has handed on all it read and caught up with the network: draw the
        frame if one is due, then say how long the next bytes may gather unread (until
        the next frame; READ_PAUSE_SHARE).

        Drawing here rather than in `feed` puts every event that was waiting in the socket
        in the same frame.
        """
        self._paced = True
        with self._lock:
            if self._closed:
                return 0.0
            now = time.monotonic()
            if now >= self._next_frame:
                self._take_inbox()
                if self._dirty:
                    self._frame()
                    now = time.monotonic()
            first = self._first_token
            if first is None:
                return 0.0
            pause = min(self._next_frame - now, READ_PAUSE_SHARE * (now - first))
            return pause if pause >= MIN_READ_PAUSE else 0.0

    def _take_inbox(self) -> None:
        """Apply the queued events, oldest first (the caller holds the lock).

        Only the first `count` are taken and then deleted, never the list swapped: an event
        `feed` appends meanwhile stays queued for the next take. Ctrl+C waits until they
        are deleted: a batch cut in the middle would be applied again by `abort`.
        """
        inbox = self._inbox
        count = len(inbox)
        if not count:
            return
        with sigint_deferred():
            for event in inbox[:count]:
                if isinstance(event, TextDelta):
                    self._on_text(event.text)
                elif isinstance(event, ReasoningDelta):
                    self._on_reasoning(event.text)
                elif isinstance(event, Finish):
                    self._finish_reason = event.reason
            del inbox[:count]

    def finish(self, stats: TurnStats) -> None:
        self._stop_ticker()
        # Ctrl+C waits for the whole ending: one between taking the queue and closing
        # would leave the last text undrawn and no status line.
        with self._lock, sigint_deferred():
            if self._closed:
                return
            self._take_inbox()
            now = time.monotonic()
            first = self._first_token
            status = status_text(
                stats,
                first_token_after=None if first is None else first - self._started,
                generating_for=0.0 if first is None else now - first,
                finish_reason=self._finish_reason,
            )
            self._close(status)

    def abort(self, note: str) -> None:
        self._stop_ticker()
        with self._lock, sigint_deferred():
            if not self._closed:
                self._take_inbox()  # what arrived before the interruption is kept
                self._close(note)

    def _on_text(self, text: str) -> None:
        if not text:
            return
        self._answer.feed(neutralise(text))
        self._dirty = True
        now = time.monotonic()
        if self._first_token is None:
            self._first_token = now
        if not self._answering and text.strip():
            self._end_thinking(now)
            self._answering = True

    def _on_reasoning(self, text: str) -> None:
        # Reasoning after the answer began is dropped: it would land inside the answer.
        if not text or self._answering:
            return
        if self._show_reasoning:
            self._thinking.feed(neutralise(text))
            self._dirty = True
        now = time.monotonic()
        if self._first_token is None:
            self._first_token = now
        if self._thinking_since is None:
            self._thinking_since = now

    def _end_thinking(self, now: float) -> None:
        """Close the reasoning section: its last rows, how long it took, a blank line."""
        if self._thinking_since is None:
            return
        if self._show_reasoning:
            self._queued.extend(self._thinking.advance(final=True))
        self._queued.extend([thought_for(now - self._thinking_since), []])
        self._thinking_since = None

    def _close(self, last_line: str) -> None:
        """Print everything that arrived for good, then `last_line` dimmed."""
        with sigint_deferred():
            self._closed = True
            self._end_thinking(time.monotonic())
            self._frame(final=True)
            if last_line:
                blank: list[Row] = [[]] if self._printed else []
                text = Text(fit_status(last_line, self._console.width), style="dim")
                self._screen.draw(blank + self._console.render_lines(text, pad=False), [])
            self._screen.close()

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> float | None:
        """Animate the spinner, or draw what a stalled stream left; returns when to wake.

        While the reply flows, `feed` draws the frames: this thread wakes when the next
        one is due (not every tick), to draw it if no event came to do so.
        """
        with self._lock:
            if self._closed:
                return None
            self._take_inbox()
            if self._spinning or (self._dirty and time.monotonic() >= self._frame_overdue()):
                self._frame()
            return None if self._spinning else self._frame_overdue() - time.monotonic()

    def _frame_overdue(self) -> float:
        """When `feed` or the ticker draws a due frame: at once, or while the wire paces
        its reads, after the grace left to `before_read`."""
        return self._next_frame + (READ_GRACE_SECONDS if self._paced else 0.0)

    def _frame(self, *, final: bool = False) -> None:
        """Print what became final, redraw what is live; schedule the next frame by cost.

        The next frame waits FRAME_COST_FACTOR times what this one cost: a large live
        block (a long table, list or paragraph) is redrawn less often (at least
        1 / MAX_FRAME_SECONDS times a second), a small one up to 1 / FRAME_SECONDS times a
        second.
        """
        began = time.thread_time()
        with sigint_deferred():
            rows, self._queued = self._queued, []
            budget = self._screen.height()
            if self._thinking_since is not None and self._show_reasoning:
                rows.extend(self._thinking.advance())
            rows.extend(self._answer.advance(budget=budget, final=final))
            live = [] if final else self._live_rows(budget)
            self._screen.draw(rows, live)
            self._printed = self._printed or bool(rows)
            self._dirty = False
        if self._frame_seconds:
            cost = time.thread_time() - began
            pause = min(MAX_FRAME_SECONDS, FRAME_COST_FACTOR * cost)
            self._next_frame = time.monotonic() + max(self._frame_seconds, pause)

    def _live_rows(self, budget: int) -> list[Row]:
        if self._answering:
            self._spinning = False
            return self._answer.live(budget)
        live = self._thinking.live() if self._thinking_since is not None else []
        self._spinning = not live
        return live or [self._spinner_row()]

    def _spinner_row(self) -> Row:
        now = time.monotonic()
        elapsed = now - self._started
        frame = self._frames[int(elapsed / TICK_SECONDS) % len(self._frames)]
        if self._thinking_since is None:
            label = f"waiting {format_seconds(elapsed)}"
        else:
            label = f"thinking {format_seconds(now - self._thinking_since)}"
        return [Segment(f"{frame} ", Style(bold=True)), Segment(label, Style(dim=True))]
