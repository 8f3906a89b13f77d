"""The renderer: streamed Markdown ends up exactly as the whole reply rendered at once.

Terminal output is replayed through a small terminal model (rows of styled cells, the
cursor moves the renderer uses, reflow when the width shrinks), so tests compare what a
person would see, not the escape sequences that drew it.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pexpect
import pytest
from conftest import TEST_KEY, FakeOpenAI, Reply, RunLLMChat, Sandbox
from rich._wrap import divide_line as rich_divide_line
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from terminal_screen import Screen, ScreenLog, ScreenText

from llmchat.environment import Environment
from llmchat.events import Finish, ReasoningDelta, TextDelta, TurnStats, Usage
from llmchat.render.cjk import NO_BREAK_BEFORE, divide_line
from llmchat.render.common import format_seconds
from llmchat.render.live import LiveRenderer
from llmchat.render.markdown import answer_markdown
from llmchat.render.renderer import make_renderer

Cell = tuple[str, str]  # a character and the SGR sequence it was drawn with

_CONTROL = re.compile(
    r"(\x1b\[\?[0-9;]*[hl]|\x1b\[[0-9]*[ABC]|\x1b\[[0-9]*[JK]|\x1b\[[0-9;]*m|\r|\n)"
)
_CLOSING = "，。、；：！？）」』】》"


def _flag(previous: str, char: str) -> bool:
    """Whether `char` completes a flag: the second of two regional indicators."""
    indicators = range(0x1F1E6, 0x1F200)
    return len(previous) == 1 and ord(previous) in indicators and ord(char) in indicators


_ERASED = "\x00erased"  # marks a cell painted by an erase, not written


class Terminal:
    """Just enough of a terminal for what the renderer writes: rows of styled cells.

    Cursor-up cannot leave the screen (the scrollback is out of reach); text is written
    at the cursor, over what is there, and may not run past the right edge; erasing
    starts at the start of a row (to the end of the screen) or at the cursor (to the end
    of its row). Columns are cells: a wide character takes two. An erase to the end of a
    row paints the erased cells in the current background, as terminals do (what
    screen.py writes for a code row's padding); when the terminal is narrowed those
    cells are not text and do not wrap (tmux drops them), unlike written spaces.
    """

    def __init__(self, width: int, height: int = 24) -> None:
        self.width, self.height = width, height
        self.grid: list[list[Cell]] = [[]]
        self.row = self.col = 0
        self.style = ""
        self.max_up = 0

    def _cell_index(self, row: list[Cell], col: int) -> int:
        """The index in `row` of the cell starting at column `col` (blank-filled to it)."""
        at = 0
        for index, (char, _) in enumerate(row):
            if at == col:
                return index
            at += cell_len(char)
            assert at <= col or at - cell_len(char) == col, "a wide character cut in two"
        row.extend((" ", "") for _ in range(col - at))
        return len(row)

    def _write(self, text: str) -> None:
        row = self.grid[self.row]
        index = self._cell_index(row, self.col)
        for char in text:
            width = cell_len(char)
            previous = row[index - 1][0] if index else ""
            if previous and (width == 0 or previous.endswith("\u200d") or _flag(previous, char)):
                # One grapheme (combining mark, ZWJ sequence, flag): one cell, as rich counts.
                self.col += cell_len(previous + char) - cell_len(previous)
                row[index - 1] = (previous + char, row[index - 1][1])
                continue
            assert self.col + width <= self.width, "text written past the right edge"
            covered, end = 0, index
            while covered < width and end < len(row):
                covered += cell_len(row[end][0])
                end += 1
            row[index:end] = [(char, self.style)]
            index += 1
            self.col += width

    def feed(self, data: str) -> Terminal:
        for token in _CONTROL.split(data):
            if not token or token.startswith("\x1b[?"):
                continue
            if token == "\n":
                self.row, self.col = self.row + 1, 0
                if self.row == len(self.grid):
                    self.grid.append([])
            elif token == "\r":
                self.col = 0
            elif not token.startswith("\x1b["):
                self._write(token)
            elif token.endswith("m"):
                self.style = "" if token in ("\x1b[0m", "\x1b[m") else token
            elif token.endswith("A"):
                up = int(token[2:-1] or 1)
                self.max_up = max(self.max_up, up)
                top = max(0, len(self.grid) - self.height)
                assert self.row - up >= top, "cursor-up beyond the top of the screen"
                self.row -= up
            elif token.endswith("B"):
                down = int(token[2:-1] or 1)
                assert self.row + down < len(self.grid), "cursor-down below the last row"
                self.row += down
            elif token.endswith("C"):
                self.col = min(self.width - 1, self.col + int(token[2:-1] or 1))
            elif token == "\x1b[2K":
                self.grid[self.row] = []
            elif token.endswith("K"):
                row = self.grid[self.row]
                del row[self._cell_index(row, self.col) :]
                if "48;" in self.style:  # background-colour erase
                    row.extend([(" ", self.style + _ERASED)] * (self.width - self.col))
            else:
                # From a row's first cell, or inside a row just cleared (screen.py: on the
                # top row an erase from the first cell is a whole-screen clear).
                assert self.col == 0 or not self.grid[self.row], "erase down from mid-text"
                del self.grid[self.row + 1 :]
                self.grid[self.row] = []
        return self

    def resize(self, width: int) -> None:
        """Narrow the terminal the way terminals that reflow do: long rows wrap."""
        rows: list[list[Cell]] = []
        for index, row in enumerate(self.grid):
            pieces: list[list[Cell]] = [[]]
            while row and row[-1][1].endswith(_ERASED):
                row = row[:-1]
            for cell in row:
                if cell_len("".join(c for c, _ in pieces[-1]) + cell[0]) > width:
                    pieces.append([])
                pieces[-1].append(cell)
            if index == self.row:
                cursor = len(rows) + len(pieces) - 1
            rows.extend(pieces)
        self.grid, self.row, self.width = rows, cursor, width

    @property
    def rows(self) -> list[list[Cell]]:
        """The cells as they show: an erased cell in a background is a space in it."""
        return [[(char, style.removesuffix(_ERASED)) for char, style in row] for row in self.grid]

    def text(self) -> list[str]:
        return ["".join(char for char, _ in row).rstrip() for row in self.grid]


def console(width: int = 60, height: int = 24) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        height=height,
        force_terminal=True,
        color_system="truecolor",
    )


def written(target: Console) -> str:
    assert isinstance(target.file, io.StringIO)
    return target.file.getvalue()


def printed_once(text: str, width: int = 60) -> str:
    """The whole reply rendered at once, as the terminal would receive it."""
    target = console(width)
    target.print(answer_markdown(text))
    return written(target)


def _shows_on_a_space(sgr: str) -> bool:
    """Whether a space in this style is visible: a background, underline, reverse, strike."""
    params = sgr[2:-1].split(";") if sgr else []
    if "48" in params:
        return True
    return any(p in ("4", "7", "9", "53") or (p[:1] == "4" and len(p) == 2) for p in params)


def unpadded(row: list[Cell]) -> list[Cell]:
    """A row without rich's padding: trailing spaces that show nothing (issue 12 item 9)."""
    row = list(row)
    while row and row[-1][0] == " " and not _shows_on_a_space(row[-1][1]):
        row.pop()
    return row


def one_shot(text: str, width: int = 60) -> list[list[Cell]]:
    """The one-shot render as the renderer prints it: the same cells, unpadded."""
    return [unpadded(row) for row in Terminal(width).feed(printed_once(text, width)).rows]


def stream(
    pieces: Iterable[str], width: int = 60, height: int = 24, *, reasoning: str = ""
) -> Terminal:
    """Feed pieces with a frame drawn after each one; abort("") prints the rest for good."""
    target = console(width, height)
    renderer = LiveRenderer(target, frame_seconds=0)
    if reasoning:
        renderer.feed(ReasoningDelta(reasoning))
    for piece in pieces:
        renderer.feed(TextDelta(piece))
    renderer.abort("")
    return Terminal(width, height).feed(written(target))


def random_pieces(text: str, seed: int, longest: int = 12) -> list[str]:
    rnd = random.Random(seed)
    pieces, start = [], 0
    while start < len(text):
        size = rnd.randint(1, longest)
        pieces.append(text[start : start + size])
        start += size
    return pieces


MIXED = """\
# Streaming *Markdown*

Some **bold**, *emphasis*, `inline code`, ~~struck~~, a [link](https://example.com)
and an autolink <https://example.com/x>. Text with <div> and [bold]not markup[/bold].

- first item
- second item with a long line that certainly wraps at sixty columns wide
  - nested item

  continued paragraph in the item

1. one
2. two

> quoted
lazily continued

---
```python
def greet(name: str) -> str:
    \"\"\"Say hello,
    politely.\"\"\"
    return f"hello {name}"
```
| left | centre | right |
|:---|:---:|---:|
| a | 中文 | 1 |
| longer cell | b | 22 |

Setext heading
--------------

![an image](https://example.com/i.png) after an image.

    indented code
"""

CJK = """\
Hello world 这是一个很长的中文句子，没有空格，所以必须在汉字之间换行，而不是把整句移到下一行。

日本語の文章も「括弧」や（丸括弧）を含めて、正しく折り返す必要があります。絵文字😀も👍🏽です。

- 列表项一：包含中文内容和 English words 混合在一起的情况，需要正确换行。
- 第二项

| 名称 | 说明 |
|---|---|
| 苹果 | 一种很常见的水果，富含维生素，味道酸甜可口。 |
| banana | 香蕉 |
"""

TALL_CODE = (
    "A tall reply:\n\n```python\n"
    + "".join(f"x_{i} = compute({i})  # step {i}\n" for i in range(300))
    + "```\n\nAnd a closing paragraph.\n"
)

AWKWARD = (
    "Intro 中文，标点。\n\n```js\nlet a = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 22 |\n\n"
    "Family 👨\u200d👩\u200d👧, flag 🇯🇵, café with e\u0301, end.\n"
)


@pytest.mark.parametrize(
    ("text", "width", "height", "longest"),
    [
        (MIXED, 60, 24, 12),
        (MIXED, 30, 10, 7),
        (CJK, 40, 24, 5),
        (CJK, 20, 24, 9),
        (TALL_CODE, 60, 24, 40),
    ],
    ids=["mixed-60", "mixed-30", "cjk-40", "cjk-20", "tall-code"],
)
def test_streamed_reply_reads_like_the_one_shot_render(
    text: str, width: int, height: int, longest: int
) -> None:
    terminal = stream(random_pieces(text, seed=width, longest=longest), width, height)
    assert terminal.rows == one_shot(text, width)
    assert terminal.max_up <= height - 2, "the live part must fit on the screen"


def test_a_reply_cut_anywhere_renders_the_same() -> None:
    """Cuts inside a fence, a table row, a grapheme (ZWJ emoji, flag, combining accent)."""
    expected = one_shot(AWKWARD)
    for cut in range(1, len(AWKWARD)):
        assert stream([AWKWARD[:cut], AWKWARD[cut:]]).rows == expected, f"cut at {cut}"


def test_a_tall_code_block_is_printed_for_good_while_it_streams() -> None:
    """Completed lines of an open fence reach the scrollback; the live part stays small."""
    target = console(60, 24)
    renderer = LiveRenderer(target, frame_seconds=0)
    half = TALL_CODE.index("x_150")
    for piece in random_pieces(TALL_CODE[:half], seed=1, longest=60):
        renderer.feed(TextDelta(piece))
    terminal = Terminal(60).feed(written(target))
    assert len(terminal.rows) > 120
    assert [row.strip() for row in terminal.text()].count("x_10 = compute(10)  # step 10") == 1


def test_a_long_code_block_leaves_no_gap_in_the_scrollback_while_it_streams() -> None:
    """Lines that leave the live window are already printed for good (they used to be
    printed in runs that grew with the block: hundreds of lines on neither for a while)."""
    code = "```python\n" + "".join(f"x_{i} = compute({i})  # step {i}\n" for i in range(400))
    target = console(60, 24)
    renderer = LiveRenderer(target, frame_seconds=0)
    terminal = Terminal(60)
    mark = 0
    for count, piece in enumerate(random_pieces(code, seed=2, longest=40)):
        renderer.feed(TextDelta(piece))
        if count % 10:
            continue
        out = written(target)
        terminal.feed(out[mark:])
        mark = len(out)
        shown = [int(m.group(1)) for row in terminal.text() if (m := re.search(r"x_(\d+) = ", row))]
        assert shown == list(range(len(shown))), "a line missing or repeated"
    assert len(shown) > 350


def narrowed_mid_reply(
    text: str, middle: int, *, width: int, narrower: int, height: int = 24, seed: int = 3
) -> Terminal:
    """Stream `text` up to `middle` at `width`, narrow a reflowing terminal to `narrower`,
    stream the rest: the terminal as the user sees it afterwards."""
    target = console(width, height)
    terminal = Terminal(width, height)
    renderer = LiveRenderer(target, frame_seconds=0)
    for piece in random_pieces(text[:middle], seed=seed):
        renderer.feed(TextDelta(piece))
    terminal.feed(written(target))
    mark = len(written(target))
    target.width = narrower
    terminal.resize(narrower)
    for piece in random_pieces(text[middle:], seed=seed + 1):
        renderer.feed(TextDelta(piece))
    renderer.abort("")
    return terminal.feed(written(target)[mark:])


def test_resizing_mid_reply_keeps_every_word_once() -> None:
    text = MIXED.split("---")[0] + "\n\n" + "Last words of the reply, streamed at the new width.\n"
    middle = text.index("second item")
    terminal = narrowed_mid_reply(text, middle, width=60, narrower=40, seed=3)
    # Rows printed before the resize were re-wrapped by the terminal, words cut anywhere.
    seen = "".join("".join(terminal.text()).split())
    assert seen == "".join("".join(Terminal(60).feed(printed_once(text, 60)).text()).split())
    assert all(cell_len("".join(c for c, _ in row)) <= 40 for row in terminal.rows)


def test_reasoning_is_shown_apart_and_never_in_the_answer() -> None:
    answer = "The answer is **42**.\n"
    terminal = stream([answer[:9], answer[9:]], reasoning="Let me compute: 6 times 7, so 42.")
    text = terminal.text()
    assert text[0] == "Thinking"
    assert text[1].startswith("│ Let me compute")
    assert text[2].startswith("Thought for ")
    assert terminal.rows[4:] == one_shot(answer)
    assert all("compute" not in line for line in text[3:])


def test_hidden_reasoning_leaves_only_its_duration() -> None:
    target = console()
    renderer = LiveRenderer(target, show_reasoning=False, frame_seconds=0)
    renderer.feed(ReasoningDelta("secret plan"))
    renderer.feed(TextDelta("Hello."))
    renderer.abort("")
    terminal = Terminal(60).feed(written(target))
    assert "secret" not in written(target)
    assert terminal.text()[0].startswith("Thought for ")
    assert terminal.rows[2:] == one_shot("Hello.")


def test_abort_prints_what_arrived_then_the_note() -> None:
    partial = "Some text\n\n```python\nprint('unfinished')\nx = "
    target = console()
    renderer = LiveRenderer(target, frame_seconds=0)
    for piece in random_pieces(partial, seed=5):
        renderer.feed(TextDelta(piece))
    renderer.abort("[interrupted]")
    terminal = Terminal(60).feed(written(target))
    expected = one_shot(partial)
    assert terminal.rows[: len(expected)] == expected
    assert terminal.text()[len(expected) - 1 :] == ["", "[interrupted]", ""]
    renderer.finish(TurnStats())  # after abort: nothing more
    assert Terminal(60).feed(written(target)).rows == terminal.rows


class CtrlCWhileRendering(Console):
    """A console on which Ctrl+C is pressed while the n-th finished block is rendered:
    the worst moment, with the renderer's state half-way between two frames."""

    countdown = 0

    def render_lines(self, *args: Any, **kwargs: Any) -> list[list[Segment]]:
        if any(frame.name == "advance" for frame in traceback.extract_stack()):
            self.countdown -= 1
            if self.countdown == 0:
                signal.raise_signal(signal.SIGINT)
        return super().render_lines(*args, **kwargs)


@pytest.mark.parametrize("renders", [1, 4, 8])
def test_ctrl_c_in_the_middle_of_a_frame_loses_nothing(renders: int) -> None:
    target = CtrlCWhileRendering(
        file=io.StringIO(), width=60, height=24, force_terminal=True, color_system="truecolor"
    )
    target.countdown = renders
    renderer = LiveRenderer(target, frame_seconds=0)
    fed = ""
    with pytest.raises(KeyboardInterrupt):
        for piece in random_pieces(MIXED, seed=8):
            fed += piece
            renderer.feed(TextDelta(piece))
    renderer.finish(TurnStats(interrupted=True))  # what show_turn does after Ctrl+C
    terminal = Terminal(60).feed(written(target))
    expected = one_shot(fed)
    assert terminal.rows[: len(expected)] == expected
    gap, status, end = terminal.text()[len(expected) - 1 :]
    assert (gap, end) == ("", "") and status.endswith(" · interrupted")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.01, "<0.1 s"),
        (0.06, "0.1 s"),
        (9.94, "9.9 s"),
        (9.96, "10 s"),  # never "10.0 s": the spinner showed it once on its way to "10 s"
        (12.4, "12 s"),
        (59.4, "59 s"),
        (59.6, "1 min 0 s"),  # never "60 s"
        (125, "2 min 5 s"),
    ],
)
def test_durations_read_the_way_people_say_them(seconds: float, said: str) -> None:
    assert format_seconds(seconds) == said


def test_status_line_and_spinner() -> None:
    target = console()
    renderer = LiveRenderer(target)
    renderer.start()
    time.sleep(0.25)
    for piece in ("Hi", " there", "."):
        renderer.feed(TextDelta(piece))
    renderer.feed(Finish("length"))
    usage = Usage(prompt_tokens=5, completion_tokens=1234, estimated=True)
    renderer.finish(TurnStats(usage=usage, cost="$0.0100"))
    assert "waiting" in written(target)
    text = Terminal(60).feed(written(target)).text()
    assert text[0] == "Hi there."
    status = " ".join(text[2:])
    for part in ("~1,234 tokens", "first token 0.", "$0.0100", "stopped: length"):
        assert part in status
    assert "waiting" not in " ".join(text)


def test_model_text_cannot_drive_the_terminal() -> None:
    target = console()
    renderer = LiveRenderer(target, frame_seconds=0)
    renderer.feed(TextDelta("Clear \x1b[2J screen and [bold red]markup[/] \x07 here\r\n"))
    renderer.abort("")
    output = written(target)
    assert "\x1b[2J" not in output and "\x07" not in output
    assert "␛[2J" in output and "[bold red]markup[/]" in output


def _pipe_env(**facts: bool) -> Environment:
    return Environment(stdout=io.StringIO(), stderr=io.StringIO(), **facts)


class FlushCounting(io.StringIO):
    """A stream that counts flushes: pipe output must be visible as it arrives."""

    flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_pipe_output_is_exactly_what_the_model_sent() -> None:
    sent = ["# Title\r\n", "\x1b[31mred\x1b[0m ", "[bold]", "中文", "😀", " *no newline*"]
    env = Environment(stdout=FlushCounting(), stderr=io.StringIO())
    renderer = make_renderer(env)
    renderer.start()
    so_far = ""
    for piece in sent:
        renderer.feed(TextDelta(piece))
        so_far += piece
        assert env.stdout.getvalue() == so_far  # type: ignore[attr-defined]
    assert env.stdout.flushes >= len(sent)  # type: ignore[attr-defined]
    renderer.feed(Usage(completion_tokens=9))
    renderer.finish(TurnStats(usage=Usage(completion_tokens=9), cost="$1"))
    assert env.stdout.getvalue() == "".join(sent) + "\n"  # type: ignore[attr-defined]
    assert env.stderr.getvalue() == ""  # type: ignore[attr-defined]

    env = _pipe_env()
    renderer = make_renderer(env)
    renderer.feed(TextDelta("ends with a newline\n"))
    renderer.finish(TurnStats())
    assert env.stdout.getvalue() == "ends with a newline\n"  # type: ignore[attr-defined]


