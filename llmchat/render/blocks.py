"""The top-level block structure of an answer: what streaming commits by.

A block is printed once it can no longer change, and printed exactly as it looks inside
the whole answer: that needs rich's rule for blank lines between blocks (mirrored here)
and, for fenced code, how a fence closes and how its lines become code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it.token import Token
from rich.markdown import MarkdownElement, UnknownElement

from llmchat.render.markdown import AnswerMarkdown


@dataclass(frozen=True)
class Block:
    """One top-level Markdown block: its tokens and the source lines [first, end) it spans."""

    tokens: list[Token]
    first_line: int
    end_line: int

    @property
    def kind(self) -> str:
        return self.tokens[0].type

    @property
    def new_line_after(self) -> bool:
        """rich's `new_line` once this block is drawn: a blank line precedes the next block,
        except after a rule (which draws its own)."""
        return _element(self.kind).new_line

    def blank_line_before(self, new_line: bool) -> bool:
        """Whether rich draws a blank line before this block, given its `new_line` so far.

        rich draws one before each element it renders if the last element it closed asked
        for it. A block rendered on its own starts with that state False, so it differs
        from the block rendered in place only if its first closed element is also rendered
        (a paragraph, a fence, an image in a paragraph). Inside a container the first closed
        element is a child the container keeps, and the state is set before anything shows.
        """
        return new_line and _first_close_renders(self.tokens)


_NOT_ELEMENTS = frozenset(
    ("text", "hardbreak", "softbreak", "link_open", "link_close", "html_inline")
)


def _element(token_type: str) -> type[MarkdownElement]:
    return AnswerMarkdown.elements.get(token_type) or UnknownElement


def _flatten(tokens: list[Token]) -> Iterator[Token]:
    """The token order rich's Markdown walks (inline children in place of their parent)."""
    for token in tokens:
        if token.children and token.type != "fence" and token.tag != "img":
            yield from _flatten(token.children)
        else:
            yield token


def _first_close_renders(tokens: list[Token]) -> bool:
    """Mirror of rich's Markdown walk up to the first element it closes: is that one drawn?"""
    stack: list[type[MarkdownElement]] = []
    for token in _flatten(tokens):
        styled_inline = token.tag in AnswerMarkdown.INLINES and token.type not in (
            "fence",
            "code_block",
        )
        if token.type in _NOT_ELEMENTS or styled_inline:
            continue
        if token.nesting == 1:
            stack.append(_element(token.type))
            continue
        if token.nesting == -1:
            stack.pop()
        if token.type == "inline":  # rich draws no blank line before an inline element
            return False
        return not stack or stack[-1].on_child_close is MarkdownElement.on_child_close
    return False


def split_blocks(tokens: list[Token]) -> list[Block]:
    """Group a token stream into its top-level blocks (opening or self-closing at level 0)."""
    starts = [i for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0 and t.map]
    blocks = []
    for number, start in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else len(tokens)
        line_map = tokens[start].map or [0, 0]
        blocks.append(Block(tokens[start:stop], line_map[0], line_map[1]))
    return blocks


@dataclass(frozen=True)
class Fence:
    """An open fenced code block: how it closes, and how its lines become code."""

    marker: str
    indent: int
    lexer: str

    @classmethod
    def of(cls, block: Block, lines: list[str]) -> Fence | None:
        """The fence `block` opens if it is a fenced code block not yet closed, else None."""
        token = block.tokens[0]
        if block.kind != "fence":
            return None
        opening = lines[block.first_line]
        fence = cls(
            marker=token.markup,
            indent=len(opening) - len(opening.lstrip(" ")),
            lexer=token.info.partition(" ")[0] or "text",
        )
        last = block.end_line - 1
        if last > block.first_line and fence.closes(lines[last]):
            return None
        return fence

    def closes(self, line: str) -> bool:
        """CommonMark: up to 3 spaces, at least as many marker characters, then only blanks."""
        body = line.rstrip("\n").lstrip(" ")
        if len(line.rstrip("\n")) - len(body) > 3:
            return False
        run = len(body) - len(body.lstrip(self.marker[0]))
        return run >= len(self.marker) and not body[run:].strip(" \t")

    def code_line(self, line: str) -> str:
        """A source line as code: up to the fence's own indentation removed, as markdown-it does."""
        stripped = line.lstrip(" ")
        return line[min(self.indent, len(line) - len(stripped)) :]


_FENCE_SO_FAR = re.compile(r" {0,3}(`+|~+)")


def may_be_fence(partial_line: str) -> bool:
    """Whether an unfinished line is so far only a fence's marker (up to 3 spaces, then
    backticks or tildes): it may yet open or close a code block, and drawn as it stands
    it would flash for a frame as text, or as a line of code."""
    return _FENCE_SO_FAR.fullmatch(partial_line) is not None
