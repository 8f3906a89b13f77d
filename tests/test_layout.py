"""Issue 12, items 9-10: rendered lines carry no padding, and text wraps at words."""

from __future__ import annotations

import io
import re

from rich.console import Console

from llmchat.events import Finish, TextDelta, TurnStats, Usage
from llmchat.render.common import fit_status
from llmchat.render.kinsoku import NO_BREAK_AFTER, NO_BREAK_BEFORE
from llmchat.render.live import LiveRenderer
from llmchat.render.wrapping import cells, wrap_text

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_rendered_lines_are_not_padded_to_the_width() -> None:
    out = io.StringIO()
    console = Console(file=out, width=60, height=24, force_terminal=True, color_system="truecolor")
    renderer = LiveRenderer(console, frame_seconds=0)
    renderer.start()
    for piece in ["# Title\n\n", "A short paragraph.\n\n", "- one\n- two\n\n", "> quoted\n"]:
        renderer.feed(TextDelta(piece))
    renderer.feed(Finish("stop"))
    renderer.finish(TurnStats(usage=None, cost=None, interrupted=False))
    text = _ESCAPES.sub("", out.getvalue())
    lines = [line for line in re.split(r"\r|\n", text) if line]
    assert any("A short paragraph." in line for line in lines)
    padded = [line for line in lines if line != line.rstrip(" ")]
    assert padded == []


def test_wrapping_breaks_at_words_and_keeps_every_word() -> None:
    text = (
        "llmchat: error: the server at http://127.0.0.1:8080/v1 did not answer within "
        "120 s — check that it is running, or raise --timeout and try again"
    )
    lines = wrap_text(text, 40)
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(lines).split() == text.split()
    for line in lines:  # no word cut in two
        for word in line.split():
            assert word in text.split()


def test_wrapping_keeps_blank_lines_and_indentation() -> None:
    text = "first line\n\n    indented words that go on and on past the edge\nlast"
    lines = wrap_text(text, 24)
    assert lines[1] == ""
    assert lines[2].startswith("    ") and lines[3].startswith("    ")
    assert lines[-1] == "last"
    assert all(len(line) <= 24 for line in lines)


def test_a_word_longer_than_the_line_is_cut_not_lost() -> None:
    url = "https://example.com/" + "x" * 60
    lines = wrap_text(f"see {url}", 30)
    assert all(len(line) <= 30 for line in lines)
    assert "".join(lines[1:]) == url or "".join(lines).replace("see ", "") == url


def test_wrapping_counts_cells_so_chinese_lines_fit() -> None:
    text = (
        "llmchat: error: 无法读取文件 “报告.md”：权限不足，请检查文件的访问权限后再试一次"
        " — hint: run with --debug"
    )
    for width in (10, 20, 30, 40):
        lines = wrap_text(text, width)
        assert all(cells(line) <= width for line in lines), (width, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
        assert all(line[:1] not in NO_BREAK_BEFORE for line in lines), lines
        assert all(line[-1:] not in NO_BREAK_AFTER for line in lines), lines
    # a Chinese run breaks between characters instead of leaving the line half empty
    assert wrap_text(text, 30)[0] == "llmchat: error: 无法读取文件"


def test_cells_counts_wide_and_combining_characters() -> None:
    assert cells("abc") == 3
    assert cells("中文") == 4
    assert cells("e\u0301tude") == 5


def test_status_line_breaks_between_figures_in_a_narrow_window() -> None:
    out = io.StringIO()
    console = Console(file=out, width=40, height=24, force_terminal=True, color_system="truecolor")
    renderer = LiveRenderer(console, frame_seconds=0)
    renderer.start()
    renderer.feed(TextDelta("A reply long enough to be measured.\n"))
    renderer.feed(Finish("length"))
    usage = Usage(prompt_tokens=12, completion_tokens=12345, reasoning_tokens=2048)
    renderer.finish(TurnStats(usage=usage, cost="~$0.000123", interrupted=True))
    text = _ESCAPES.sub("", out.getvalue())
    lines = [line for line in re.split(r"\r|\n", text) if line.strip()]
    last_answer_line = len(lines) - 1 - lines[::-1].index("A reply long enough to be measured.")
    status = lines[last_answer_line + 1 :]
    assert len(status) > 1 and all(cells(line) <= 40 for line in status)
    parts = [part for line in status for part in line.split(" · ")]
    assert parts[0] == "12,345 tokens (2,048 reasoning)"
    assert parts[1].startswith("first token ") and parts[1].endswith(" s")  # one figure, whole
    assert parts[2:] == ["~$0.000123", "stopped: length", "interrupted"]


def test_fit_status_keeps_a_wide_line_whole() -> None:
    status = "10 tokens · 13.1 tok/s · first token 0.5 s · $0.000008"
    assert fit_status(status, 120) == status
    assert fit_status(status, 40).split("\n") == [
        "10 tokens · 13.1 tok/s",
        "first token 0.5 s · $0.000008",
    ]