def test_plain_reasoning_goes_to_stderr() -> None:
    env = _pipe_env()
    renderer = make_renderer(env)
    renderer.feed(ReasoningDelta("thinking \x1b[1m hard"))
    renderer.feed(TextDelta("answer"))
    renderer.abort("interrupted")
    renderer.feed(TextDelta("late"))
    renderer.finish(TurnStats(usage=Usage(completion_tokens=3)))  # after abort: nothing
    assert env.stdout.getvalue() == "answer\n"  # type: ignore[attr-defined]
    assert env.stderr.getvalue() == "thinking \x1b[1m hard\ninterrupted\n"  # type: ignore[attr-defined]

    env = _pipe_env(stderr_isatty=True)
    renderer = make_renderer(env)
    renderer.feed(ReasoningDelta("hmm"))
    renderer.feed(TextDelta("answer"))
    renderer.finish(TurnStats())
    assert env.stdout.getvalue() == "answer\n"  # type: ignore[attr-defined]
    assert "\x1b[2m" in env.stderr.getvalue() and "Thinking" in env.stderr.getvalue()  # type: ignore[attr-defined]

    env = _pipe_env(stderr_isatty=True, no_color=True)
    renderer = make_renderer(env, show_reasoning=True)
    renderer.feed(ReasoningDelta("hmm"))
    renderer.finish(TurnStats())
    assert env.stderr.getvalue() == "hmm\n"  # type: ignore[attr-defined]

    env = _pipe_env()
    renderer = make_renderer(env, show_reasoning=False)
    renderer.feed(ReasoningDelta("hidden"))
    renderer.feed(TextDelta("answer"))
    renderer.finish(TurnStats())
    assert (env.stdout.getvalue(), env.stderr.getvalue()) == ("answer\n", "")  # type: ignore[attr-defined]


_COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def test_no_color_and_raw_on_a_terminal() -> None:
    env = _pipe_env(stdout_isatty=True, no_color=True)
    renderer = make_renderer(env)
    for piece in random_pieces(MIXED, seed=6):
        renderer.feed(TextDelta(piece))
    renderer.finish(TurnStats())
    output = env.stdout.getvalue()  # type: ignore[attr-defined]
    assert "Streaming" in output and "greet" in output
    assert not _COLOUR.search(output)

    env = _pipe_env(stdout_isatty=True)
    renderer = make_renderer(env, raw=True)
    renderer.feed(ReasoningDelta("pondering"))
    renderer.feed(TextDelta("# Raw *text* \x1b[31m"))
    renderer.finish(TurnStats())
    output = env.stdout.getvalue()  # type: ignore[attr-defined]
    assert "# Raw *text* ␛[31m\n" in output
    assert output.index("pondering") < output.index("Thought for") < output.index("# Raw")


def _dumb_terminal() -> Environment:
    return Environment(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_isatty=True,
        no_color=True,
        vars={"TERM": "dumb"},
        columns=80,
    )


def test_plain_on_a_terminal_leaves_a_blank_row_before_the_status_line_as_live_does() -> None:
    """TERM=dumb and --raw: the reply, a blank row, the status line; after Ctrl+C the
    status line ends "interrupted" (what show_turn asks of every renderer)."""
    usage = Usage(completion_tokens=4)
    for stats, last in [
        (TurnStats(usage=usage, cost="$0.01"), "$0.01"),
        (TurnStats(usage=usage, cost="$0.01", interrupted=True), "$0.01 · interrupted"),
    ]:
        env = _dumb_terminal()
        renderer = make_renderer(env)
        renderer.feed(TextDelta("the answer"))
        renderer.finish(stats)
        lines = env.stdout.getvalue().split("\n")  # type: ignore[attr-defined]
        assert lines[:2] == ["the answer", ""] and lines[-1] == ""
        assert lines[2].startswith("4 tokens · ") and lines[2].endswith(last)

    env = _dumb_terminal()
    renderer = make_renderer(env)
    renderer.finish(TurnStats(interrupted=True))  # Ctrl+C before the first word
    assert env.stdout.getvalue() == "interrupted\n"  # type: ignore[attr-defined]


