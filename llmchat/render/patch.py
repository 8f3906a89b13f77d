"""The bytes that turn one row on the screen into another: only the cells that changed.

A live code line is padded with its background to the full width, and a token changes a
few cells in the middle of it; a table row gets a wider cell. Rewriting such a row whole
for every token was most of the bytes a slow reply sent (a 2,000-token reply at 20
tokens/s: 300 kB of the 330 kB were code rows). Here the row is compared cell by cell and
only the run between the first and the last changed cell is written, after a carriage
return and a cursor-forward to its column.

Going to a column trusts that the terminal gives each character before it the width
rich gave it. That holds for ASCII, CJK and most of Unicode, not for emoji sequences,
variation selectors or combining marks, where terminals disagree; a row with one of
those before the change is rewritten from its start instead (and a changed run holding
one is written to the end of the row), so the terminal places everything after it itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment

from llmchat.render.markdown import Row

ERASE_LINE_END = "\x1b[K"


def _width_is_certain(char: str) -> bool:
    """Whether every terminal gives `char` the width rich gives it."""
    code = ord(char)
    if code < 0x7F:
        return code >= 0x20
    if 0xFE00 <= code <= 0xFE0F or code >= 0x1F000 or 0x2300 <= code <= 0x2BFF:
        return False  # variation selectors, emoji and symbols some draw wide
    return unicodedata.category(char) not in ("Mn", "Me", "Cf", "Cc")


def _certain(text: str) -> bool:
    """`_width_is_certain` for every character of `text` (printable ASCII at once)."""
    if text.isascii():
        return text.isprintable()
    return all(_width_is_certain(char) for char in text)


@dataclass(frozen=True)
class RowPatch:
    """Where to start writing (column; 0 is from the row's start), what to write, and
    whether to erase the rest of the row after it."""

    column: int
    segments: Row
    erase_rest: bool
    ends_row: bool  # the cursor is left after the row's last cell


def common_prefix(old: Sequence[object], new: Sequence[object]) -> int:
    """How many leading items `old` and `new` share (segments of a row, rows of a frame)."""
    count = 0
    for before, after in zip(old, new, strict=False):
        if before != after:
            break
        count += 1
    return count


class _Cells:
    """A row's cells as one string and the runs of one style over it.

    Rows are compared as strings (slices compared in C) and runs, not a cell at a time:
    a frame compares a hundred-cell code row or two, and a Python step per cell was a
    tenth of the frame's CPU.
    """

    def __init__(self, row: Row) -> None:
        runs = [segment for segment in row if segment.text]
        self.text = "".join(segment.text for segment in runs)
        self.styles = [segment.style for segment in runs]
        self.starts: list[int] = []  # where each run starts in `text`
        self.ends: list[int] = []
        position = 0
        for segment in runs:
            self.starts.append(position)
            position += len(segment.text)
            self.ends.append(position)

    def segments(self, start: int, end: int) -> Row:
        """Cells [start, end) as segments, one per run of one style."""
        row: Row = []
        for style, run_start, run_end in zip(self.styles, self.starts, self.ends, strict=True):
            low, high = max(run_start, start), min(run_end, end)
            if low >= high:
                continue
            if row and row[-1].style == style:
                row[-1] = Segment(row[-1].text + self.text[low:high], style)
            else:
                row.append(Segment(self.text[low:high], style))
        return row


def _shared_start(a: str, b: str) -> int:
    """How many leading characters `a` and `b` share (bisecting by slices)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _same_from_start(a: _Cells, b: _Cells) -> int:
    """How many leading cells `a` and `b` share, character and style."""
    limit = _shared_start(a.text, b.text)
    i = j = 0
    while i < len(a.ends) and j < len(b.ends) and max(a.starts[i], b.starts[j]) < limit:
        if a.styles[i] != b.styles[j]:
            return max(a.starts[i], b.starts[j])
        ends = min(a.ends[i], b.ends[j])
        i += a.ends[i] == ends
        j += b.ends[j] == ends
    return limit


def _same_from_end(a: _Cells, b: _Cells) -> int:
    """How many trailing cells `a` and `b` share, character and style."""
    limit = _shared_start(a.text[::-1], b.text[::-1])
    i, j = len(a.ends) - 1, len(b.ends) - 1
    # Cells from each run's end to the end of its row, counted from the end.
    while i >= 0 and j >= 0:
        a_after, b_after = len(a.text) - a.ends[i], len(b.text) - b.ends[j]
        if max(a_after, b_after) >= limit:
            break
        if a.styles[i] != b.styles[j]:
            return min(limit, max(a_after, b_after))
        from_end = min(len(a.text) - a.starts[i], len(b.text) - b.starts[j])
        i -= len(a.text) - a.starts[i] == from_end
        j -= len(b.text) - b.starts[j] == from_end
    return limit


def row_patch(old: Row, new: Row) -> RowPatch:
    """The least that turns `old` (on the screen) into `new` on one row."""
    if any(segment.control for segment in (*old, *new)):
        return RowPatch(0, list(new), erase_rest=True, ends_row=True)
    # Whole segments first: a frame changes the end of a row far more often than its start.
    shared = common_prefix(old, new)
    prefix = "".join(segment.text for segment in new[:shared])
    before, after = _Cells(old[shared:]), _Cells(new[shared:])
    start = _same_from_start(before, after)
    if not (
        _certain(prefix)
        and _certain(after.text[: start + 1])
        and _certain(before.text[start : start + 1])
    ):
        # The terminal might put the change elsewhere, or join it to a grapheme.
        prefix, before, after, start = "", _Cells(old), _Cells(new), 0
    column = cell_len(prefix) + cell_len(after.text[:start])
    old_width = cell_len(prefix) + cell_len(before.text)
    new_width = cell_len(prefix) + cell_len(after.text)
    end = len(after.text)  # write after's cells [start, end)
    if old_width == new_width:
        # Equal widths: a common tail sits at the same columns, already on the screen.
        limit = min(len(before.text), len(after.text))
        same = min(_same_from_end(before, after), limit - start)
        # The changed run and the cell after it (which must not join a grapheme to it).
        changed = (
            before.text[start : len(before.text) - same + 1]
            + after.text[start : len(after.text) - same + 1]
        )
        if same and _certain(changed):
            end = len(after.text) - same
    return RowPatch(
        column,
        after.segments(start, end),
        erase_rest=end == len(after.text) and new_width < old_width,
        ends_row=end == len(after.text),
    )


def move_to_column(column: int) -> str:
    """From anywhere on the row to `column`: a carriage return, then forward."""
    return "\r" + (f"\x1b[{column}C" if column else "")
