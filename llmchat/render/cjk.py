"""Line breaking for mixed Latin/CJK/emoji text, and a rich `Text` that uses it.

rich breaks lines only at spaces, so a Chinese sentence after a few Latin words moves
to the next line whole and leaves the first one half empty. Here a line may also break
between CJK characters (and around emoji), never before closing punctuation nor after
opening punctuation (kinsoku). Text with no wide characters wraps exactly as rich wraps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells, get_character_cell_size
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

from llmchat.render.kinsoku import NO_BREAK_AFTER, NO_BREAK_BEFORE

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod

_ZWJ = "\u200d"
_RE_WORD = re.compile(r"\s*\S+\s*")  # rich's own notion of a word, spaces included


def _is_glue(char: str) -> bool:
    """Characters that belong to the one before: combining marks, selectors, modifiers."""
    code = ord(char)
    return (
        get_character_cell_size(char) == 0
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
    )


def _is_breakable(char: str) -> bool:
    """Wide characters (CJK, kana, hangul, emoji) and half-width katakana break freely."""
    return get_character_cell_size(char) == 2 or 0xFF61 <= ord(char) <= 0xFF9F


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def can_break_between(before: str, after: str) -> bool:
    """Whether a line may end after `before` when `after` follows (no space between)."""
    if after in NO_BREAK_BEFORE or before in NO_BREAK_AFTER:
        return False
    if before == _ZWJ or after == _ZWJ or _is_glue(after):
        return False
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        return False  # a flag is a pair of them
    return _is_breakable(before) or _is_breakable(after)


def atoms(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, piece) for the smallest pieces a line may be broken between.

    Pieces are rich's words (trailing spaces included), further split inside wherever
    `can_break_between` allows; an ASCII word is never split, so Latin text wraps as in rich.
    """
    for match in _RE_WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        if word.isascii():
            yield start, end, word
            continue
        piece_start = 0
        core_end = len(word.rstrip())
        for index in range(1, core_end):
            if not word[index - 1].isspace() and can_break_between(word[index - 1], word[index]):
                yield start + piece_start, start + index, word[piece_start:index]
                piece_start = index
        yield start + piece_start, end, word[piece_start:]


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Offsets at which `text` must break to fit `width` cells: greedy, like rich's own.

    Same algorithm as `rich._wrap.divide_line`, over `atoms` instead of words.
    """
    breaks: list[int] = []
    cell_offset = 0
    for start, _end, piece in atoms(text):
        piece_length = cell_len(piece.rstrip())
        if width - cell_offset >= piece_length:
            cell_offset += cell_len(piece)
        elif piece_length > width:
            if not fold:
                if start:
                    breaks.append(start)
                cell_offset = cell_len(piece)
                continue
            folded = chop_cells(piece, width)
            for index, line in enumerate(folded):
                if start:
                    breaks.append(start)
                if index == len(folded) - 1:
                    cell_offset = cell_len(line)
                else:
                    start += len(line)
        elif cell_offset and start:
            breaks.append(start)
            cell_offset = cell_len(piece)
    return breaks


def min_width(text: str) -> int:
    """The narrowest a column holding `text` can be without folding a piece."""
    return max((cell_len(piece.rstrip()) for _s, _e, piece in atoms(text)), default=0)


class CJKText(Text):
    """A rich Text that wraps and measures with `divide_line` instead of rich's word split."""

    __slots__ = ()

    def copy(self) -> CJKText:
        duplicate = super().copy()
        duplicate.__class__ = CJKText
        return duplicate  # type: ignore[return-value]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        measured = super().__rich_measure__(console, options)
        return Measurement(min(measured.minimum, min_width(self.plain)), measured.maximum)

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        # Mirrors Text.wrap, whose only line-breaking call is the one swapped here.
        if (self.no_wrap if no_wrap is None else no_wrap) or overflow == "ignore":
            return super().wrap(
                console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=True
            )
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            new_lines = line.divide(divide_line(str(line), width, fold=wrap_overflow == "fold"))
            for new_line in new_lines:
                new_line.rstrip_end(width)
            if wrap_justify:
                new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for new_line in new_lines:
                new_line.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines
