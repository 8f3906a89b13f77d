"""Lines the REPL prints itself (banner, errors, notes, the exchange shown on resume),
broken at words to fit the terminal: the terminal's own wrap cuts words in two.

Widths are counted in terminal cells, not characters: a Chinese character takes two,
so an error quoting a Chinese file name or reply would otherwise overflow the line.
Between wide characters a line may break anywhere kinsoku allows, as the renderer does.

Standard library only: it runs before the first prompt.
"""

from __future__ import annotations

import unicodedata

from llmchat.render.kinsoku import NO_BREAK_AFTER, NO_BREAK_BEFORE


def char_cells(char: str) -> int:
    """Cells one character takes: 2 for East Asian wide/full-width, 0 for combining marks."""
    if unicodedata.combining(char) or char in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells(text: str) -> int:
    """Cells `text` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(char_cells(char) for char in text)


def _tokens(line: str) -> list[str]:
    """Runs of spaces, single wide characters (each a place to break) and narrow words;
    a combining mark stays with the character before it."""
    tokens: list[str] = []
    for char in line:
        size = char_cells(char)
        previous = tokens[-1] if tokens else ""
        if size == 0 and previous:
            tokens[-1] += char
        elif char.isspace():
            if previous.isspace():
                tokens[-1] += char
            else:
                tokens.append(char)
        elif size == 1 and previous and not previous.isspace() and cells(previous[0]) == 1:
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def _cut(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` that fits in `room` cells (at least one character)."""
    used = 0
    for index, char in enumerate(word):
        used += char_cells(char)
        if used > room:
            return word[: max(1, index)], word[max(1, index) :]
    return word, ""


def _wrap_line(line: str, width: int) -> list[str]:
    """Greedy fill of one unindented line, in cells."""
    out: list[str] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        out.append("".join(current).rstrip())
        current, used = [], 0

    for token in _tokens(line):
        size = cells(token)
        if token.isspace():
            if current and used + size <= width:
                current.append(token)
                used += size
            elif current:
                flush()
            continue
        if used + size <= width:
            current.append(token)
            used += size
            continue
        if current:
            _break_before(token, current, out)
            used = sum(cells(piece) for piece in current)
            if used + size <= width:
                current.append(token)
                used += size
                continue
            if current:
                flush()
        rest = token  # alone on its line and still too long: cut it, lose nothing
        while cells(rest) > width:
            head, rest = _cut(rest, width)
            out.append(head)
        current, used = [rest], cells(rest)
    if current:
        out.append("".join(current).rstrip())
    return out


def _break_before(token: str, current: list[str], out: list[str]) -> None:
    """Ends the line in `current` (appended to `out`) before `token`; what kinsoku
    forbids to end a line, or the wide character a closing mark must follow, stays
    in `current` to start the next line."""
    carried: list[str] = []
    # Kinsoku: closing punctuation may not start a line, nor an opening one end it:
    # the word or character before it (or the opener) goes to the next line with it.
    while (
        (carried[0] if carried else token)[0] in NO_BREAK_BEFORE
        and len(current) > 1
        and not current[-1].isspace()
    ):
        carried.insert(0, current.pop())
    while len(current) > 1 and current[-1][-1] in NO_BREAK_AFTER:
        carried.insert(0, current.pop())
    out.append("".join(current).rstrip())
    current[:] = carried


def wrap_text(text: str, width: int) -> list[str]:
    """Each line of `text` wrapped at spaces (and between wide characters) to `width`
    cells; blank lines and each line's indentation kept; a word longer than a line
    (a URL) is cut, never lost."""
    width = max(10, width)
    out: list[str] = []
    for line in text.split("\n"):
        if cells(line) <= width or not line.strip():
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if cells(indent) > width // 2:
            indent = ""
        out.extend(indent + piece for piece in _wrap_line(line.strip(), width - cells(indent)))
    return out
