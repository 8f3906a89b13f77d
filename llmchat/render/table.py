"""Aligned text columns measured in terminal cells, so CJK and emoji line up.

The one table helper: `llmchat providers`, the chat lists and `/usage` all use it.
Standard library only (no rich), so it is cheap on the start-up path.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence


def char_width(char: str) -> int:
    """Cells one character takes: 2 for East Asian wide, 0 for combining marks."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Cells `text` takes on a terminal (ASCII: its length)."""
    if text.isascii():
        return len(text)
    return sum(char_width(char) for char in text)


def cut_to(text: str, width: int) -> str:
    """The longest start of `text` that fits in `width` cells."""
    used = 0
    for i, char in enumerate(text):
        used += char_width(char)
        if used > width:
            return text[:i]
    return text


def aligned(rows: Sequence[Sequence[str]], *, right: Collection[int] = ()) -> list[str]:
    """Rows as columns two spaces apart, trailing blanks dropped; `right`: columns
    aligned to the right (numbers), the rest to the left."""
    if not rows:
        return []
    widths = [max(cell_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - cell_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines
