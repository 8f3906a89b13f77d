"""row_patch compares rows as strings and style runs; here it is held equal to the
definition it replaced, cell by cell, on rows that change the ways live frames do (a
token appended, a cell widened, a style changed mid-row, wide and uncertain characters)
and on random ones."""

from __future__ import annotations

import random
import unicodedata

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from llmchat.render.patch import RowPatch, row_patch

Row = list[Segment]
Cell = tuple[str, Style | None]


# --- the definition: one cell at a time ----------------------------------------------


def _width_is_certain(char: str) -> bool:
    code = ord(char)
    if code < 0x7F:
        return code >= 0x20
    if 0xFE00 <= code <= 0xFE0F or code >= 0x1F000 or 0x2300 <= code <= 0x2BFF:
        return False
    return unicodedata.category(char) not in ("Mn", "Me", "Cf", "Cc")


def _cells(row: Row) -> list[Cell]:
    return [(char, segment.style) for segment in row for char in segment.text]


def _run(cells: list[Cell]) -> Row:
    row: Row = []
    for char, style in cells:
        if row and row[-1].style == style:
            row[-1] = Segment(row[-1].text + char, style)
        else:
            row.append(Segment(char, style))
    return row


def _width(cells: list[Cell]) -> int:
    return cell_len("".join(char for char, _ in cells))


def reference_patch(old: Row, new: Row) -> RowPatch:
    shared = 0
    for before_segment, after_segment in zip(old, new, strict=False):
        if before_segment != after_segment:
            break
        shared += 1
    prefix = "".join(segment.text for segment in new[:shared])
    before, after = _cells(old[shared:]), _cells(new[shared:])
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    if not (
        all(_width_is_certain(char) for char in prefix)
        and all(_width_is_certain(char) for char, _ in after[: start + 1])
        and all(_width_is_certain(char) for char, _ in before[start : start + 1])
    ):
        prefix, before, after, start = "", _cells(old), _cells(new), 0
        limit = min(len(before), len(after))
    column = cell_len(prefix) + _width(after[:start])
    old_width = cell_len(prefix) + _width(before)
    new_width = cell_len(prefix) + _width(after)
    end = len(after)
    if old_width == new_width:
        same = 0
        while (
            same < limit - start and before[len(before) - 1 - same] == after[len(after) - 1 - same]
        ):
            same += 1
        changed = before[start : len(before) - same + 1] + after[start : len(after) - same + 1]
        if same and all(_width_is_certain(char) for char, _ in changed):
            end = len(after) - same
    return RowPatch(
        column,
        _run(after[start:end]),
        erase_rest=end == len(after) and new_width < old_width,
        ends_row=end == len(after),
    )


# --- rows --------------------------------------------------------------------------------

BG = Style(bgcolor="#272822")
KEYWORD = Style(color="#66d9ef", bgcolor="#272822")
NAME = Style(color="#f8f8f2", bgcolor="#272822")
BOLD = Style(bold=True)


def code_row(text: list[tuple[str, Style]], width: int = 40) -> Row:
    used = 1 + sum(cell_len(piece) for piece, _ in text)
    return [
        Segment(" ", BG),
        *(Segment(piece, style) for piece, style in text),
        Segment(" " * (width - used), BG),
    ]


CASES = [
    # A code line grows by a token: the padding shrinks, widths stay equal.
    (
        code_row([("def", KEYWORD), (" ", NAME)]),
        code_row([("def", KEYWORD), (" ", NAME), ("main", NAME)]),
    ),
    # A token turns into another kind as it grows (a name becomes a keyword).
    (code_row([("retur", NAME)]), code_row([("return", KEYWORD)])),
    # Prose: the last row gets longer, then shorter.
    ([Segment("Hello "), Segment("world", BOLD)], [Segment("Hello "), Segment("world!", BOLD)]),
    ([Segment("Hello world, again")], [Segment("Hello")]),
    # A table cell widens in the middle of a row.
    (
        [Segment("│ a  │ b │"), Segment(" ", BG)],
        [Segment("│ ab │ b │"), Segment(" ", BG)],
    ),
    # The same text in another style only.
    ([Segment("same text", BOLD)], [Segment("same text", NAME)]),
    # CJK before and at the change; an emoji before it (uncertain width: from the start).
    ([Segment("中文字"), Segment("x")], [Segment("中文字"), Segment("yz")]),
    ([Segment("😀 a")], [Segment("😀 b")]),
    ([Segment("e\u0301a")], [Segment("e\u0301b")]),
    # Split differently into segments, same cells.
    ([Segment("ab"), Segment("cd")], [Segment("abc"), Segment("d")]),
    ([], [Segment("new")]),
    ([Segment("gone")], []),
    ([Segment("")], [Segment("", BOLD), Segment("x")]),
]


@pytest.mark.parametrize(("old", "new"), CASES)
def test_row_patch_is_the_cell_by_cell_patch(old: Row, new: Row) -> None:
    assert row_patch(old, new) == reference_patch(old, new)


def _random_row(rnd: random.Random, alphabet: str, styles: list[Style | None]) -> Row:
    return [
        Segment("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 5))), rnd.choice(styles))
        for _ in range(rnd.randint(0, 6))
    ]


def _mutate(rnd: random.Random, row: Row, alphabet: str, styles: list[Style | None]) -> Row:
    cells = _cells(row)
    for _ in range(rnd.randint(0, 3)):
        where = rnd.randint(0, len(cells))
        action = rnd.choice(("insert", "delete", "restyle", "append"))
        if action == "insert":
            cells.insert(where, (rnd.choice(alphabet), rnd.choice(styles)))
        elif action == "delete" and cells:
            del cells[min(where, len(cells) - 1)]
        elif action == "restyle" and cells:
            index = min(where, len(cells) - 1)
            cells[index] = (cells[index][0], rnd.choice(styles))
        else:
            cells.append((rnd.choice(alphabet), rnd.choice(styles)))
    # Regroup into segments at random boundaries (same cells, other segments).
    out: Row = []
    for char, style in cells:
        if out and out[-1].style == style and rnd.random() < 0.7:
            out[-1] = Segment(out[-1].text + char, style)
        else:
            out.append(Segment(char, style))
    return out


@pytest.mark.parametrize("alphabet", ["ab ", "ab中 ", "a\u0301b😀"])
def test_row_patch_matches_the_definition_on_random_rows(alphabet: str) -> None:
    rnd = random.Random(alphabet)
    styles: list[Style | None] = [None, BOLD, BG, KEYWORD]
    for _ in range(3000):
        old = _random_row(rnd, alphabet, styles)
        new = (
            _mutate(rnd, old, alphabet, styles)
            if rnd.random() < 0.8
            else _random_row(rnd, alphabet, styles)
        )
        assert row_patch(old, new) == reference_patch(old, new), (old, new)