def test_an_interrupted_reply_into_a_pipe_says_so_on_stderr_only() -> None:
    env = _pipe_env()
    renderer = make_renderer(env)
    renderer.feed(TextDelta("half an ans"))
    renderer.finish(TurnStats(usage=Usage(completion_tokens=4), interrupted=True))
    assert env.stdout.getvalue() == "half an ans\n"  # type: ignore[attr-defined]
    assert env.stderr.getvalue() == "interrupted\n"  # type: ignore[attr-defined]


SAMPLES = [
    "Hello world 这是一个很长的中文句子，没有空格，所以必须在汉字之间换行，而不是整句移走。",
    "TextualはPythonの高速アプリケーション開発フレームワークです「括弧」も（テスト）。",
    "混合 mixed text with English words 和中文字符交替出现，还有标点符号！以及问号？",
    "Emoji 😀😀 test 👨\u200d👩\u200d👧 family 🇯🇵🇺🇸 flags and more text to wrap",
]


@pytest.mark.parametrize("width", [20, 40])
@pytest.mark.parametrize("sample", SAMPLES)
def test_cjk_lines_are_filled_and_never_overflow(sample: str, width: int) -> None:
    bounds = [0, *divide_line(sample, width), len(sample)]
    lines = [sample[a:b].rstrip() for a, b in itertools.pairwise(bounds)]
    assert "".join(sample[a:b] for a, b in itertools.pairwise(bounds)) == sample
    assert all(cell_len(line) <= width for line in lines)
    assert all(line[:1] not in NO_BREAK_BEFORE for line in lines[1:])
    if "Hello world" in sample:
        assert cell_len(lines[0]) >= width - 1, "the first line must be filled"


@pytest.mark.parametrize("width", [20, 40])
def test_cjk_in_paragraphs_lists_and_tables_fits_the_width(width: int) -> None:
    rows = Terminal(width).feed(printed_once(CJK, width)).text()
    assert all(cell_len(row) <= width for row in rows)
    assert not any(row.lstrip(" •│").startswith(tuple(_CLOSING)) for row in rows)
    assert cell_len(rows[0]) >= width - 1  # "Hello world 这是…" fills its first line


