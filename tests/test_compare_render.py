"""The comparison's drawing, without a server: the full answers printed after the live
columns, and the scoreboard on a terminal too narrow for its table."""

from __future__ import annotations

import re

import pytest
from test_render import MIXED, Terminal, console, one_shot, random_pieces, written

from llmchat.engine.compare import LaneResult
from llmchat.events import TextDelta, Usage
from llmchat.render.compare import CompareRenderer
from llmchat.render.scoreboard import BEST, scoreboard_text

LABELS = ["openai/gpt-x", "deepseek/deepseek-v4-flash", "qwen/qwen-plus"]
CJK = "## 排序\n\n在 Python 中，使用 **`sorted()`** 返回一个新列表。日本語も混ざります。\n"


def result(label: str, answer: str, *, first: float = 0.3, total: float = 2.0) -> LaneResult:
    provider, model = label.split("/")
    usage = Usage(prompt_tokens=10, completion_tokens=120)
    return LaneResult(provider, model, answer, "", "done", usage, None, None, first, total, "stop",
                      None)  # fmt: skip


def text_rows(cells: list[list[tuple[str, str]]]) -> list[str]:
    """Each row's text; blank rows at the end dropped (where one section ends)."""
    rows = ["".join(char for char, _ in row).rstrip() for row in cells]
    while rows and not rows[-1]:
        rows.pop()
    return rows


@pytest.mark.parametrize("width", [160, 80])
def test_full_answers_after_the_live_view_read_like_each_answer_rendered_once(width: int) -> None:
    """Columns (160) commit each answer at full width as it streams, stacked panels (80)
    at their own width: either way the answers printed at the end are exactly the
    one-shot render of each, as if nothing had been drawn before."""
    answers = [MIXED, CJK * 3, MIXED[::-1].replace("`", "")]
    target = console(width, 24)
    renderer = CompareRenderer(target, LABELS, frame_seconds=3600)  # frames drawn below
    renderer.start()
    pieces = [random_pieces(answer, seed=n) for n, answer in enumerate(answers)]
    for step in range(max(len(p) for p in pieces)):
        for lane, lane_pieces in enumerate(pieces):
            if step < len(lane_pieces):
                renderer.lane_event(lane, TextDelta(lane_pieces[step]))
        if step % 5 == 0:
            renderer._frame()  # what the ticker does every FRAME_SECONDS
    renderer.finish([result(label, a) for label, a in zip(LABELS, answers, strict=True)])
    screen = text_rows(Terminal(width, 24).feed(written(target)).rows)
    starts = [
        screen.index(next(r for r in screen if r.startswith(f"── {label} "))) for label in LABELS
    ]
    for number, (start, answer) in enumerate(zip(starts, answers, strict=True)):
        end = starts[number + 1] - 1 if number + 1 < len(starts) else len(screen)
        printed = screen[start + 1 : end]
        while printed and not printed[-1]:
            printed.pop()
        assert printed == text_rows(one_shot(answer, width))


def test_scoreboard_fits_a_narrow_terminal_under_each_models_name() -> None:
    results = [result(LABELS[0], "a", first=0.31, total=9.9), result(LABELS[1], "b", first=0.34)]
    wide = scoreboard_text(results, width=160).splitlines()
    assert wide[0].split() == ["MODEL", "FIRST", "TOKEN", "TOTAL", "TOKENS", "TOK/S", "COST",
                               "FINISH"]  # fmt: skip
    narrow = scoreboard_text(results, width=60).splitlines()
    assert all(len(line) <= 60 for line in narrow)
    assert narrow[0] == LABELS[0]
    assert narrow[1].startswith("  first token 0.3 s *")
    assert any(line == LABELS[1] for line in narrow)
    # 0.31 s and 0.34 s both show as 0.3 s: both are marked, not one of two equal figures.
    assert len(re.findall(r"first token 0\.3 s \*", " ".join(narrow))) == 2
    assert BEST in narrow[-1]
