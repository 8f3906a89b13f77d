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
from rich.style import Style

from llmchat.render.markdown import Row

Cell = tuple[str, Style | None]

ERASE_LINE_END = "\x1b[K"


def _width_is_certain(char: str) -> bool:
    """Whether every terminal gives `char` the width rich gives it."""
    code = ord(char)
    if code < 0x7F:
        return code >= 0x20
    if 0xFE00 <= code <= 0xFE0F or code >= 0x1F000 or 0x2300 <= code <= 0x2BFF:
        return False  # variation selectors, emoji and symbols some draw wide
    return unicodedata.category(char) not in ("Mn", "Me", "Cf", "Cc")


def cells(row: Row) -> list[Cell] | None:
    """The row's characters with their styles; None if it holds control segments."""
    out: list[Cell] = []
    for segment in row:
        if segment.control:
            return None
        out.extend((char, segment.style) for char in segment.text)
    return out


def _run(cells_: list[Cell]) -> Row:
    """Cells as segments, one per run of one style."""
    row: Row = []
    for char, style in cells_:
        if row and row[-1].style == style:
            row[-1] = Segment(row[-1].text + char, style)
        else:
            row.append(Segment(char, style))
    return row


def _text_width(cells_: list[Cell]) -> int:
    return cell_len("".join(char for char, _ in cells_))


@dataclass(frozen=True)
class RowPatch:
    """Where to start writing (column; 0 is from the row's start), what to write, and
    whether to erase the rest of the row after it."""

    column: int
    segments: Row
    erase_rest: bool
    ends_row: bool  # the cursor is left after the row's last cell


def _certain(text: str) -> bool:
    """`_width_is_certain` for every character of `text` (printable ASCII at once)."""
    if text.isascii():
        return text.isprintable()
    return all(_width_is_certain(char) for char in text)


def common_prefix(old: Sequence[object], new: Sequence[object]) -> int:
    """How many leading items `old` and `new` share (segments of a row, rows of a frame)."""
    count = 0
    for before, after in zip(old, new, strict=False):
        if before != after:
            break
        count += 1
    return count


def row_patch(old: Row, new: Row) -> RowPatch:
    """The least that turns `old` (on the screen) into `new` on one row."""
    if any(segment.control for segment in (*old, *new)):
        return RowPatch(0, list(new), erase_rest=True, ends_row=True)
    # Whole segments first: a frame changes the end of a row far more often than its start.
    shared = common_prefix(old, new)
    prefix = "".join(segment.text for segment in new[:shared])
    before, after = cells(old[shared:]) or [], cells(new[shared:]) or []
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    if not (
        _certain(prefix)
        and all(_width_is_certain(char) for char, _ in after[: start + 1])
        and all(_width_is_certain(char) for char, _ in before[start : start + 1])
    ):
        # The terminal might put the change elsewhere, or join it to a grapheme.
        prefix, before, after, start = "", cells(old) or [], cells(new) or [], 0
        limit = min(len(before), len(after))
    column = cell_len(prefix) + _text_width(after[:start])
    old_width = cell_len(prefix) + _text_width(before)
    new_width = cell_len(prefix) + _text_width(after)
    end = len(after)  # write after[start:end]
    if old_width == new_width:
        # Equal widths: a common tail sits at the same columns, already on the screen.
        same = 0
        while (
            same < limit - start and before[len(before) - 1 - same] == after[len(after) - 1 - same]
        ):
            same += 1
        # The changed run and the cell after it (which must not join a grapheme to it).
        changed = before[start : len(before) - same + 1] + after[start : len(after) - same + 1]
        if same and all(_width_is_certain(char) for char, _ in changed):
            end = len(after) - same
    return RowPatch(
        column,
        _run(after[start:end]),
        erase_rest=end == len(after) and new_width < old_width,
        ends_row=end == len(after),
    )


def move_to_column(column: int) -> str:
    """From anywhere on the row to `column`: a carriage return, then forward."""
    return "\r" + (f"\x1b[{column}C" if column else "")
