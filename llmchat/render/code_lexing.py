"""Lexing a growing code block from where a line starts, not from the block's top.

A long code block is printed for good a run of lines at a time while it streams, and its
colours are right only when lexed with everything above: a line may sit inside a string
or a comment that opened far up. Lexing from the top for every run made the runs grow
with the block (to keep the total linear), and the lines between the last run and the
live window were on neither for a while: a gap in the scrollback.

pygments' RegexLexer, the base of most lexers, is a state machine: it tries the regexes of
the state on top of a stack. Its loop is copied here (`_run`, from pygments 2.21's
`RegexLexer.get_tokens_unprocessed`), so that the stack can be read where a line starts on
a token boundary. Lexing again from that line with that stack gives the tokens a lexing
from the top gives, as long as nothing above the line looks past the lines that follow it
(the printed runs keep lines after them for that; see stream.py). tests/test_code_lexing.py
holds the two equal. Other lexers (an ExtendedRegexLexer, a delegating one, a subclass with
its own loop, C's among them) and code with tabs are lexed from the top as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pygments.lexer import RegexLexer
from pygments.token import Error, Text, Whitespace, _TokenType

LineTokens = list[tuple[Any, str]]
Stack = tuple[str, ...]
TOP: Stack = ("root",)


def resumable(lexer: Any, source: str) -> bool:
    """Whether `lex_lines` can start `lexer` at a line of `source` other than the first."""
    return (
        isinstance(lexer, RegexLexer)
        and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed
        and not lexer.filters
        and not lexer.stripall
        and not lexer.stripnl
        and "\t" not in source
        and "\r" not in source
        and not source.startswith("\ufeff")
    )


@dataclass
class LexedLines:
    """Tokens of lines [first, stop) of a source, and where later lexing may start."""

    lines: list[LineTokens]
    # Whether the lexer ended each line at its top level (its newline lexed as plain text).
    at_top: list[bool]
    # The lexer's stack where a line starts on a token boundary, by line index (lines up
    # to `stop` included; none for a lexer that is not `resumable`).
    starts: dict[int, Stack] = field(default_factory=dict)


def lex_lines(
    lexer: Any, source: str, *, first: int, stop: int, start: int = 0, stack: Stack = TOP
) -> LexedLines:
    """The tokens of lines [first, stop) of `source` as `lexer.get_tokens(source)` gives
    them, lexing from line `start` <= `first` with the stack read there (`starts` of an
    earlier call; line 0 and TOP for the top). `stop` is at most the number of lines.
    """
    if start and not resumable(lexer, source):
        raise ValueError("this lexer starts only at the top")
    lines: list[LineTokens] = []
    at_top: list[bool] = []
    starts: dict[int, Stack] = {}
    line, current, last_at_top = start, [], True
    for token_type, value, state in _tokens(lexer, source, start, stack):
        if state is not None:
            if line <= stop:
                starts[line] = state
            continue
        if line >= stop:
            break
        while value and line < stop:
            piece, newline, value = value.partition("\n")
            if piece and line >= first:
                current.append((token_type, piece))
            if newline:
                last_at_top = token_type in Text
                if line >= first:
                    lines.append(current)
                    at_top.append(last_at_top)
                current = []
                line += 1
        # A token may run past `stop` (a whole fenced block in Markdown's lexer): count
        # its lines, so that a stack read after it is not taken for the stack at `stop`.
        line += value.count("\n")
    # A last line without a newline of its own leaves the lexer where the one before did.
    while first + len(lines) < stop:
        lines.append(current)
        at_top.append(last_at_top)
        current = []
    return LexedLines(lines, at_top, starts)


def _tokens(
    lexer: Any, source: str, start: int, stack: Stack
) -> Iterator[tuple[Any, str, Stack | None]]:
    """(token type, value, None) for each token from line `start`, and (Text, "", stack)
    where a line starts on a token boundary (resumable lexers only)."""
    if not resumable(lexer, source):
        for token_type, value in lexer.get_tokens(source):
            yield token_type, value, None
        return
    text = source if source.endswith("\n") else source + "\n"  # the lexer's ensurenl
    offset = len(text) - len(text.split("\n", start)[-1]) if start else 0
    yield from _run(lexer, text, offset, stack)


def _run(lexer: Any, text: str, pos: int, stack: Stack) -> Iterator[tuple[Any, str, Stack | None]]:
    """`RegexLexer.get_tokens_unprocessed` from `pos` with `stack`: its tokens as (type,
    value, None), and (Text, "", the stack) after a match that ends where a line starts."""
    tokendefs = lexer._tokens
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    while True:
        for rexmatch, action, new_state in statetokens:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield action, m.group(), None
                    else:
                        for _position, token_type, value in action(lexer, m):
                            yield token_type, value, None
                pos = m.end()
                if new_state is not None:
                    _transition(statestack, new_state)
                    statetokens = tokendefs[statestack[-1]]
                if text[pos - 1] == "\n":
                    yield Text, "", tuple(statestack)
                break
        else:
            if pos >= len(text):
                return
            if text[pos] == "\n":
                statestack = ["root"]  # at the end of a line, back to the top
                statetokens = tokendefs["root"]
                yield Whitespace, "\n", None
                pos += 1
                yield Text, "", TOP
                continue
            yield Error, text[pos], None
            pos += 1


def _transition(statestack: list[str], new_state: Any) -> None:
    """Apply a rule's state change to the stack, as RegexLexer does."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif state == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(state)
    elif isinstance(new_state, int):
        # Pop, but keep at least one state on the stack.
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise ValueError(f"wrong state def: {new_state!r}")
