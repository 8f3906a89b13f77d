"""The live renderer's `feed` only queues an event; frames apply the queue (live.py).

A clock the tests move by hand stands in for `time.monotonic` in live.py, so "three
seconds later" needs no sleeping: the renderer's own code runs as it is.
"""

from __future__ import annotations

import signal

import pytest
from conftest import Clock
from test_render import Terminal, console, one_shot, written

from llmchat.events import Finish, ReasoningDelta, TextDelta, TurnStats, Usage
from llmchat.render.live import LiveRenderer


def test_the_time_spent_thinking_is_when_the_answer_began_not_when_it_was_drawn(
    clock: Clock,
) -> None:
    target = console()
    # Frames at most every 10 s: nothing below is drawn until `finish`.
    renderer = LiveRenderer(target, frame_seconds=10.0)
    renderer.feed(ReasoningDelta("Let me see."))
    renderer.feed(ReasoningDelta(" Six times seven."))
    clock.now += 3.0
    renderer.feed(TextDelta("The answer"))  # queued, and taken at once: a new kind
    clock.now += 0.5
    renderer.feed(TextDelta(" is 42."))  # queued until a frame
    clock.now += 5.0
    renderer.finish(TurnStats(usage=Usage(completion_tokens=9)))
    text = Terminal(60).feed(written(target)).text()
    assert text[2] == "Thought for 3.0 s"
    assert any(line.startswith("The answer is 42.") for line in text)


def test_the_first_token_time_is_when_it_arrived(clock: Clock) -> None:
    target = console()
    renderer = LiveRenderer(target, frame_seconds=10.0)
    clock.now += 1.5
    renderer.feed(TextDelta("Hi"))
    clock.now += 4.0
    renderer.feed(TextDelta(" there."))
    renderer.finish(TurnStats(usage=Usage(completion_tokens=2)))
    assert "first token 1.5 s" in written(target)


def test_what_was_queued_when_the_reply_stopped_is_shown(clock: Clock) -> None:
    answer = "Some text.\n\n```python\nprint('unfinished')\n"
    target = console()
    renderer = LiveRenderer(target, frame_seconds=10.0)
    renderer.feed(TextDelta(answer[:5]))  # the first: taken, and drawn (a frame is due)
    for index in range(5, len(answer), 3):
        renderer.feed(TextDelta(answer[index : index + 3]))  # queued: no frame is due
    renderer.abort("")
    terminal = Terminal(60).feed(written(target))
    assert terminal.rows == one_shot(answer)


class CtrlCWhenRead(str):
    """Text that presses Ctrl+C the first time the renderer reads it (neutralise asks
    isprintable)."""

    pressed = False

    def isprintable(self) -> bool:
        if not CtrlCWhenRead.pressed:
            CtrlCWhenRead.pressed = True
            signal.raise_signal(signal.SIGINT)
        return super().isprintable()


def test_ctrl_c_while_the_queue_is_applied_repeats_nothing(clock: Clock) -> None:
    target = console()
    renderer = LiveRenderer(target, frame_seconds=10.0)
    renderer.feed(TextDelta("First"))
    for piece in [" words", " and", " more"]:
        renderer.feed(TextDelta(piece))
    renderer.feed(TextDelta(CtrlCWhenRead(" words.")))
    with pytest.raises(KeyboardInterrupt):
        renderer.feed(Finish("stop"))  # a new kind: the queue is applied at once
    renderer.finish(TurnStats(interrupted=True))  # what show_turn does after Ctrl+C
    text = Terminal(60).feed(written(target)).text()
    assert text[0] == "First words and more words."
    assert text.count("First words and more words.") == 1


def test_a_blank_first_piece_of_the_answer_does_not_stretch_the_thinking(clock: Clock) -> None:
    target = console()
    renderer = LiveRenderer(target, frame_seconds=10.0)
    renderer.feed(ReasoningDelta("Let me see."))
    clock.now += 3.0
    renderer.feed(TextDelta("\n\n"))  # reasoning models often open the answer so
    clock.now += 0.2
    renderer.feed(TextDelta("The answer is 42."))
    clock.now += 5.0
    renderer.finish(TurnStats(usage=Usage(completion_tokens=9)))
    assert Terminal(60).feed(written(target)).text()[2] == "Thought for 3.2 s"


def test_ctrl_c_while_the_reply_ends_still_shows_its_end_and_status(clock: Clock) -> None:
    CtrlCWhenRead.pressed = False
    target = console()
    renderer = LiveRenderer(target, frame_seconds=10.0)
    renderer.feed(TextDelta("First words"))
    renderer.feed(TextDelta(CtrlCWhenRead(" and the last words.")))  # queued
    with pytest.raises(KeyboardInterrupt):  # delivered once the reply is closed
        renderer.finish(TurnStats(usage=Usage(completion_tokens=9)))
    text = Terminal(60).feed(written(target)).text()
    assert text[0] == "First words and the last words."
    assert text[2].startswith("9 tokens")
