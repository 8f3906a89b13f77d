"""Several replies streaming at once on one terminal: columns side by side when each gets
at least MIN_COLUMN cells, else stacked panels showing each answer's tail.

Each pane renders its answer as a normal reply does (MarkdownStream: final rows once,
only the open block redrawn), at the pane's width. The lanes' threads only hand text
over; frames are drawn by one ticker thread, so a frame is never half-written and no
lane ever waits for the screen. The live part never exceeds the screen, so scrollback
stays clean; after all finish, every answer is printed in full, one after another.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from llmchat.engine.compare import Comparison, LaneResult
from llmchat.events import ChatEvent, ReasoningDelta, TextDelta
from llmchat.render.common import (
    INTERRUPTED,
    SPINNER_FRAMES,
    TICK_SECONDS,
    Ticker,
    format_seconds,
    neutralise,
)
from llmchat.render.markdown import Row, answer_markdown
from llmchat.render.output import write_whole
from llmchat.render.screen import Screen, rows_to_ansi
from llmchat.render.stream import MarkdownStream
from llmchat.render.thinking import ThinkingStream

MIN_COLUMN = 50
SEPARATOR = " │ "
# Several panes redraw per frame: fewer frames than a single reply keeps the total cost
# near N replies' worth, and a frame that took t delays the next by FRAME_COST_FACTOR * t.
FRAME_SECONDS = 1 / 10
FRAME_COST_FACTOR = 3.0
_LABEL = Style(bold=True)
_DIM = Style(dim=True)
_ERROR = Style(color="red")
_OK = Style(color="green")


class _Pane:
    """One lane's reply at one width: final rows kept, the open block live."""

    def __init__(self, label: str, console: Console, full: Console | None = None) -> None:
        self.label = label
        self.console = console
        self.answer = MarkdownStream(console)
        # Columns: the answer at the terminal's width too, committed block by block as it
        # streams, so printing it in full afterwards costs no second render of it all.
        self.full = MarkdownStream(full) if full is not None else None
        self.full_width = full.width if full is not None else 0
        self.full_rows: list[Row] = []
        self.thinking = ThinkingStream(console)
        self.rows: list[Row] = []  # every final row of the answer so far
        self.thought: list[Row] = []  # final rows of the reasoning
        self.texts: list[str] = []  # all answer text (to re-lay the pane at another width)
        self.reasonings: list[str] = []
        self.pending: list[tuple[bool, str]] = []  # (is_answer, text) not yet in the streams
        self.status = "waiting"
        self.started = time.monotonic()
        self.state_since = self.started
        self.error: str | None = None

    def take(self, pending: list[tuple[bool, str]], show_reasoning: bool) -> None:
        for is_answer, text in pending:
            if is_answer:
                self.texts.append(text)
                self.answer.feed(text)
                if self.full is not None:
                    self.full.feed(text)
                if self.status in ("waiting", "thinking") and text.strip():
                    self.status, self.state_since = "streaming", time.monotonic()
            else:
                self.reasonings.append(text)
                if self.status == "waiting":
                    self.status, self.state_since = "thinking", time.monotonic()
                if show_reasoning and self.status == "thinking":
                    self.thinking.feed(text)

    def commit_full(self, height: int, *, final: bool = False) -> list[Row]:
        """The answer's rows at the terminal's width so far (all of them when `final`)."""
        if self.full is not None:
            self.full_rows.extend(self.full.advance(budget=height, final=final))
        return self.full_rows

    def tail(self, height: int, *, final: bool = False) -> list[Row]:
        """The last `height` rows of what this pane shows now."""
        self.rows.extend(self.answer.advance(budget=height, final=final))
        if self.status == "thinking":
            self.thought.extend(self.thinking.advance())
            live = self.thinking.live()
            return (self.thought + live)[-height:]
        live = [] if final else self.answer.live(height)
        if len(live) >= height:
            return live[-height:]
        return self.rows[-(height - len(live)) :] + live if height > len(live) else live


