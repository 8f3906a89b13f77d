"""The bottom of the terminal while a reply streams: rows printed above for good, and a
short live part below that is updated in place.

Each frame is compared with what is already on the screen, row by row: rows that did
not change are not written again, a row that changed gets only its changed cells (a row
that grew, just its new end; see patch.py), new rows are added below, and a frame that
changes nothing writes nothing. Only a frame with fewer rows, or after a resize, erases
and redraws from the first changed row. Rows that become final while already shown as
live stay where they are: they reach the scrollback without being written twice. Over
SSH those bytes are the lag a user sees.

The live part never exceeds the screen, so going back to a row needs only a relative
cursor-up and never touches the scrollback: no duplicated or lost lines, however long
the reply.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.color import Color, ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.segment import Segment
from rich.style import Style

from llmchat.render.markdown import Row
from llmchat.render.output import write_whole
from llmchat.render.patch import ERASE_LINE_END, common_prefix, move_to_column, row_patch

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


def shown(row: Row) -> Row:
    """A row as the screen holds it: unpadded, runs of one style merged (so that two
    renders of the same row compare equal however rich cut them into segments)."""
    return list(Segment.simplify(_unpadded(row)))


def background_fill(row: Row) -> tuple[Row, Color | None]:
    """The row without its trailing run of blank cells on a background colour (a code
    block's padding to the full width), and that background; (row, None) if none.

    Such a run is written as an erase to the end of the line in the background colour
    (terminals paint erased cells with the current background): the row on the screen
    then ends where its text ends, and a terminal that is narrowed later does not wrap
    each code row onto two (doubling the scrollback, or pushing live rows out of reach)."""
    end = len(row)
    fill: Color | None = None
    while end:
        segment = row[end - 1]
        style = segment.style
        if segment.control or style is None or style.bgcolor is None or segment.text.strip(" "):
            break
        if style != Style(bgcolor=style.bgcolor):
            break  # a space with more than a background (a styled token): written as is
        if fill is not None and style.bgcolor != fill:
            break
        fill = style.bgcolor
        end -= 1
    return (row[:end], fill) if fill is not None else (row, None)


def _erase_on(background: Color, system: ColorSystem) -> str:
    """Erase to the end of the line in `background`, then reset."""
    codes = ";".join(background.downgrade(system).get_ansi_codes(foreground=False))
    return f"\x1b[{codes}m{ERASE_LINE_END}\x1b[0m"


def rows_to_ansi(
    console: Console, rows: list[Row], *, newline_after: bool, fill_to_edge: bool = True
) -> str:
    """Rows as the console would print them (colour system, NO_COLOR), joined by newlines.

    Written here rather than through `console.print`, whose machinery (render, crop, a
    capture buffer) cost more than a frame's whole diff: what it does to segments that
    are already laid out is this loop (rich's `Console._render_buffer`). With
    `fill_to_edge` (the rows end where the screen's rows end), a trailing background run
    is an erase in that colour (see `background_fill`)."""
    if not rows:
        return ""
    system = COLOR_SYSTEMS.get(console.color_system or "")
    colour = system is not None and not console.no_color
    legacy = console.legacy_windows
    keep_control = console.is_terminal
    parts: list[str] = []
    for index, row in enumerate(rows):
        if index:
            parts.append("\n")
        body, fill = background_fill(_unpadded(row)) if fill_to_edge else (_unpadded(row), None)
        segments: Iterable[Segment] = body
        if console.no_color and system is not None:
            segments = Segment.remove_color(segments)
        for text, style, control in segments:
            if style:
                parts.append(style.render(text, color_system=system, legacy_windows=legacy))
            elif keep_control or not control:
                parts.append(text)
        if fill is not None and colour and system is not None:
            parts.append(_erase_on(fill, system))
    if newline_after:
        parts.append("\n")
    return "".join(parts)


def written_width(row: Row) -> int:
    """How many cells of the row are written as characters (not a background erase)."""
    return Segment.get_line_length(background_fill(row)[0])


def _row_width(row: Row) -> int:
    return Segment.get_line_length(row)


class Screen:
    """Writes frames: what became final and the new live rows, as a change to the screen."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live: list[Row] = []  # the live rows on screen, as `shown`
        self._live_width = 0
        self._cursor_hidden = False
        self._at_end = False  # the cursor is right after the last live row's last cell
        self.bytes_written = 0
        # The last frame's live rows as given and as shown, by identity: a live code block
        # hands the same row objects frame after frame, and simplifying them is a good part
        # of a frame's cost.
        self._shown: dict[int, tuple[Row, Row]] = {}

    def _shown_rows(self, rows: list[Row]) -> list[Row]:
        kept: dict[int, tuple[Row, Row]] = {}
        out: list[Row] = []
        for row in rows:
            hit = self._shown.get(id(row))
            entry = hit if hit is not None and hit[0] is row else (row, shown(row))
            kept[id(row)] = entry
            out.append(entry[1])
        self._shown = kept
        return out

    def height(self) -> int:
        """Rows the live part may use: all but one of the screen's."""
        return max(3, self._console.height - 1)

    def draw(self, final: list[Row], live: list[Row]) -> bool:
        """One frame, written at once; `live` is cut to its last `height()` rows.

        Returns whether anything was written (False: the frame changed nothing visible).
        """
        live = self._shown_rows(live[-self.height() :])
        new = [shown(row) for row in final] + live
        width = self._console.width
        old = self._live
        same = common_prefix(old, new) if width == self._live_width else 0
        if same == len(old) == len(new) and live:
            self._live = live  # rows that became final are already where they belong
            return False  # nothing visible changed
        if old and width == self._live_width and len(new) >= len(old):
            text, moved = self._patch(old, new, same)
            erasing, on_a_row = False, True
        else:
            text, on_a_row = self._rewrite(old, new, same, width)
            erasing, moved = bool(old), False
        if not live and on_a_row:
            text += "\n"  # final rows end their line; live rows leave the cursor on theirs
            self._at_end = False
        if live and not self._cursor_hidden:
            text = HIDE_CURSOR + text
            self._cursor_hidden = True
        self._live = live
        self._live_width = width
        # Only a frame that erases or moves between rows can flicker: those are synced.
        self._write(SYNC_BEGIN + text + SYNC_END if erasing or moved else text)
        return True

    def _rewrite(self, old: list[Row], new: list[Row], same: int, width: int) -> tuple[str, bool]:
        """Erase from the first changed row (or from the top, after a resize) and write
        every row from there. Returns the text and whether the cursor is left on a row
        it wrote (else at the start of an erased one)."""
        if old and same == len(new) and same:
            same -= 1  # the new frame is the old one cut short: redraw its last row
        keep = same if width == self._live_width else 0
        erase = self._erase(width, keep=keep) if keep < len(old) else ("\n" if old else "")
        body = rows_to_ansi(self._console, new[keep:], newline_after=False)
        self._at_end = bool(body) and self._ends_short(new[-1])
        return erase + body, bool(body)

    def _patch(self, old: list[Row], new: list[Row], same: int) -> tuple[str, bool]:
        """Change the rows on the screen that differ, cell by cell, then add new rows
        below; the cursor ends on the last row. Returns the text and whether it moved
        between rows."""
        last = len(old) - 1
        row = last  # the cursor's row
        parts: list[str] = []
        for index in range(same, len(old)):
            if old[index] == new[index]:
                continue
            if index != row:
                parts.append(f"\x1b[{row - index}A" if index < row else f"\x1b[{index - row}B")
                row = index
            patch = row_patch(old[index], new[index])
            at_end = not parts and self._at_end  # still where the last frame left it
            if not (at_end and patch.column == _row_width(old[index])):
                parts.append(move_to_column(patch.column))
            parts.append(
                rows_to_ansi(
                    self._console,
                    [patch.segments],
                    newline_after=False,
                    fill_to_edge=patch.ends_row,
                )
            )
            filled = patch.ends_row and background_fill(patch.segments)[1] is not None
            if patch.erase_rest and not filled:
                parts.append(ERASE_LINE_END)
            self._at_end = patch.ends_row and self._ends_short(new[index])
        moved = row != last or any(part.endswith("A") for part in parts)
        if row != last:
            parts.append(f"\x1b[{last - row}B")
            self._at_end = False
        if len(new) > len(old):
            parts.append("\n" + rows_to_ansi(self._console, new[len(old) :], newline_after=False))
            self._at_end = self._ends_short(new[-1])
        return "".join(parts), moved

    def _ends_short(self, row: Row) -> bool:
        """Whether the cursor after this row is still on it (the row is not full width:
        after a full row terminals wait to wrap, and moving from there is unreliable)."""
        if background_fill(row)[1] is not None:
            return False  # written as an erase: the cursor is where the text ended
        return _row_width(row) < self._console.width

    def close(self) -> None:
        """Erase the live part and give the cursor back."""
        parts = [self._erase(self._console.width, keep=0)]
        if self._cursor_hidden:
            parts.append(SHOW_CURSOR)
            self._cursor_hidden = False
        self._live = []
        self._write("".join(parts))

    def _erase(self, width: int, *, keep: int) -> str:
        """Back to live row `keep` (its start) and clear to the end of the screen.

        After the terminal got narrower (then `keep` is 0), a terminal that reflows has
        wrapped each old row onto several; count those, since the cursor moved with them.
        """
        if not self._live:
            return ""
        if width >= self._live_width:
            up = len(self._live) - 1 - keep
        else:
            lengths = [written_width(row) for row in self._live]
            up = sum(max(1, -(-length // width)) for length in lengths) - 1
        if not up:
            return "\r" + ERASE_DOWN
        # Not ERASE_DOWN from the row's first cell: when the live part starts on the top row
        # (after the terminal shrank) that clears the whole screen, which tmux
        # (scroll-on-clear) copies into the scrollback, at every frame. The same erase from
        # the second cell of the row, its first cleared apart, is not a whole-screen clear.
        return f"\r\x1b[{up}A" + ERASE_LINE + "\x1b[1C" + ERASE_DOWN + "\r"

    def _write(self, text: str) -> None:
        if text:
            self.bytes_written += len(text.encode("utf-8", "replace"))
            write_whole(self._console.file, text)  # a frame cut short is never redrawn
