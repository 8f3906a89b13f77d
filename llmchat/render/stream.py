"""The answer as it streams, split into rows that are final and rows that may still change.

Final rows are rendered once and printed for good; only the block still being written is
re-rendered, so the cost of a reply grows with its length, not with its length squared.
The final rows, concatenated, are exactly the rows of the whole answer rendered at once.
Nothing here writes to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from llmchat.render.blocks import Block, Fence, may_be_fence, split_blocks
from llmchat.render.code_lexing import TOP, Stack
from llmchat.render.code_line import LiveLine, block_rows, live_code_rows, run_rows
from llmchat.render.markdown import MarkdownParser, Row, markdown_rows

# Lines of context the lexer reads before a live line of an open code block: enough for
# most strings and comments, few enough that a frame lexes a handful of lines.
LIVE_LEX_CONTEXT = 3


def _is_final(block: Block, lines: list[str]) -> bool:
    """Whether the last block of the complete lines can no longer change.

    A heading or rule is one finished line; a paragraph, quote or table ends at a blank
    line; a closed fence is closed. Anything else (lists above all) waits for the next block.
    """
    if block.kind in ("heading_open", "hr"):
        return True
    if block.kind == "fence":
        return Fence.of(block, lines) is None
    if block.kind in ("paragraph_open", "blockquote_open", "table_open"):
        # lines[-1] is the empty piece after the last newline, not a line.
        return block.end_line < len(lines) - 1 and not lines[block.end_line].strip()
    return False


@dataclass
class _OpenFence:
    """A fenced code block still being written, printed a run of lines at a time."""

    fence: Fence
    blank_before: bool
    lines: list[str] = field(default_factory=list)
    printed: int = 0
    last_text_line: int = -1
    # The lexer's stack where a printed line starts (code_lexing): the next run is lexed
    # from the last of these, not from the block's top.
    starts: dict[int, Stack] = field(default_factory=lambda: {0: TOP})
    anchored: int = 0  # `printed` when a run was last lexed from the block's top
    # Live rows of each complete line, rendered once (for the width they were made at).
    line_rows: dict[int, LiveLine] = field(default_factory=dict)
    rows_width: int = 0
    pad_row: Row | None = None
    # The unfinished line's rows: its index, its text as drawn, the rows.
    partial: tuple[int, str, LiveLine] | None = None

    def add(self, line: str) -> None:
        self.lines.append(line)
        if line.strip():
            self.last_text_line = len(self.lines) - 1


class MarkdownStream:
    """Accumulates answer text; `advance` hands out the rows that became final."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._parser = MarkdownParser()
        self._pending: list[str] = []
        # Uncommitted source, starting at a block's first line; inside an open fence,
        # only the unfinished last line (the complete ones are in `_fence.lines`).
        self._tail = ""
        self._new_line = False  # rich's state between blocks: see Block.blank_line_before
        self._fence: _OpenFence | None = None
        # The complete lines last looked at that held nothing final: until another line
        # ends, looking again (a parse of the whole block, every frame) finds the same.
        self._unfinished: str | None = None

    def feed(self, text: str) -> None:
        self._pending.append(text)

    def advance(self, *, budget: int, final: bool = False) -> list[Row]:
        """Rows that are final now (all of them when `final`); `budget` is the live height."""
        text = self._tail + "".join(self._pending)
        self._pending.clear()
        rows: list[Row] = []
        while True:
            if self._fence is not None:
                text = self._advance_fence(text, rows, budget=budget, final=final)
                if self._fence is not None:
                    break
            else:
                text = self._advance_blocks(text, rows, final=final)
                if self._fence is None:
                    break
        self._tail = text
        return rows

    def live(self, budget: int) -> list[Row]:
        """Rows for what is not final yet, as it would look if the reply ended here."""
        if self._fence is not None:
            return self._live_fence(budget)
        text = self._tail + "".join(self._pending)
        cut = text.rfind("\n") + 1
        if may_be_fence(text[cut:]):
            text = text[:cut]
        if not text.strip():
            return []
        tokens = self._parser.parse(text, keep_references=False)
        blocks = split_blocks(tokens)
        rows = markdown_rows(self._console, tokens)
        blank = bool(blocks) and blocks[0].blank_line_before(self._new_line)
        return [[], *rows] if rows and blank else rows

    def _block_rows(self, block: Block) -> list[Row]:
        rows = markdown_rows(self._console, block.tokens)
        if block.blank_line_before(self._new_line):
            rows.insert(0, [])
        self._new_line = block.new_line_after
        return rows

    def _advance_blocks(self, text: str, rows: list[Row], *, final: bool) -> str:
        """Commit the finished blocks of `text`; return what stays (or enter an open fence)."""
        cut = len(text) if final else text.rfind("\n") + 1
        complete, partial = text[:cut], text[cut:]
        if not complete.strip():
            return "" if final else text
        if not final and complete == self._unfinished:
            return text
        blocks = split_blocks(self._parser.parse(complete, keep_references=True))
        if not blocks:
            return "" if final else text
        lines = complete.split("\n")
        last = blocks[-1]
        done = len(blocks) if final or _is_final(last, lines) else len(blocks) - 1
        for block in blocks[:done]:
            rows.extend(self._block_rows(block))
        if done == len(blocks):
            return "\n".join(lines[last.end_line :]) + partial
        fence = Fence.of(last, lines)
        if fence is None:
            if done == 0:
                self._unfinished = complete
            return "\n".join(lines[last.first_line :]) + partial
        self._fence = _OpenFence(fence, blank_before=self._new_line)
        for line in lines[last.first_line + 1 : -1]:
            self._fence.add(fence.code_line(line))
        return partial

    def _advance_fence(self, text: str, rows: list[Row], *, budget: int, final: bool) -> str:
        """Take complete lines into the open fence until it closes; print settled lines."""
        assert self._fence is not None
        state = self._fence
        pieces = text.split("\n")
        partial = pieces.pop()
        if final and partial:
            pieces.append(partial)
            partial = ""
        for index, line in enumerate(pieces):
            if state.fence.closes(line):
                rows.extend(self._close_fence())
                return "\n".join([*pieces[index + 1 :], partial])
            state.add(state.fence.code_line(line))
        if final:
            rows.extend(self._close_fence())
            return ""
        rows.extend(self._settled_code(budget))
        return partial

    def _settled_code(self, budget: int) -> list[Row]:
        """Print the older lines of a long open code block, keeping the newest ones live.

        Colours are exact only when lexed with the block above (a lexer started mid-block
        may start inside a string and never recover). A run is lexed from the last printed
        line where the lexer's stack is known (code_lexing), so runs of about a screen keep
        the scrollback whole while the block streams. Where no such line is near (a lexer
        that cannot start mid-block, lines rich draws), runs grow with the distance to it,
        which keeps the lexing linear overall. A line is settled once a non-blank line
        follows it (trailing blank lines vanish when the block closes) and `keep` lines
        follow it, which the lexer reads too: a string or comment open across the cut
        colours as in the finished block.
        """
        assert self._fence is not None
        state = self._fence
        keep = max(1, budget // 3)
        resume = max(line for line in state.starts if line <= state.printed)
        if len(state.lines) - state.printed < max(budget - keep, (state.printed - resume) // 3):
            return []
        stop = min(state.last_text_line, len(state.lines) - keep)
        if stop <= state.printed:
            return []
        top = state.printed == 0
        stack = state.starts[resume]
        if state.printed <= 4 * budget or state.printed >= 2 * state.anchored:
            # From the top while the block is a few screens long, then again at doubling
            # lengths (linear in all): a stack read before a regex could see what it looks
            # ahead for (an HTML script's end tag, a heredoc's last line) would otherwise
            # colour every later run as well.
            resume, stack, state.anchored = 0, TOP, state.printed
        rows, starts = run_rows(
            self._console,
            "\n".join(state.lines),
            state.fence.lexer,
            first=state.printed,
            stop=stop,
            top=top,
            bottom=False,
            resume=(resume, stack),
        )
        if top and state.blank_before:
            rows.insert(0, [])
        state.printed = stop
        # Stacks read over lines that `keep` lines follow; only the last one is needed.
        starts = {line: stack for line, stack in starts.items() if line <= stop}
        if starts:
            state.starts = {max(starts): starts[max(starts)]}
        # Printed lines are never live again (only the last one tells how the next starts).
        for index in [index for index in state.line_rows if index < stop - 1]:
            del state.line_rows[index]
        return rows

    def _close_fence(self) -> list[Row]:
        """The rest of the block, as rich's Markdown draws a fence's (right-stripped) code."""
        assert self._fence is not None
        state = self._fence
        code = "\n".join(state.lines).rstrip()
        lexer = state.fence.lexer
        if state.printed == 0:
            rows = block_rows(self._console, code, lexer)
            if state.blank_before:
                rows.insert(0, [])
        else:
            rows = block_rows(self._console, code, lexer, first=state.printed, top=False)
        self._fence = None
        self._new_line = True
        return rows

    def _live_fence(self, budget: int) -> list[Row]:
        """The newest lines of the open block, one line rendered per frame.

        Each line wraps on its own, so the rows of the window are the rows of its lines;
        a complete line's rows are kept (the block only grows), and a frame renders just
        the unfinished last line, lexed with a few lines of context. A long string or
        comment may look off until its lines are printed for good (`_settled_code`).
        """
        assert self._fence is not None
        state = self._fence
        tail = "" if may_be_fence(self._tail) else self._tail
        lines = state.lines + ([tail] if tail else [])
        if not lines:
            return block_rows(self._console, "", state.fence.lexer, top=state.printed == 0)
        first = max(state.printed, len(lines) - budget)
        width = self._console.width
        if state.rows_width != width:
            state.line_rows.clear()
            state.pad_row = None
            state.partial = None
            state.rows_width = width
        rows: list[Row] = []
        if state.printed == 0 and first == 0:
            if state.blank_before:
                rows.append([])
            rows.append(self._pad_row(state))
        open_line = len(lines) - 1 if tail else None
        for line_rows in self._code_line_rows(state, lines, first, open_line):
            rows.extend(line_rows)
        rows.append(self._pad_row(state))
        return rows

    def _code_line_rows(
        self, state: _OpenFence, lines: list[str], first: int, open_line: int | None
    ) -> list[list[Row]]:
        """The rows of lines[first:], in order: kept ones reused, the others lexed in one
        pass, from the line after one the lexer ended at its top level (where a fresh
        lexer starts), else with LIVE_LEX_CONTEXT lines before them. `open_line` is the
        unfinished line, if any."""
        partial = state.partial
        found: dict[int, LiveLine | None] = {}
        for index in range(first, len(lines)):
            kept = state.line_rows.get(index) if index != open_line else None
            if kept is None and partial is not None and partial[:2] == (index, lines[index]):
                kept = partial[2]  # as the last frame showed it (the line may have ended so)
                if index != open_line:
                    state.line_rows[index] = kept
            found[index] = kept
        missing = [index for index, kept in found.items() if kept is None]
        if missing:
            before = state.line_rows.get(missing[0] - 1)
            if before is not None and before.ends_at_top:
                base = missing[0]
            else:
                base = max(0, missing[0] - LIVE_LEX_CONTEXT)
            drawn = live_code_rows(
                self._console, lines[base:], state.fence.lexer, first=missing[0] - base
            )
            for index, line in enumerate(drawn, missing[0]):
                if found[index] is not None:
                    continue
                found[index] = line
                if index == open_line:
                    state.partial = (index, lines[index], line)
                else:
                    state.line_rows[index] = line
        return [kept.rows for kept in found.values() if kept is not None]

    def _pad_row(self, state: _OpenFence) -> Row:
        """The blank row a code block has above and below its code (its background)."""
        if state.pad_row is None:
            state.pad_row = block_rows(self._console, "", state.fence.lexer, bottom=False)[0]
        return state.pad_row
