"""The live rows of an open code block drawn without rich's Syntax must be rich's rows.

`render/code_line.py` builds the row of a code line that fits the width itself (a frame
would otherwise spend most of its time in rich's bookkeeping); every row it builds is
compared here with what `code_rows` (rich's Syntax, as the final scrollback draws it)
gives for the same line, in every colour system, at a wide and a narrow width.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from llmchat.render.code_line import block_rows, live_code_rows
from llmchat.render.markdown import code_rows
from llmchat.render.screen import shown

PYTHON = '''\
import json  # 注释：中文的注释
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """A point. 一个点。"""

    x: float = 0.5
    label: str = "café ☕ 😀"

    def scaled(self, factor: float) -> "Point":
        return Point(self.x * factor, label=f"{self.label}!{factor:>8}")


text = """a string
that spans
three lines"""
data = json.loads('{"a": [1, 2, 3], "b": null}')
if data["a"] and not data["b"]: print("x" * 200, r"\\d+", b"\\x00")
\tindented_with_a_tab = True
'''

RUST = """\
fn main() {
    let v: Vec<u32> = (1..=10).filter(|n| n % 2 == 0).collect();
    println!("{:?}", v); // 偶数
}
"""

CASES = [("python", PYTHON), ("rust", RUST), ("no-such-language", "a b\nc\td"), ("text", "x")]


def _console(width: int, system: str | None) -> Console:
    return Console(
        file=io.StringIO(), force_terminal=True, width=width, height=24, color_system=system
    )


@pytest.mark.parametrize("system", ["truecolor", "256", "standard", None])
@pytest.mark.parametrize("width", [100, 40])
@pytest.mark.parametrize(("lexer", "code"), CASES)
def test_live_rows_equal_rich_rows(system: str | None, width: int, lexer: str, code: str) -> None:
    console = _console(width, system)
    lines = code.split("\n")
    compared = 0
    for last in range(len(lines)):
        for cut in sorted({len(lines[last]), len(lines[last]) // 2, 1}):
            window = [*lines[max(0, last - 3) : last], lines[last][:cut]]
            for first in range(len(window)):
                fast = live_code_rows(console, window, lexer, first=first)
                source = "\n".join(window)
                assert len(fast) == len(window) - first
                for offset, line in enumerate(fast):
                    rows = line.rows
                    index = first + offset
                    expected = code_rows(
                        console, source, lexer, first=index, stop=index + 1, top=False, bottom=False
                    )
                    assert [shown(row) for row in rows] == [shown(row) for row in expected], (
                        window,
                        index,
                    )
                    compared += 1
    assert compared > len(lines)


def test_a_line_wider_than_the_screen_wraps_as_rich_wraps_it() -> None:
    console = _console(30, "truecolor")
    line = "values = [" + ", ".join(str(n) for n in range(40)) + "]"
    ((rows, _),) = [
        (line.rows, line.ends_at_top) for line in live_code_rows(console, [line], "python", first=0)
    ]
    assert len(rows) > 1
    assert rows == code_rows(console, line, "python", first=0, stop=1, top=False, bottom=False)


@pytest.mark.parametrize("system", ["truecolor", "standard", None])
@pytest.mark.parametrize("width", [100, 40])
@pytest.mark.parametrize(("lexer", "code"), CASES)
def test_block_rows_equal_rich_rows(system: str | None, width: int, lexer: str, code: str) -> None:
    """What the scrollback gets: a settled run of lines, or the rest of a closed block."""
    console = _console(width, system)
    code = code.rstrip()
    count = len(code.split("\n"))
    ranges = [(0, None), (0, 3), (2, 5), (3, None), (count - 1, None), (count, None)]
    for first, stop in ranges:
        for top, bottom in ((True, True), (False, False), (True, False), (False, True)):
            fast = block_rows(console, code, lexer, first=first, stop=stop, top=top, bottom=bottom)
            rich = code_rows(console, code, lexer, first=first, stop=stop, top=top, bottom=bottom)
            assert [shown(row) for row in fast] == [shown(row) for row in rich], (first, stop)


def test_an_empty_block_is_rich_s() -> None:
    console = _console(60, "truecolor")
    for top, bottom in ((True, True), (True, False)):
        assert block_rows(console, "", "python", top=top, bottom=bottom) == code_rows(
            console, "", "python", top=top, bottom=bottom
        )


def test_a_line_ends_at_top_level_unless_a_string_or_comment_goes_on() -> None:
    console = _console(80, "truecolor")
    lines = ["x = 1", 's = """doc', "more doc", '"""', "/* c */", "y = 2"]
    ends = [line.ends_at_top for line in live_code_rows(console, lines, "python", first=0)]
    assert ends == [True, False, False, True, True, True]
    c_lines = ["int x; /* a", "b */", "int y;"]
    ends = [line.ends_at_top for line in live_code_rows(console, c_lines, "c", first=0)]
    assert ends == [False, True, True]