def test_latin_text_wraps_exactly_as_rich_does() -> None:
    text = "plain english text that wraps like rich, with averyveryverylongwordindeed too "
    for width in (7, 20, 33, 80):
        assert divide_line(text * 3, width) == rich_divide_line(text * 3, width)


def test_importing_the_renderer_interface_is_cheap() -> None:
    heavy = "{'rich', 'pygments', 'markdown_it'}"
    code = f"import sys, llmchat.render.renderer; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_pipe_output_of_the_cli_is_exactly_what_the_model_sent(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    sent = "# Title\n\n\x1b[1mbold escape\x1b[0m, [red]markup[/red], 中文😀, *md*"
    fake_server.push(Reply(text=sent, chunk_size=2))
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    result = run_llmchat("question", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == sent + "\n"


def _spawn_cli(
    llmchat_bin: Path, sandbox: Sandbox, server: FakeOpenAI, question: str, *, columns: int
) -> pexpect.spawn:
    """One-shot llmchat in a 24-row pty against the fake server."""
    env = {
        **sandbox.env,
        "TERM": "xterm-256color",
        # rich caches a style's escape codes from its first use: one colour system per process.
        "COLORTERM": "truecolor",
        "OPENAI_API_KEY": TEST_KEY,
        "OPENAI_BASE_URL": server.base_url,
    }
    return pexpect.spawn(
        str(llmchat_bin),
        [question],
        env=env,
        cwd=str(sandbox.cwd),
        dimensions=(24, columns),
        encoding="utf-8",
        timeout=30,
    )


def test_tall_reply_streams_into_a_24_line_terminal(
    fake_server: FakeOpenAI, llmchat_bin: Path, sandbox: Sandbox
) -> None:
    """The installed llmchat in a real pty: nothing duplicated, lost or garbled."""
    reply = MIXED + "\n" + TALL_CODE + "\n" + CJK
    fake_server.push(Reply(text=reply, chunk_size=5, reasoning="Planning the reply. " * 30))
    child = _spawn_cli(llmchat_bin, sandbox, fake_server, "Write something tall", columns=80)
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output[-2000:]
    terminal = Terminal(80, 24).feed(output)
    assert terminal.max_up <= 22
    text = terminal.text()
    assert text[0] == "Thinking" and text[1].startswith("│ Planning the reply.")
    answer_start = next(i for i, line in enumerate(text) if line.startswith("Thought for ")) + 2
    expected = one_shot(reply, 80)[:-1]
    got = terminal.rows[answer_start : answer_start + len(expected)]
    assert text[answer_start : answer_start + len(expected)] == [
        "".join(char for char, _ in row).rstrip() for row in expected
    ]
    assert got == expected
    tail = text[answer_start + len(expected) :]
    assert tail[0] == "" and "tokens" in tail[1] and "first token" in tail[1]


def test_ctrl_c_in_a_pty_is_not_echoed_and_repeats_no_line(
    fake_server: FakeOpenAI, llmchat_bin: Path, sandbox: Sandbox
) -> None:
    """The tty echoes "^C" where the cursor stands; under a live redraw that moved the
    cursor and the next frame printed a line twice. Echo is off while a reply is drawn."""
    code = "\n".join(f"print('line {n:03d}')  # 注释 {n}" for n in range(1, 200))
    fake_server.push(
        Reply(text=f"Intro.\n\n```python\n{code}\n```\n", chunk_size=8, chunk_delay=0.01)
    )
    child = _spawn_cli(llmchat_bin, sandbox, fake_server, "x", columns=100)
    screen = Screen(24, 100)
    child.logfile_read = ScreenLog(screen)
    child.expect_loop(ScreenText(screen, "line 040"), timeout=30)  # on the screen, mid-reply
    child.sendintr()
    output = child.before + child.after + child.read()
    child.close()
    assert child.exitstatus == 130
    assert "^C" not in output
    shown = Terminal(100, 24).feed(output).text()
    lines = [line for line in shown if "print('line" in line]
    assert len(lines) == len(set(lines))
    status = max(i for i, line in enumerate(shown) if "interrupted" in line)
    assert shown[status - 1] == ""  # a blank row, then the status line a reply ends with
    assert re.fullmatch(r"~\d+ tokens · .* · interrupted", shown[status].rstrip())


def _token_pieces(text: str) -> list[str]:
    """Cut like a model's tokens: words with their space, CJK characters one by one."""
    return re.findall(r" ?[A-Za-z]+| ?\d{1,3}|[^\S\n]+|\n+| ?[^\sA-Za-z\d]", text)


PROSE = (
    "A first paragraph that goes on for long enough to wrap over several rows of a "
    "narrow terminal, with *emphasis* and `code` inside it.\n\n"
    "- one item of a list\n- a second item, also long enough to wrap at forty columns\n\n"
    + CJK.split("\n\n")[0]
    + "\n\nA closing paragraph.\n"
)


@pytest.mark.parametrize(
    ("text", "most"),
    [(PROSE, 1.5), (MIXED, 2.5), (CJK, 3.0)],
    ids=["prose", "mixed", "cjk"],
)
def test_a_paced_reply_writes_only_what_changed(text: str, most: float) -> None:
    """A frame after every token (the slowest pace's worst case): the screen ends as the
    one-shot render, and the terminal gets a small multiple of its bytes; redrawing the
    whole live part each frame wrote over 20 times as much for MIXED, rewriting each
    changed row whole about 6 times (a code row is padded to the full width)."""
    target = console(40, 12)
    renderer = LiveRenderer(target, frame_seconds=0)
    for piece in _token_pieces(text):
        renderer.feed(TextDelta(piece))
    renderer.abort("")
    data = written(target)
    assert Terminal(40, 12).feed(data).rows == one_shot(text, 40)
    once = printed_once(text, 40)
    assert len(data.encode()) <= most * len(once.encode())


def test_a_frame_that_changes_nothing_visible_writes_nothing() -> None:
    target = console(60, 24)
    renderer = LiveRenderer(target, frame_seconds=0)
    renderer.feed(TextDelta("Some words, then"))
    before = written(target)
    renderer.feed(TextDelta(" "))  # a trailing space shows nothing
    assert written(target) == before
    renderer.feed(TextDelta("more."))
    after = written(target)
    assert after.startswith(before) and after[len(before) :].endswith("more.")
    assert "\x1b[J" not in after[len(before) :], "a row that only grew is not erased"


def test_a_token_in_a_live_code_line_writes_only_the_cells_that_changed() -> None:
    """A code row is padded with its background to the full width; a token changes a few
    cells in the middle of it, and only those are written (at their column)."""
    target = console(60, 24)
    renderer = LiveRenderer(target, frame_seconds=0)
    renderer.feed(TextDelta("Code:\n\n```python\nresult = compute"))
    before = written(target)
    renderer.feed(TextDelta("(42)"))
    added = written(target)[len(before) :]
    assert "\x1b[J" not in added and "\x1b[K" not in added
    assert "(" in added and "42" in added and "compute" not in added
    row = printed_once("```python\nresult = compute(42)\n```\n").split("\n")[1]
    assert len(added.encode()) < len(row.encode()) / 2, "less than half the row's bytes"
    renderer.feed(TextDelta("\n```\n"))
    renderer.abort("")
    text = "Code:\n\n```python\nresult = compute(42)\n```\n"
    assert Terminal(60, 24).feed(written(target)).rows == one_shot(text)


CODE_BLOCK = (
    "Code:\n\n```python\n" + "".join(f"value_{n} = {n}\n" for n in range(22)) + "```\n\nDone.\n"
)


def test_a_code_row_s_background_is_an_erase_not_spaces() -> None:
    """Padding spaces would make a narrowed terminal wrap every code row onto two."""
    target = console(60, 24)
    renderer = LiveRenderer(target, frame_seconds=0)
    renderer.feed(TextDelta(CODE_BLOCK))
    renderer.abort("")
    data = written(target)
    code_line = next(line for line in data.split("\n") if "value_3" in line)
    assert code_line.rstrip("\r").endswith("\x1b[K\x1b[0m")
    assert "   " * 10 not in code_line
    assert Terminal(60).feed(data).rows == one_shot(CODE_BLOCK)


def test_narrowing_while_a_code_block_streams_keeps_every_line_once() -> None:
    middle = CODE_BLOCK.index("value_18")
    terminal = narrowed_mid_reply(CODE_BLOCK, middle, width=60, narrower=20, height=12, seed=5)
    text = [row.strip() for row in terminal.text()]
    for n in range(22):
        assert text.count(f"value_{n} = {n}") == 1, (n, text)
    assert text.count("Done.") == 1
