"""The model's reasoning on a terminal: dim, under a "Thinking" label, closed by its duration.

Reasoning can be longer than the answer, so it streams like the answer does: wrapped rows
are printed for good as soon as later text cannot move them, and only the last ones are live.
It is plain text on purpose (no Markdown): it is read in passing, and kept cheap.
"""

from __future__ import annotations

import itertools

from rich.console import Console
from rich.segment import Segment
from rich.style import Style

from llmchat.render.cjk import divide_line
from llmchat.render.common import format_seconds
from llmchat.render.markdown import Row

GUTTER = "│ "
_DIM = Style(dim=True)
_TEXT = Style(dim=True, italic=True)
_LABEL = Style(dim=True, bold=True)


def label_row(text: str) -> Row:
    return [Segment(text, _LABEL)]


def dim_row(text: str) -> Row:
    return [Segment(text, _DIM)]


def thought_for(seconds: float) -> Row:
    return dim_row(f"Thought for {format_seconds(seconds)}")


class ThinkingStream:
    """Accumulates reasoning text; `advance` hands out rows that became final."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._pending: list[str] = []
        self._tail = ""  # the paragraph still being written, from its first unprinted row
        self._labelled = False
        self._blank_rows = 0  # blank lines held back: printed only if text follows
        self._printed_text = False

    def feed(self, text: str) -> None:
        # Tabs as spaces: rows are cut from the middle of a line, where tab stops would move.
        self._pending.append(text.replace("\t", "    "))

    def advance(self, *, final: bool = False) -> list[Row]:
        """Rows that cannot change any more: whole paragraphs, and all but the last two
        rows of the paragraph being written (its last word may still grow, or pull the
        row before along if it is an opening bracket)."""
        text = self._tail + "".join(self._pending)
        self._pending.clear()
        rows: list[Row] = []
        if not self._labelled and text.strip():
            rows.append(label_row("Thinking"))
            self._labelled = True
        if not self._labelled:
            self._tail = text
            return rows
        *paragraphs, tail = text.split("\n")
        if final:
            paragraphs.append(tail)
            tail = ""
        for paragraph in paragraphs:
            rows.extend(self._paragraph_rows(paragraph))
        width = self._width()
        breaks = divide_line(tail, width)
        if len(breaks) >= 2:
            rows.extend(self._paragraph_rows(tail[: breaks[-2]]))
            tail = tail[breaks[-2] :]
        self._tail = tail
        return rows

    def live(self) -> list[Row]:
        """Rows of the paragraph still being written."""
        if not self._labelled or not self._tail.strip():
            return []
        return self._rows(self._tail)

    def _paragraph_rows(self, paragraph: str) -> list[Row]:
        """Rows of a finished paragraph; blank ones only between text, never at the ends."""
        if not paragraph.strip():
            self._blank_rows += 1
            return []
        blank = self._printed_text and self._blank_rows > 0
        self._blank_rows = 0
        self._printed_text = True
        separator: list[Row] = [[Segment(GUTTER, _DIM)]] if blank else []
        return separator + self._rows(paragraph)

    def _rows(self, text: str) -> list[Row]:
        width = self._width()
        bounds = [0, *divide_line(text, width), len(text)]
        return [
            [Segment(GUTTER, _DIM), Segment(text[start:stop].rstrip(), _TEXT)]
            for start, stop in itertools.pairwise(bounds)
        ]

    def _width(self) -> int:
        return max(10, self._console.width - len(GUTTER))