class CompareRenderer:
    """The multi-pane live view; a `LaneListener` for `Comparison.run`."""

    def __init__(
        self,
        console: Console,
        labels: Sequence[str],
        *,
        show_reasoning: bool = True,
        frame_seconds: float = FRAME_SECONDS,
    ) -> None:
        self._console = console
        self._labels = list(labels)
        self._show_reasoning = show_reasoning
        self._frame_seconds = frame_seconds
        self._screen = Screen(console)
        self._feed_lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._pending: list[list[tuple[bool, str]]] = [[] for _ in self._labels]
        self._done: list[LaneResult | None] = [None] * len(self._labels)
        self._panes: list[_Pane] = []
        self._pane_width = 0
        self._ticker: Ticker | None = None
        self._next_frame = 0.0
        self._closed = False
        self.frames = 0

    # --- LaneListener (called from the lanes' threads) -------------------------------

    def lane_event(self, index: int, event: ChatEvent) -> None:
        if isinstance(event, TextDelta | ReasoningDelta) and event.text:
            item = (isinstance(event, TextDelta), neutralise(event.text))
            with self._feed_lock:
                self._pending[index].append(item)

    def lane_done(self, index: int, result: LaneResult) -> None:
        with self._feed_lock:
            self._done[index] = result

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        with self._draw_lock:
            self._frame()
        self._ticker = Ticker(self._tick)
        self._ticker.start()

    def finish(self, results: Sequence[LaneResult]) -> None:
        """Erase the live view; print every answer in full, in lane order."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        with self._draw_lock:
            if self._closed:
                return
            self._closed = True
            self._screen.close()
            with self._feed_lock:
                pending, self._pending = self._pending, [[] for _ in self._labels]
            for pane, items in zip(self._panes, pending, strict=False):
                pane.take(items, self._show_reasoning)
            width = self._console.width
            panes: list[_Pane | None] = list(self._panes)
            if len(panes) != len(results):
                panes = [None] * len(results)
            for result, lane in zip(results, panes, strict=True):
                self._print_lane(result, self._rows_at(lane, width))

    # --- frames -------------------------------------------------------------------

    def _tick(self) -> None:
        with self._draw_lock:
            if not self._closed and time.monotonic() >= self._next_frame:
                self._frame()

    def _frame(self) -> None:
        began = time.perf_counter()
        with self._feed_lock:
            pending, self._pending = self._pending, [[] for _ in self._labels]
            done = list(self._done)
        width = self._console.width
        count = len(self._labels)
        columns = (width - len(SEPARATOR) * (count - 1)) // count >= MIN_COLUMN
        pane_width = (width - len(SEPARATOR) * (count - 1)) // count if columns else width
        self._layout(pane_width)
        for pane, items, result in zip(self._panes, pending, done, strict=True):
            pane.take(items, self._show_reasoning)
            if result is not None and pane.status not in ("done", "failed", "interrupted"):
                pane.status = result.state
                pane.error = result.error
        height = self._screen.height()
        live = self._columns(height, pane_width) if columns else self._stacked(height)
        self._screen.draw([], live)
        for pane in self._panes:
            pane.commit_full(height)
        self.frames += 1
        cost = time.perf_counter() - began
        self._next_frame = time.monotonic() + max(self._frame_seconds, FRAME_COST_FACTOR * cost)

    def _layout(self, pane_width: int) -> None:
        """Panes at `pane_width`; after a resize they are rebuilt from the text so far."""
        if pane_width == self._pane_width and self._panes:
            return
        old = self._panes
        self._pane_width = pane_width
        full = self._pane_console(self._console.width) if pane_width < self._console.width else None
        self._panes = [_Pane(label, self._pane_console(pane_width), full) for label in self._labels]
        for new, previous in zip(self._panes, old, strict=False):
            new.take([(False, t) for t in previous.reasonings], self._show_reasoning)
            new.take([(True, t) for t in previous.texts], self._show_reasoning)
            new.status, new.error = previous.status, previous.error
            new.started, new.state_since = previous.started, previous.state_since

    def _pane_console(self, width: int) -> Console:
        return Console(
            file=io.StringIO(),
            width=width,
            height=self._console.height,
            force_terminal=True,
            color_system=self._console.color_system,  # type: ignore[arg-type]
            no_color=self._console.no_color,
            markup=False,
            emoji=False,
            highlight=False,
        )

    def _columns(self, height: int, pane_width: int) -> list[Row]:
        body = max(1, height - 2)
        tails = [[self._header(p, pane_width), *self._body(p, body)] for p in self._panes]
        tallest = max(len(t) for t in tails)
        rows: list[Row] = []
        gap = Segment(SEPARATOR, _DIM)
        for line in range(tallest):
            row: Row = []
            for number, tail in enumerate(tails):
                if number:
                    row.append(gap)
                cell = tail[line] if line < len(tail) else []
                row.extend(Segment.adjust_line_length(cell, pane_width))
            rows.append(row)
        return rows

    def _stacked(self, height: int) -> list[Row]:
        """One panel under another; a failed one takes only its error's rows, and the
        others share the rest of the screen."""
        count = len(self._panes)
        failed = {i: self._body(p, 3) for i, p in enumerate(self._panes) if p.error}
        sharing = count - len(failed)
        room = height - count - sum(len(rows) for rows in failed.values())
        body = max(1, room // sharing) if sharing else 1
        rows: list[Row] = []
        for index, pane in enumerate(self._panes):
            rows.append(self._header(pane, self._pane_width))
            if index in failed:
                rows.extend(failed[index])
                continue
            tail = self._body(pane, body)
            rows.extend(tail + [[]] * (body - len(tail)))
        return rows

    def _body(self, pane: _Pane, height: int) -> list[Row]:
        if pane.error:
            text = Text(pane.error, style=_ERROR)
            return pane.console.render_lines(text, pad=False)[:height]
        return pane.tail(height)

    def _header(self, pane: _Pane, width: int) -> Row:
        now = time.monotonic()
        status = pane.status
        if status in ("waiting", "thinking", "streaming"):
            spin = SPINNER_FRAMES[int((now - pane.started) / TICK_SECONDS) % len(SPINNER_FRAMES)]
            word = f"{spin} {status} {format_seconds(now - pane.state_since)}"
            style = _DIM
        else:
            word = {"done": "✓ done", "failed": "✗ failed"}.get(status, f"■ {status}")
            style = _OK if status == "done" else _ERROR if status == "failed" else _DIM
        row = [Segment(pane.label, _LABEL), Segment("  "), Segment(word, style)]
        return Segment.adjust_line_length(row, width)

    # --- the full answers ---------------------------------------------------------

    def _rows_at(self, pane: _Pane | None, width: int) -> list[Row] | None:
        """The pane's whole answer as already rendered at `width` (None: render it now)."""
        if pane is None or pane.error:
            return None
        height = self._screen.height()
        if self._pane_width == width:  # stacked: the panes are the terminal's width
            pane.tail(height, final=True)
            return pane.rows
        if pane.full is not None and pane.full_width == width:
            return pane.commit_full(height, final=True)
        return None

    def _print_lane(self, result: LaneResult, answer: list[Row] | None) -> None:
        console = self._console
        width = console.width
        rows: list[Row] = [[], self._rule(result.label, width)]
        if self._show_reasoning and result.reasoning.strip():
            thinking = ThinkingStream(console)
            thinking.feed(neutralise(result.reasoning))
            rows.extend(thinking.advance(final=True))
            rows.append([])
        if answer is not None:
            rows.extend(answer)
        elif result.answer.strip():
            rows.extend(console.render_lines(answer_markdown(result.answer), pad=False))
        if result.error:
            rows.extend(console.render_lines(Text(result.error, style=_ERROR), pad=False))
        elif result.state == "interrupted":
            # Where a single reply's status line says it: under a blank line.
            blank: list[Row] = [[]] if len(rows) > 2 else []
            rows.extend([*blank, [Segment(INTERRUPTED, _DIM)]])
        self._write(rows)

    def _rule(self, label: str, width: int) -> Row:
        fill = max(0, width - len(label) - 4)
        return [Segment("── ", _DIM), Segment(label, _LABEL), Segment(" " + "─" * fill, _DIM)]

    def print_lines(self, text: str) -> None:
        """Plain lines after the answers (the scoreboard), never cut to the width: a
        terminal wraps a long row, which beats losing its last column."""
        write_whole(self._console.file, "\n" + text + "\n")

    def _write(self, rows: list[Row]) -> None:
        write_whole(self._console.file, rows_to_ansi(self._console, rows, newline_after=True))


def show_comparison(comparison: Comparison, console: Console, *, show_reasoning: bool) -> bool:
    """Run the lanes in live panes, then every answer in full and the scoreboard (one path
    for `llmchat compare` and `/compare`); True when Ctrl+C stopped them."""
    from llmchat.render.scoreboard import scoreboard_text

    labels = [f"{lane.provider.name}/{lane.model}" for lane in comparison.lanes]
    renderer = CompareRenderer(console, labels, show_reasoning=show_reasoning)
    renderer.start()
    interrupted = False
    try:
        comparison.run(renderer)
    except KeyboardInterrupt:
        interrupted = True
    renderer.finish(comparison.results)
    renderer.print_lines(scoreboard_text(comparison.results, width=console.width))
    return interrupted
