"""Lines the REPL prints itself (banner, errors, notes, the exchange shown on resume),
broken at words to fit the terminal: the terminal's own wrap cuts words in two.

Standard library only: it runs before the first prompt.
"""

from __future__ import annotations

import textwrap


def wrap_text(text: str, width: int) -> list[str]:
    """Each line of `text` wrapped at spaces to `width` columns; blank lines and each
    line's indentation kept; a word longer than a line (a URL) is cut, never lost."""
    width = max(10, width)
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width or not line.strip():
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if len(indent) > width // 2:
            indent = ""
        out.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
        )
    return out
