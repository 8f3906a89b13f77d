"""`-n N`: several answers from one request, shown one after another, numbered."""

from __future__ import annotations

from collections.abc import Sequence


def heading(index: int, total: int) -> str:
    return f"--- answer {index} of {total} ---"


def numbered(answers: Sequence[str]) -> str:
    """The answers under "--- answer i of n ---" lines, a blank line between them."""
    total = len(answers)
    parts = [f"{heading(i, total)}\n{text.strip()}" for i, text in enumerate(answers, 1)]
    return "\n\n".join(parts)
