"""How the answer's Markdown looks: one parser, rich's renderer taught CJK wrapping,
and the rows of a block or of a run of code lines.

Everything that decides how a piece of Markdown looks lives here, so a reply rendered
block by block and the same reply rendered at once cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from typing import Any, ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console, ConsoleOptions, JustifyMethod
from rich.markdown import (
    Heading,
    Markdown,
    MarkdownContext,
    MarkdownElement,
    Paragraph,
    TableDataElement,
)
from rich.segment import Segment
from rich.syntax import Syntax

from llmchat.render.cjk import CJKText
from llmchat.render.common import neutralise

CODE_THEME = "monokai"

Row = list[Segment]


class _Paragraph(Paragraph):
    def on_enter(self, context: MarkdownContext) -> None:
        super().on_enter(context)
        self.text = CJKText(justify="left")


class _Heading(Heading):
    def on_enter(self, context: MarkdownContext) -> None:
        super().on_enter(context)
        self.text = CJKText()


class _TableData(TableDataElement):
    def __init__(self, justify: JustifyMethod) -> None:
        super().__init__(justify)
        self.content = CJKText("", justify=justify)


class AnswerMarkdown(Markdown):
    """rich's Markdown over tokens we parsed, wrapping paragraphs, headings and cells CJK-aware.

    Links print as "text (url)": the URL stays visible and copyable on every terminal,
    and output carries no per-run hyperlink ids (so equal input renders to equal bytes).
    """

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "paragraph_open": _Paragraph,
        "heading_open": _Heading,
        "th_open": _TableData,
        "td_open": _TableData,
    }
    # "link_url" styles autolinks, whose text is their URL (see `_tidy_links`).
    INLINES = frozenset({*Markdown.inlines, "link_url"})
    _settings: ClassVar[dict[str, Any] | None] = None

    def __init__(self, tokens: list[Token]) -> None:
        # rich's __init__ builds a markdown-it parser and parses: a quarter of a
        # millisecond per block, wasted on tokens we already have. Its attributes are
        # copied from one instance made once instead.
        if AnswerMarkdown._settings is None:
            super().__init__("", code_theme=CODE_THEME, hyperlinks=False)
            self.inlines = set(self.INLINES)
            AnswerMarkdown._settings = dict(vars(self))
        self.__dict__.update(AnswerMarkdown._settings)
        self.parsed = tokens


def _tidy_links(tokens: list[Token]) -> None:
    """Turn links whose text is their URL into styled text, so the URL is not shown twice."""
    for token in tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type != "link_open":
                continue
            end = next(
                (i for i in range(index + 1, len(children)) if children[i].type == "link_close"),
                None,
            )
            if end is None:
                continue
            shown = "".join(c.content for c in children[index + 1 : end] if c.type == "text")
            href = str(child.attrs.get("href", ""))
            if href in (shown, f"mailto:{shown}"):
                for link_token, kind in (
                    (child, "link_url_open"),
                    (children[end], "link_url_close"),
                ):
                    link_token.type = kind
                    link_token.tag = "link_url"


class MarkdownParser:
    """One markdown-it parser and the link references seen so far in this answer."""

    def __init__(self) -> None:
        # html off: "use the <div> tag" means the text; rich would silently drop the tag.
        self._parser = MarkdownIt("commonmark", {"html": False})
        self._parser.enable("strikethrough").enable("table")
        self._references: dict[str, Any] = {}

    def parse(self, text: str, *, keep_references: bool) -> list[Token]:
        """Parse `text`; with keep_references, link definitions in it count for later text.

        Only text that can no longer change may keep its references: markdown-it keeps
        the first definition of a label, so a half-written one would stick.
        """
        env: MutableMapping[str, Any] = {"references": dict(self._references)}
        tokens = self._parser.parse(text, env)
        if keep_references:
            self._references = env["references"]
        _tidy_links(tokens)
        return tokens


def answer_markdown(text: str) -> AnswerMarkdown:
    """The whole answer rendered at once: what the streamed reply's scrollback equals."""
    return AnswerMarkdown(MarkdownParser().parse(neutralise(text), keep_references=True))


@functools.lru_cache(maxsize=64)
def lexer_for(name: str) -> Any:
    """The pygments lexer rich's Syntax makes for `name` (its options), made once: finding
    a lexer by name costs more than lexing a line, and a live code block is rendered every
    frame. The name itself where pygments has no such lexer (rich draws plain text)."""
    return Syntax("", name).lexer or name


def code_rows(
    console: Console,
    code: str,
    lexer: str,
    *,
    first: int = 0,
    stop: int | None = None,
    top: bool = True,
    bottom: bool = True,
) -> list[Row]:
    """Rows of a fenced code block, exactly as rich's Markdown draws it, for lines [first, stop).

    Rows for a range are the same rows the whole block has there (each line wraps on its
    own), so a long block can be printed a piece at a time and still read as one.
    """
    syntax = Syntax(
        code,
        lexer_for(lexer),
        theme=CODE_THEME,
        word_wrap=True,
        padding=(int(top), 1, int(bottom), 1),
        line_range=None if first == 0 and stop is None else (first + 1, stop),
    )
    return console.render_lines(syntax, _options(console), pad=False)


def markdown_rows(console: Console, tokens: list[Token]) -> list[Row]:
    """Rows of a token stream rendered by `AnswerMarkdown`."""
    if not tokens:
        return []
    return console.render_lines(AnswerMarkdown(tokens), _options(console), pad=False)


def _options(console: Console) -> ConsoleOptions:
    return console.options.update(height=None)
