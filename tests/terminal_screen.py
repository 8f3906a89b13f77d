"""What a person sees in the pty: a terminal model (pyte) fed everything the program writes.

A pty test asks whether text appeared on the screen, not whether those characters came
one after another in the byte stream: the renderer updates the live part of a reply in
place (a row that grows gets only its new end, in a later frame), so the bytes of one
row can be split by cursor moves and other escape sequences, exactly as prompt_toolkit
splits the line being typed. The screen is what must read right, so that is what is
matched. Rows that scroll off the top are kept, as a terminal's scrollback keeps them.

`ScreenText` is a pexpect searcher: `child.expect_loop(ScreenText(screen, text))` waits
until `text` is on the screen, on one row, after where the previous match ended (so two
identical answers in a row need two matches, as with pexpect's own searchers).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyte
from pyte.screens import Char, Margins, StaticDefaultDict
from wcwidth import wcwidth

Line = StaticDefaultDict[int, Char]


class _ScrollingScreen(pyte.Screen):
    """pyte's screen, keeping the rows that scroll off its top (the scrollback) as text."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self.scrolled: list[str] = []
        self._shown: list[str] = [""] * lines

    def index(self) -> None:
        top, bottom = self.margins or Margins(0, self.lines - 1)
        if self.cursor.y == bottom and top == 0:
            self.scrolled.append(self.row_text(self.buffer[top]))
        super().index()

    def shown(self) -> list[str]:
        """The screen's rows as text; only rows changed since the last call are read again."""
        for y in self.dirty:
            if y < self.lines:
                self._shown[y] = self.row_text(self.buffer[y])
        self.dirty.clear()
        return self._shown

    def row_text(self, line: Line) -> str:
        """A row as the person reads it: a wide character once, trailing blanks dropped."""
        chars: list[str] = []
        wide = False
        for x in range(self.columns):
            if wide:  # the second cell of a wide character
                wide = False
                continue
            data = line[x].data
            wide = bool(data) and wcwidth(data[0]) == 2
            chars.append(data)
        return "".join(chars).rstrip()


@dataclass(frozen=True)
class Position:
    """A place in the whole of what was shown: row (scrollback first) and column."""

    row: int
    column: int


class Screen:
    """The terminal the program writes to, fed as the bytes arrive."""

    def __init__(self, rows: int, columns: int) -> None:
        self._screen = _ScrollingScreen(columns, rows)
        self._stream = pyte.Stream(self._screen)
        self.mark = Position(0, 0)  # where the last match ended

    def feed(self, text: str) -> None:
        self._stream.feed(text)

    def rows(self, start: int = 0) -> list[str]:
        """Every row shown from `start` on: scrollback, then the screen."""
        screen = self._screen
        shown = screen.shown()
        return screen.scrolled[start:] + shown[max(0, start - len(screen.scrolled)) :]

    def find(self, text: str) -> Position | None:
        """Where `text` ends, on one row at or after the mark; None if not shown (yet)."""
        for offset, row in enumerate(self.rows(self.mark.row)):
            at = row.find(text, self.mark.column if offset == 0 else 0)
            if at >= 0:
                return Position(self.mark.row + offset, at + len(text))
        return None

    def tail(self, count: int = 12) -> str:
        """The last rows with text, for a failure message."""
        rows = [row for row in self.rows() if row]
        return "\n".join(rows[-count:])


class ScreenLog(io.StringIO):
    """A pexpect `logfile_read`: everything read from the pty, kept as it came and fed to
    the screen (the searcher looks at the screen, pexpect at the bytes)."""

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.screen = screen

    def write(self, text: str) -> int:
        self.screen.feed(text)
        return super().write(text)


class ScreenText:
    """A pexpect searcher: found once `text` is on the screen after the previous match.

    What pexpect's `before` and `after` hold: where the text also came in one piece in the
    bytes read since the previous match, exactly what pexpect's own string searcher gives
    (`after` is the text, `before` what came before it). Where it did not (a row written
    in pieces), there is no one place in the stream where the text "is": everything read
    so far is consumed, `after` being the last character read (the one that completed
    the text on the screen) and `before` everything until then.
    """

    eof_index = -1
    timeout_index = -1

    def __init__(self, screen: Screen, text: str) -> None:
        self.screen = screen
        self.text = text
        self.match: str | None = None
        self.start = self.end = 0

    def search(self, buffer: str, freshlen: int, searchwindowsize: int | None = None) -> int:
        found = self.screen.find(self.text)
        if found is None:
            return -1
        self.screen.mark = found
        self.match = self.text
        at = buffer.find(self.text)
        if at >= 0:
            self.start, self.end = at, at + len(self.text)
        else:
            self.end = len(buffer)
            self.start = max(0, self.end - 1)  # pexpect cannot make `before` of all the buffer
        return 0

    def __str__(self) -> str:
        return f"text on the screen: {self.text!r}; the screen ends with:\n{self.screen.tail()}"


def shown_rows(output: str | bytes, rows: int = 24, columns: int = 80) -> list[str]:
    """Every row a terminal of that size shows (scrollback included) after `output`."""
    screen = Screen(rows, columns)
    screen.feed(output.decode("utf-8", "replace") if isinstance(output, bytes) else output)
    return screen.rows()
