"""Rows of fenced code built without rich's Syntax where that gives the same rows.

A code block is drawn a line at a time while it streams, and rich's Syntax spends about
a millisecond and a half of bookkeeping on each call (building the object, splitting and
padding its Text, wrapping each line) on top of pygments' lexing. A line that fits the
width needs none of that: its row is a padding cell, the line's tokens in the theme's
styles on the block's background, and background up to the last cell, built here from
one lexing pass. A range holding anything else (a line that wraps, a tab, a control
character, a language pygments does not know, no colours) goes to rich's `code_rows`, so
the rows are rich's in every case; tests/test_code_line.py holds them equal.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax, SyntaxTheme

from llmchat.render.code_lexing import TOP, Stack, lex_lines, resumable
from llmchat.render.markdown import CODE_THEME, Row, code_rows, lexer_for

# Left and right padding of a fenced block's code, in cells (as code_rows draws it).
PADDING = 1

LineTokens = list[tuple[Any, str]]


@functools.lru_cache(maxsize=1)
def _theme() -> tuple[SyntaxTheme, Style]:
    theme = Syntax.get_theme(CODE_THEME)
    return theme, theme.get_background_style()


def _fits(console: Console, line: str) -> bool:
    """Whether rich draws the line as one row, cell for cell as it is: it fits the
    code's width, and holds no tab (rich expands those) or control character."""
    return line.isprintable() and cell_len(line) <= console.width - 2 * PADDING


def _fast(console: Console, lexer: str, lines: Sequence[str]) -> Any | None:
    """The pygments lexer if these lines can be built here, else None."""
    pygments_lexer = lexer_for(lexer)
    if isinstance(pygments_lexer, str) or not console.color_system:
        return None
    if not all(_fits(console, line) for line in lines):
        return None
    return pygments_lexer


def _row(console: Console, text: str, tokens: LineTokens) -> Row:
    theme, background = _theme()
    row: Row = [Segment(" " * PADDING, background)]
    for token_type, value in tokens:
        row.append(Segment(value, background + theme.get_style_for_token(token_type)))
    row.append(Segment(" " * (console.width - PADDING - cell_len(text)), background))
    return row


def _pad_row(console: Console) -> Row:
    """The blank row above and below a block's code."""
    return [Segment(" " * console.width, _theme()[1])]


def block_rows(
    console: Console,
    code: str,
    lexer: str,
    *,
    first: int = 0,
    stop: int | None = None,
    top: bool = True,
    bottom: bool = True,
) -> list[Row]:
    """`code_rows(console, code, lexer, first=…, stop=…, top=…, bottom=…)`, built here
    when every line in the range fits (rich's rows otherwise)."""
    rows, _ = run_rows(console, code, lexer, first=first, stop=stop, top=top, bottom=bottom)
    return rows


def run_rows(
    console: Console,
    code: str,
    lexer: str,
    *,
    first: int = 0,
    stop: int | None = None,
    top: bool = True,
    bottom: bool = True,
    resume: tuple[int, Stack] = (0, TOP),
) -> tuple[list[Row], dict[int, Stack]]:
    """`block_rows`, lexed from line `resume[0]` with the lexer's stack recorded there
    (code_lexing) rather than from the top, as a growing block's runs are; and the stacks
    read where later lines start. From the top where the lexer cannot start mid-block;
    none read where rich draws."""
    lines = code.split("\n")
    end = len(lines) if stop is None else min(stop, len(lines))
    pygments_lexer = _fast(console, lexer, lines[first:end]) if code and first < end else None
    if pygments_lexer is None:
        rich_rows = code_rows(console, code, lexer, first=first, stop=stop, top=top, bottom=bottom)
        return rich_rows, {}
    start, stack = resume if resumable(pygments_lexer, code) else (0, TOP)
    lexed = lex_lines(pygments_lexer, code, first=first, stop=end, start=start, stack=stack)
    rows = [
        _row(console, text, line) for text, line in zip(lines[first:end], lexed.lines, strict=True)
    ]
    pad = [_pad_row(console)]
    return [*(pad if top else []), *rows, *(pad if bottom else [])], lexed.starts


@dataclass(frozen=True)
class LiveLine:
    """A live line's rows, and whether the lexer ended it at its top level (then the next
    line can be lexed on its own: it starts where a fresh lexer starts)."""

    rows: list[Row]
    ends_at_top: bool


def live_code_rows(
    console: Console, lines: Sequence[str], lexer: str, *, first: int
) -> list[LiveLine]:
    """The rows of each of lines[first:], lexed from lines[0]: for each line i, what
    `code_rows(…, first=i, stop=i + 1, top=False, bottom=False)` draws over the same
    lines. One lexing pass for all of them, where they all fit: lexing is most of what
    a live frame of a code block costs."""
    source = "\n".join(lines)
    pygments_lexer = _fast(console, lexer, lines[first:])
    if pygments_lexer is None:
        return [
            LiveLine(
                code_rows(
                    console, source, lexer, first=index, stop=index + 1, top=False, bottom=False
                ),
                ends_at_top=False,
            )
            for index in range(first, len(lines))
        ]
    lexed = lex_lines(pygments_lexer, source, first=first, stop=len(lines))
    return [
        LiveLine([_row(console, text, line)], ends)
        for text, line, ends in zip(lines[first:], lexed.lines, lexed.at_top, strict=True)
    ]
