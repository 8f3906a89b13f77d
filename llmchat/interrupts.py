"""Ctrl+C, made orderly: held over writes that must not tear, and counted once per reply.

A person who presses Ctrl+C ten times in a row means "stop this", not "stop this, then
the saving of what was stopped, then the program". Python raises KeyboardInterrupt
wherever the main thread happens to be; these helpers choose where it may land.
Signal handlers can only be set from the main thread: elsewhere both are no-ops.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

# A Ctrl+C this soon after the last one pressed during a reply is the same storm's tail.
STORM_SECONDS = 0.5


@dataclass
class _Presses:
    """When Ctrl+C was last pressed during an action (time.monotonic())."""

    last: float = float("-inf")


_PRESSES = _Presses()


def note_press() -> None:
    """A Ctrl+C that belongs to a storm (see `in_a_storm`)."""
    _PRESSES.last = time.monotonic()


def in_a_storm() -> bool:
    """Whether Ctrl+C was pressed less than STORM_SECONDS ago while a reply was being
    stopped: the prompt after it ignores the storm's tail on an empty line, which would
    otherwise leave a row of empty prompts behind."""
    return time.monotonic() - _PRESSES.last < STORM_SECONDS


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl+C until the block is done, then deliver it to whoever handled it before.

    For work that must finish or not start: a record half-appended to a chat file, a
    frame half-written to the screen.
    """
    if not _on_main_thread():
        yield
        return
    held: list[FrameType | None] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(frame)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(signal.SIGINT, held[0])
    elif held and previous == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)


@contextmanager
def sigint_once() -> Iterator[None]:
    """The first Ctrl+C raises KeyboardInterrupt; the rest, until the block ends, are ignored.

    Around one REPL action (a reply and its saving): the interrupted turn is tidied up and
    saved while the user may still be pressing Ctrl+C, and none of those presses may kill
    the process or cut the save short.
    """
    if not _on_main_thread():
        yield
        return
    fired = False

    def interrupt(signum: int, frame: FrameType | None) -> None:
        nonlocal fired
        note_press()
        if not fired:
            fired = True
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ctrl+C does nothing in the block: for starting the prompt, where prompt_toolkit
    reads Ctrl+C as a key once its raw mode is on, but a SIGINT from the moment before
    (a storm of Ctrl+C outlasting the reply) would break its event loop half-built."""
    if not _on_main_thread():
        yield
        return

    def ignore(signum: int, frame: FrameType | None) -> None:
        pass

    previous = signal.signal(signal.SIGINT, ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
