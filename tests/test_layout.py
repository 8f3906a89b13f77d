"""Issue 12, items 9-10: rendered lines carry no padding, and text wraps at words."""

from __future__ import annotations

import io
import re

from rich.console import Console

from llmchat.events import Finish, TextDelta, TurnStats
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
