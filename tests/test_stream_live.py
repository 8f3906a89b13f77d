"""What the live part shows while a reply streams, frame by frame (render/stream.py)."""

from __future__ import annotations

import io

from rich.console import Console

from llmchat.render.markdown import Row
from llmchat.render.stream import MarkdownStream


def _text(rows: list[Row]) -> list[str]:
    return ["".join(segment.text for segment in row).rstrip() for row in rows]


def _frame(stream: MarkdownStream, text: str) -> tuple[list[str], list[str]]:
    """Feed `text`, then one frame: the rows printed for good and the live rows."""
    stream.feed(text)
    final = stream.advance(budget=20)
    return _text(final), _text(stream.live(20))


def _stream() -> MarkdownStream:
    console = Console(file=io.StringIO(), force_terminal=True, width=60, color_system="truecolor")
    return MarkdownStream(console)


def test_a_closing_fence_still_being_written_is_not_drawn_as_a_line_of_code() -> None:
    stream = _stream()
    _frame(stream, "Code:\n\n```json\n")
    _, live = _frame(stream, '{"a": 1}\n')
    assert any('{"a": 1}' in row for row in live)
    for partial in ("`", "``", "```"):
        _, live = _frame(stream, "`" if partial != "`" else partial)
        assert not any("`" in row for row in live), (partial, live)
    final, live = _frame(stream, "\nAfter.\n")
    assert any('{"a": 1}' in row for row in final)
    assert not any("`" in row for row in final + live)


def test_an_opening_fence_still_being_written_does_not_flash_as_text() -> None:
    stream = _stream()
    _frame(stream, "Tricky code:\n\n")
    for piece in ("`", "`", "`"):
        _, live = _frame(stream, piece)
        assert not any("`" in row for row in live), live
    _, live = _frame(stream, "python\nprint(1)")
    assert any("print(1)" in row for row in live)
    assert not any("`" in row for row in live)


def test_a_line_of_code_that_only_starts_with_a_backtick_is_shown_once_it_is_more() -> None:
    stream = _stream()
    _frame(stream, "```js\n")
    _, live = _frame(stream, "`")
    assert not any("`" in row for row in live)
    _, live = _frame(stream, "template ${x}`;")
    assert any("`template ${x}`;" in row for row in live)
