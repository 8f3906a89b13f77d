"""A streamed reply's text kept in joined runs (engine/pieces.py) reads back exactly."""

from __future__ import annotations

import pytest

from llmchat.engine.pieces import PIECES_PER_RUN, TextPieces


@pytest.mark.parametrize(
    "count", [0, 1, PIECES_PER_RUN - 1, PIECES_PER_RUN, 3 * PIECES_PER_RUN + 7]
)
def test_text_and_its_tail_read_back_as_appended(count: int) -> None:
    pieces = [f"{i}é," for i in range(count)]
    kept = TextPieces()
    for piece in pieces:
        kept.append(piece)
    whole = "".join(pieces)
    assert kept.text() == whole and kept.length == len(whole) and bool(kept) == bool(whole)
    for start in (0, 1, len(whole) // 2, len(whole)):
        assert kept.text(start) == whole[start:]
