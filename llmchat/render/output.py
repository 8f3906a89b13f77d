"""Text written to the terminal whole, however often the kernel cuts a write() short.

A write() to a terminal may take only part of what it is given: Linux copies it to the
tty 2,048 bytes at a time and returns between two copies, with the count so far, when a
signal has arrived for the writing thread (one of a storm of Ctrl+C); a write waiting
for a slow reader to make room returns the same way. Python's buffered stdout writes
the rest. Its unbuffered stdout (PYTHONUNBUFFERED=1, `python -u`: the text layer
straight over the raw file) ignores the count and drops the rest, silently, on any
thread (python/cpython#85393, open since 2020). A frame cut that way stays cut: the
renderer believes it drawn and redraws only what changes after it (issue 16, D2: a
live table cut after exactly 2,048 bytes, under its status line).

So frames go to the bytes underneath the text layer, in a loop until every byte is
taken, with Ctrl+C held meanwhile (on the main thread a KeyboardInterrupt between two
pieces would cut the frame just the same).
"""

from __future__ import annotations

import os
import select
from typing import IO, BinaryIO

from llmchat.interrupts import sigint_deferred


def write_whole(file: IO[str], text: str) -> None:
    """Write `text` to `file` and flush, every byte, even through short writes.

    Files without bytes underneath (StringIO, a test's capture) get `write` and
    `flush`; so do platforms whose text layer turns "\\n" into something else."""
    binary: BinaryIO | None = getattr(file, "buffer", None)
    if binary is None or os.linesep != "\n":
        file.write(text)
        file.flush()
        return
    encoding = getattr(file, "encoding", None) or "utf-8"
    data = memoryview(text.encode(encoding, getattr(file, "errors", None) or "strict"))
    with sigint_deferred():
        file.flush()  # what went through the text layer before this goes first
        while data:
            written = binary.write(data)
            if written is None:  # a non-blocking file with no room yet
                select.select([], [binary], [])
                continue
            data = data[written:]
        binary.flush()
