"""Read pacing: a trickling stream's bytes gather in the socket until the next frame.

The wire (wire/client.py `_blocks`) asks its pacer, once it has caught up with the
network, how long to leave the next bytes unread; the live renderer (render/live.py
`before_read`) draws its frame there and answers "until the next frame is due". Tested
from both ends: the renderer with a clock moved by hand, the wire against the fake
server streaming in real time.
"""

from __future__ import annotations

import time

import pytest
from conftest import TEST_KEY, Clock
from fakeserver import FakeOpenAI, Reply
from test_render import Terminal, console, one_shot, written

import llmchat.render.live as live
from llmchat.config import Params, Timeouts
from llmchat.engine.request import ChatRequest
from llmchat.events import ChatEvent, TextDelta, TurnStats, Usage
from llmchat.providers.records import Provider
from llmchat.render.live import READ_PAUSE_SHARE, LiveRenderer
from llmchat.wire.client import ChatClient


def test_no_pause_before_the_first_token(clock: Clock) -> None:
    """Until the first token comes, it is read the moment it arrives: its time is shown."""
    renderer = LiveRenderer(console(), frame_seconds=0.2)
    assert renderer.before_read() == 0.0
    clock.now += 3.0
    assert renderer.before_read() == 0.0


def test_the_pause_lasts_until_the_next_frame_within_a_share_of_the_answer_so_far(
    clock: Clock,
) -> None:
    renderer = LiveRenderer(console(), frame_seconds=0.2)
    renderer.feed(TextDelta("Hello"))  # the first token: drawn at once
    clock.now += 0.1
    # 0.1 s into the answer: 5 % of it is 5 ms, the shortest pause worth a sleep.
    assert renderer.before_read() == pytest.approx(READ_PAUSE_SHARE * 0.1)
    clock.now += 0.01
    assert renderer.before_read() == pytest.approx(READ_PAUSE_SHARE * 0.11)
    clock.now += 20.0  # long into the answer: the next frame bounds it
    renderer.feed(TextDelta(" there"))
    pause = renderer.before_read()  # a frame was due: drawn now; the next one is ahead
    assert 0.0 < pause <= live.MAX_FRAME_SECONDS
    renderer.finish(TurnStats(usage=Usage(completion_tokens=2)))
    assert renderer.before_read() == 0.0  # closed


def test_while_paced_a_read_s_events_share_one_frame_drawn_by_the_reader(clock: Clock) -> None:
    target = console()
    renderer = LiveRenderer(target, frame_seconds=0.2)
    renderer.feed(TextDelta("One"))
    renderer.before_read()  # the wire paces its reads from here on
    shown = len(written(target))
    # A frame is due, and within the grace the reader has to draw it.
    clock.now = renderer._next_frame + live.READ_GRACE_SECONDS / 2
    for piece in (" two", " three", " four."):
        renderer.feed(TextDelta(piece))
    assert len(written(target)) == shown  # nothing drawn in the middle of a read
    renderer.before_read()  # the read is done: one frame with all of it
    assert "One two three four." in Terminal(60).feed(written(target)).text()[0]
    renderer.finish(TurnStats(usage=Usage(completion_tokens=4)))
    assert Terminal(60).feed(written(target)).rows[:1] == one_shot("One two three four.")[:1]


def test_past_the_grace_feed_draws_a_backlog_being_read(clock: Clock) -> None:
    """A fast server: the wire reads on (bytes keep waiting in the socket) and asks the
    pacer nothing; the frames must not wait for it."""
    target = console()
    renderer = LiveRenderer(target, frame_seconds=0.2)
    renderer.feed(TextDelta("One"))
    renderer.before_read()
    shown = len(written(target))
    clock.now = renderer._next_frame + live.READ_GRACE_SECONDS * 2
    renderer.feed(TextDelta(" two."))
    assert len(written(target)) > shown
    assert "One two." in Terminal(60).feed(written(target)).text()[0]
    renderer.abort("")


# --- the wire end, against the fake server in real time -------------------------------

TEXT = "".join(f"word{index} " for index in range(120))


def _client(server: FakeOpenAI) -> ChatClient:
    provider = Provider("local", "Local", server.base_url, "K", "LOCAL", "m")
    return ChatClient(provider, TEST_KEY, Timeouts(connect=5, read=10))


def _request() -> ChatRequest:
    messages = [{"role": "user", "content": "Count."}]
    return ChatRequest("m", messages, Params(), stream=True)


def _answer(events: list[ChatEvent]) -> str:
    return "".join(event.text for event in events if isinstance(event, TextDelta))


def test_the_wire_leaves_bytes_unread_while_the_pacer_asks_and_loses_none(
    fake_server: FakeOpenAI,
) -> None:
    # 120 chunks, one every 10 ms: 1.2 s. Pausing 0.1 s after each caught-up read, the
    # chunks that came meanwhile are taken together: about one pacer call a pause.
    fake_server.push(Reply(text=TEXT, chunk_size=7, chunk_delay=0.01, paced=True))
    asked: list[float] = []

    def pacer() -> float:
        asked.append(time.monotonic())
        return 0.1

    events = list(_client(fake_server).events(_request(), pacer))
    assert _answer(events) == TEXT
    chunks = -(-len(TEXT) // 7)
    assert 1 <= len(asked) <= chunks // 3, (len(asked), chunks)


def test_without_pauses_the_pacer_is_asked_after_each_piece_it_waited_for(
    fake_server: FakeOpenAI,
) -> None:
    fake_server.push(Reply(text=TEXT[:140], chunk_size=7, chunk_delay=0.02, paced=True))
    asked: list[float] = []

    def pacer() -> float:
        asked.append(time.monotonic())
        return 0.0

    events = list(_client(fake_server).events(_request(), pacer))
    assert _answer(events) == TEXT[:140]
    # 20 chunks 20 ms apart: nearly every one had to be waited for.
    assert len(asked) >= 10


def test_the_socket_probe_tells_an_empty_socket_from_one_with_bytes_waiting(
    fake_server: FakeOpenAI,
) -> None:
    """Pausing only when the socket is empty keeps a fast server's backlog from growing:
    a read that waited may have waited for the GIL (a frame being drawn), not the network."""
    import httpx2

    from llmchat.wire.body import socket_empty_probe

    fake_server.push(Reply(text="first second", chunk_size=6, chunk_delay=1.0))
    client = _client(fake_server)
    response = client._open_stream(_request(), raw=True)
    try:
        assert isinstance(response, httpx2.Response)
        probe = socket_empty_probe(response)
        assert probe is not None
        blocks = response.iter_bytes()
        next(blocks)  # the first chunk; the next one is a second away
        assert probe() is True
        for _ in range(100):  # until the next chunk is in the socket (at most 5 s)
            if not probe():
                break
            time.sleep(0.05)
        assert probe() is False
    finally:
        response.close()
