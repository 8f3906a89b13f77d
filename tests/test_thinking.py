"""The `<think>…</think>` splitter: the same result however the stream is chunked."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from llmchat.engine.think_tags import ThinkSplitter, split_think_tags
from llmchat.events import ChatEvent, Finish, ReasoningDelta, TextDelta, Usage


def run(chunks: Iterable[str]) -> tuple[str, str]:
    """(reasoning, answer) after feeding `chunks` and flushing."""
    splitter = ThinkSplitter()
    events: list[ChatEvent] = []
    for chunk in chunks:
        events += splitter.feed(chunk)
    events += splitter.flush()
    for event in events:
        # Nothing empty is ever emitted: a renderer must not have to filter.
        assert isinstance(event, ReasoningDelta | TextDelta) and event.text
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, TextDelta))
    return reasoning, answer


def splits(text: str, parts: int) -> Iterable[list[str]]:
    """Every way to cut `text` into `parts` pieces (empty pieces included)."""
    for cuts in itertools.combinations_with_replacement(range(len(text) + 1), parts - 1):
        bounds = (0, *cuts, len(text))
        yield [text[a:b] for a, b in itertools.pairwise(bounds)]


def assert_all_splits(text: str, expected: tuple[str, str], max_parts: int = 3) -> None:
    assert run([text]) == expected
    assert run(text) == expected  # one character at a time
    for parts in range(2, max_parts + 1):
        for chunks in splits(text, parts):
            assert run(chunks) == expected, chunks


def test_think_block_split_at_every_position_two_and_three_ways() -> None:
    assert_all_splits("<think>abc</think>answer", ("abc", "answer"))


def test_leading_whitespace_before_think() -> None:
    assert_all_splits("  \n<think>abc</think>answer", ("abc", "answer"))


def test_cjk_inside_and_after_think() -> None:
    assert_all_splits(
        "<think>先想一想：√2</think>答案是无理数。", ("先想一想：√2", "答案是无理数。")
    )


def test_multiline_reasoning_keeps_its_text() -> None:
    text = "<think>\nstep 1\nstep 2\n</think>done"
    assert run([text]) == ("\nstep 1\nstep 2\n", "done")
    assert_all_splits(text, run([text]), max_parts=2)


def test_newlines_after_close_tag_are_dropped() -> None:
    assert run(["<think>abc</think>\n\nanswer"]) == ("abc", "answer")


def test_newlines_after_close_tag_are_dropped_however_chunked() -> None:
    assert_all_splits("<think>abc</think>\n\nanswer", ("abc", "answer"))
    assert run(["<think>abc</think>", "\n", "\n", "answer\n\nmore"]) == ("abc", "answer\n\nmore")
    assert run(["<think>abc</think>", "\n\n"]) == ("abc", "")


def test_no_think_tag_is_all_text_exactly() -> None:
    for text in ("plain answer", "  indented\ncode", "a <think> later is text", "<b>bold</b>"):
        assert_all_splits(text, ("", text))


def test_unclosed_think_at_end_is_all_reasoning() -> None:
    assert_all_splits("<think>still thinking", ("still thinking", ""))
    # A half close tag at the very end is shown as what it was.
    assert run(["<think>abc</thi"]) == ("abc</thi", "")


def test_prefix_of_the_tag_then_something_else_is_text_preserved_exactly() -> None:
    assert run(["<thi", "s is text"]) == ("", "<this is text")
    assert run([" <thi", "nk about it"]) == ("", " <think about it")
    assert run(["<", "p>hi</p>"]) == ("", "<p>hi</p>")
    assert_all_splits("  <thinking>x", ("", "  <thinking>x"))


def test_a_reply_that_is_only_a_tag_prefix_or_whitespace() -> None:
    assert run(["<thi"]) == ("", "<thi")
    assert run(["   "]) == ("", "   ")
    assert run([]) == ("", "")
    assert run(["", ""]) == ("", "")


def test_empty_think_block() -> None:
    assert_all_splits("<think></think>answer", ("", "answer"))


def test_only_the_leading_block_is_special() -> None:
    text = "<think>a</think>then <think>b</think> stays"
    assert run([text]) == ("a", "then <think>b</think> stays")
    assert_all_splits(text, ("a", "then <think>b</think> stays"), max_parts=2)


def test_angle_brackets_inside_reasoning_are_kept() -> None:
    assert_all_splits("<think>if a </b> and <c</think>ok", ("if a </b> and <c", "ok"))


def test_reasoning_streams_before_the_close_tag_arrives() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("<think>") == []
    assert splitter.feed("abc") == [ReasoningDelta("abc")]
    assert splitter.feed("de</th") == [ReasoningDelta("de")]  # "</th" held back
    assert splitter.feed("ink>ans") == [TextDelta("ans")]
    assert splitter.feed("wer") == [TextDelta("wer")]


def events_of(stream: Sequence[ChatEvent]) -> list[ChatEvent]:
    return list(split_think_tags(iter(stream)))


def test_split_think_tags_routes_text_and_keeps_other_events_in_order() -> None:
    usage = Usage(prompt_tokens=3, completion_tokens=4)
    out = events_of(
        [TextDelta("<thi"), TextDelta("nk>hm</think>"), TextDelta("yes"), usage, Finish("stop")]
    )
    assert out == [ReasoningDelta("hm"), TextDelta("yes"), usage, Finish("stop")]


def test_split_think_tags_passes_server_reasoning_through() -> None:
    out = events_of([ReasoningDelta("server thought"), TextDelta("answer"), Finish("stop")])
    assert out == [ReasoningDelta("server thought"), TextDelta("answer"), Finish("stop")]


def test_split_think_tags_flushes_held_text_before_finish() -> None:
    out = events_of([TextDelta("<th"), Finish("stop")])
    assert out == [TextDelta("<th"), Finish("stop")]
    out = events_of([TextDelta("<think>abc</th"), Finish("length")])
    assert out == [ReasoningDelta("abc"), ReasoningDelta("</th"), Finish("length")]
