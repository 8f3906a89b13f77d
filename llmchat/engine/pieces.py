"""A reply's text while it streams: appended a few characters at a time, read whole at the end.

Why not a plain list of the pieces: a 20,000-token reply arrives as ~18,000 strings of a
few characters. Kept one by one until the reply ends, they are scattered among the
renderer's short-lived objects and keep Python's small-object pools from being reused:
the one-shot's peak RSS was 2 MiB higher (bench/stream_bench.py --pty). Joined every
PIECES_PER_RUN pieces they cost about what the text costs. Why not `+=` on one string:
that copies the whole reply for every piece.
"""

from __future__ import annotations

#: Pieces joined into one string at a time: each is copied once more, in runs this long.
PIECES_PER_RUN = 256


class TextPieces:
    """Text built from streamed pieces; `length` is in characters."""

    __slots__ = ("_runs", "_tail", "length")

    def __init__(self) -> None:
        self._runs: list[str] = []  # earlier pieces, joined PIECES_PER_RUN at a time
        self._tail: list[str] = []  # pieces since the last join
        self.length = 0

    def append(self, piece: str) -> None:
        self._tail.append(piece)
        self.length += len(piece)
        if len(self._tail) >= PIECES_PER_RUN:
            self._runs.append("".join(self._tail))
            self._tail.clear()

    def text(self, start: int = 0) -> str:
        """The text from character `start` on (all of it by default)."""
        whole = "".join(self._runs + self._tail)
        return whole[start:] if start else whole

    def __bool__(self) -> bool:
        return self.length > 0
