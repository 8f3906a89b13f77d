"""The bottom of the terminal while a reply streams: rows printed above for good, and a
short live part below that is erased and redrawn in place.

The live part never exceeds the screen, so erasing it needs only a relative cursor-up
and never touches the scrollback: no duplicated or lost lines, however long the reply.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment, Segments

from llmchat.render.markdown import Row

# Terminals that know DEC mode 2026 show each frame at once (no flicker); others ignore it.
SYNC_BEGIN = "\x1b[?2026h"
SYNC_END = "\x1b[?2026l"
HIDE_CURSOR = "\x1b[?25l"
SHOW_CURSOR = "\x1b[?25h"
ERASE_DOWN = "\x1b[J"
ERASE_LINE = "\x1b[2K"


def _unpadded(row: Row) -> Row:
    """The row without the spaces rich pads it with to the full width: padded rows turn
    the transcript double-spaced once the terminal is narrowed (each wraps in two).
    Spaces that show something (a code block's background) stay."""
    row = list(row)
    while row:
        last = row[-1]
        if last.control or (last.style is not None and last.style.bgcolor is not None):
            break
        if last.style is not None and (last.style.underline or last.style.reverse):
            break
        stripped = last.text.rstrip(" ")
        if stripped:
            row[-1] = Segment(stripped, last.style, last.control)
            break
        row.pop()
    return row


def rows_to_ansi(console: Console, rows: list[Row], *, newline_after: bool) -> str:
    """Rows as the console would print them (colour system, NO_COLOR), joined by newlines."""
    if not rows:
        return ""
    flat: list[Segment] = []
    for index, row in enumerate(rows):
        if index:
            flat.append(Segment.line())
        flat.extend(_unpadded(row))
    if newline_after:
        flat.append(Segment.line())
    with console.capture() as capture:
        console.print(Segments(flat), end="")
    return capture.get()


class Screen:
    """Writes frames: erase the live rows, print final rows, draw the new live rows."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live_lengths: list[int] = []  # cell length of each live row on screen
        self._live_width = 0
        self._cursor_hidden = False

    def height(self) -> int:
        """Rows the live part may use: all but one of the screen's."""
        return max(3, self._console.height - 1)

    def draw(self, final: list[Row], live: list[Row]) -> None:
        """One frame, written at once; `live` is cut to its last `height()` rows."""
        live = live[-self.height() :]
        width = self._console.width
        parts = [SYNC_BEGIN, self._erase(width)]
        if live and not self._cursor_hidden:
            parts.append(HIDE_CURSOR)
            self._cursor_hidden = True
        parts.append(rows_to_ansi(self._console, final, newline_after=True))
        parts.append(rows_to_ansi(self._console, live, newline_after=False))
        parts.append(SYNC_END)
        self._live_lengths = [Segment.get_line_length(_unpadded(row)) for row in live]
        self._live_width = width
        self._write("".join(parts))

    def close(self) -> None:
        """Erase the live part and give the cursor back."""
        parts = [self._erase(self._console.width)]
        if self._cursor_hidden:
            parts.append(SHOW_CURSOR)
            self._cursor_hidden = False
        self._live_lengths = []
        self._write("".join(parts))

    def _erase(self, width: int) -> str:
        """Back to the first live row and clear to the end of the screen.

        After the terminal got narrower, a terminal that reflows has wrapped each old row
        onto several; count those, since the cursor moved with them.
        """
        if not self._live_lengths:
            return ""
        if width >= self._live_width:
            up = len(self._live_lengths) - 1
        else:
            up = sum(max(1, -(-length // width)) for length in self._live_lengths) - 1
        if not up:
            return "\r" + ERASE_DOWN
        # Not ERASE_DOWN from the row's first cell: when the live part starts on the top row
        # (after the terminal shrank) that clears the whole screen, which tmux
        # (scroll-on-clear) copies into the scrollback, at every frame. The same erase from
        # the second cell of the row, its first cleared apart, is not a whole-screen clear.
        return f"\r\x1b[{up}A" + ERASE_LINE + "\x1b[1C" + ERASE_DOWN + "\r"

    def _write(self, text: str) -> None:
        if text:
            self._console.file.write(text)
            self._console.file.flush()
