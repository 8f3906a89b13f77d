"""A frame reaches the terminal whole even when a signal cuts its write() short.

Linux writes to a terminal in pieces (2,048 bytes, or as much as a lagging reader left
room for) and returns early, with a short count, when a signal arrives for the writing
thread in between: one of a storm of Ctrl+C does that. Under PYTHONUNBUFFERED=1 (or
`python -u`), sys.stdout is a text layer straight over the raw file, which ignores the
short count and drops the rest; the renderer, believing the frame drawn, never redraws
the rows that were lost (issue 16, item D2: a live table cut at exactly 2,048 bytes,
under its status line).

Here a frame larger than a pty holds is drawn on a thread while nothing reads the pty,
so the write blocks part way; a signal to that thread then makes it return short, and
everything the pty carried is compared with the frame.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style

from llmchat.render.markdown import Row
from llmchat.render.output import write_whole
from llmchat.render.screen import Screen

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads a thread's syscall from /proc"
)

WIDTH, HEIGHT = 100, 30


def unbuffered(fd: int) -> TextIO:
    """sys.stdout as PYTHONUNBUFFERED=1 or `python -u` make it: text over the raw file."""
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8", write_through=True)


def buffered(fd: int) -> TextIO:
    """sys.stdout as Python makes it on a terminal by default."""
    return open(fd, "w", encoding="utf-8", closefd=False, buffering=1)


def colourful_rows(count: int) -> list[Row]:
    """Rows whose every cell has its own colour: ~2.4 kB a row, so that a screenful is
    several times what a pty holds before its reader reads (~20 kB)."""
    return [
        [
            Segment(chr(0x41 + (row + col) % 26), Style(color=f"#{row * 8:02x}{col * 2:02x}80"))
            for col in range(WIDTH)
        ]
        for row in range(count)
    ]


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    tty.setraw(slave)  # bytes pass unchanged (no "\n" to "\r\n"), so they compare exactly
    try:
        yield master, slave
    finally:
        os.close(master)
        os.close(slave)


def in_write_on(thread: threading.Thread, fd: int) -> bool:
    """Whether the thread is inside a system call on `fd` (blocked writing to it)."""
    try:
        fields = Path(f"/proc/self/task/{thread.native_id}/syscall").read_text().split()
    except OSError:
        pytest.skip("no /proc/<pid>/task/<tid>/syscall here")
    return len(fields) > 2 and fields[0] not in ("running", "-1") and int(fields[1], 16) == fd


def drain(master: int, until: Callable[[], bool]) -> bytes:
    """Everything the pty carries, read until `until()` holds and nothing more comes."""
    got = bytearray()
    os.set_blocking(master, False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            piece = os.read(master, 65536)
        except BlockingIOError:
            piece = b""
        if piece:
            got += piece
        elif until():
            return bytes(got)
        else:
            time.sleep(0.001)
    raise AssertionError(f"the writer never finished; {len(got):,} bytes read")


def write_cut_short(slave: int, master: int, write: Callable[[], None]) -> bytes:
    """Run `write` (which writes more than the pty holds to `slave`) on a thread; once it
    is blocked in write(), signal that thread, which makes the kernel return what was
    written so far; then read everything the pty got."""
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as error:  # reported by the test, on its own thread
            failures.append(error)

    writer = threading.Thread(target=run, daemon=True)  # a stuck one must not hang pytest
    try:
        writer.start()
        deadline = time.monotonic() + 30
        while not in_write_on(writer, slave):
            assert writer.is_alive(), "the write ended without blocking: the pty holds it all"
            assert time.monotonic() < deadline, "the writer never blocked in write()"
            time.sleep(0.001)
        assert writer.ident is not None
        signal.pthread_kill(writer.ident, signal.SIGUSR1)
        got = drain(master, until=lambda: not writer.is_alive())
        writer.join()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert not failures, failures
    return got


@pytest.mark.parametrize("stdout", [unbuffered, buffered], ids=["PYTHONUNBUFFERED", "buffered"])
def test_a_frame_cut_short_by_a_signal_still_reaches_the_terminal_whole(
    pty_pair: tuple[int, int], stdout: Callable[[int], TextIO]
) -> None:
    master, slave = pty_pair
    out = stdout(slave)
    console = Console(
        file=out, force_terminal=True, color_system="truecolor", width=WIDTH, height=HEIGHT
    )
    rows = colourful_rows(HEIGHT - 1)
    # The same frame drawn into memory: what the pty must carry.
    reference = io.StringIO()
    Screen(
        Console(
            file=reference,
            force_terminal=True,
            color_system="truecolor",
            width=WIDTH,
            height=HEIGHT,
        )
    ).draw([], rows)
    expected = reference.getvalue().encode("utf-8")
    assert len(expected) > 60_000  # three times what the pty holds: the write must block

    got = write_cut_short(slave, master, lambda: Screen(console).draw([], rows))

    assert len(got) == len(expected), f"{len(expected) - len(got):,} bytes of the frame lost"
    assert got == expected


@pytest.mark.parametrize("stdout", [unbuffered, buffered], ids=["PYTHONUNBUFFERED", "buffered"])
def test_write_whole_writes_every_byte_through_a_cut_short_write(
    pty_pair: tuple[int, int], stdout: Callable[[int], TextIO]
) -> None:
    master, slave = pty_pair
    out = stdout(slave)
    out.write("before ")  # written through the file earlier (held, if buffered): goes first
    text = "".join(f"{index:06d} 中文 row\n" for index in range(8_000))

    got = write_cut_short(slave, master, lambda: write_whole(out, text))

    assert got.decode("utf-8") == "before " + text


def test_write_whole_into_a_file_without_bytes_underneath() -> None:
    out = io.StringIO()
    out.write("a")
    write_whole(out, "b 中文\n")
    assert out.getvalue() == "ab 中文\n"


def test_write_whole_waits_for_room_on_a_non_blocking_terminal(
    pty_pair: tuple[int, int],
) -> None:
    """A non-blocking terminal takes what fits (write() returns None once it is full):
    the rest goes when there is room, not dropped as the text layer would."""
    master, slave = pty_pair
    os.set_blocking(slave, False)
    out = unbuffered(slave)
    text = "".join(f"{index:06d} row\n" for index in range(10_000))  # > what the pty holds
    writer = threading.Thread(target=write_whole, args=(out, text), daemon=True)
    writer.start()
    got = drain(master, until=lambda: not writer.is_alive())
    writer.join()
    assert got.decode("utf-8") == text
