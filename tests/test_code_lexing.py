"""code_lexing.lex_lines gives pygments' own tokens, and lexing again from a line's
recorded stack gives what lexing from the top gives."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pygments.token import Text

from llmchat.render.code_lexing import TOP, lex_lines, resumable
from llmchat.render.markdown import lexer_for


def pygments_lines(lexer: Any, source: str, first: int, stop: int) -> tuple[list[Any], list[bool]]:
    """The reference: pygments' own `get_tokens` over the whole source, split into lines
    [first, stop), and whether each line's newline was lexed as plain text."""
    lines: list[list[tuple[Any, str]]] = [[]]
    at_top: list[bool] = []
    for token_type, value in lexer.get_tokens(source):
        while value:
            piece, newline, value = value.partition("\n")
            if piece:
                lines[-1].append((token_type, piece))
            if newline:
                at_top.append(token_type in Text)
                lines.append([])
    # A last line without a newline of its own leaves the lexer where the one before did.
    at_top.extend([at_top[-1] if at_top else True] * (len(lines) - len(at_top)))
    return lines[first:stop], at_top[first:stop]


SAMPLES = {
    "python": 'def f(x):\n    """Doc\n    string"""\n    s = \'a\\\'b\'  # c\n'
    '    return f"{x!r} and {x}"\n\nclass A(B):\n    @property\n    def g(self) -> int:\n'
    "        return 0x1F + 1e3\n",
    "rust": 'fn main() {\n    let s = "multi\nline";\n    /* block\n comment */\n'
    '    println!("{}", s);\n}\n',
    "javascript": "const a = `tmpl ${x}\nmore`;\n// c\nfunction f() { return /re+/g; }\n",
    "bash": 'cat <<EOF\nhello $x\nEOF\necho "a\nb" # c\nfor i in 1 2; do\n  echo $i\ndone\n',
    "html": '<div class="a">\n<script>\nvar x = 1;\n</script>\n<!-- c\n-->\n</div>\n',
    "c": "int main() {\n  /* c */\n  return 0;\n}\n",
    "json": '{\n "a": [1, 2,\n 3]\n}\n',
    "yaml": "a: 1\nb:\n  - x\n  - 'y\n    z'\n",
    "sql": "SELECT a,\n  'multi\nline'\nFROM t -- c\nWHERE x = 1;\n",
    "diff": "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n",
    "python-tabs": "def f():\n\treturn 1\n",
    # A token that spans lines: a fenced block without a language is one token here.
    "markdown": "# Title\n\n```\nplain\ncode\n```\ntext after\n\n```\nmore\n```\nend\n",
}


def _lexer(language: str) -> Any:
    lexer = lexer_for(language.split("-")[0])
    assert not isinstance(lexer, str)
    return lexer


@pytest.mark.parametrize(("language", "code"), list(SAMPLES.items()))
def test_from_the_top_it_gives_pygments_tokens(language: str, code: str) -> None:
    lexer = _lexer(language)
    code = code.rstrip("\n")
    count = len(code.split("\n"))
    for first in range(count):
        for stop in range(first + 1, count + 1):
            tokens, at_top = pygments_lines(lexer, code, first, stop)
            lexed = lex_lines(lexer, code, first=first, stop=stop)
            assert (lexed.lines, lexed.at_top) == (tokens, at_top), (first, stop)


@pytest.mark.parametrize(("language", "code"), list(SAMPLES.items()))
def test_lexing_again_from_a_line_start_gives_what_the_top_gives(language: str, code: str) -> None:
    """From every stack recorded by a lexing that stopped at any line."""
    lexer = _lexer(language)
    code = code.rstrip("\n")
    count = len(code.split("\n"))
    whole = lex_lines(lexer, code, first=0, stop=count)
    if not resumable(lexer, code):
        assert whole.starts == {}  # C's lexer has its own loop; tabs are expanded
        return
    assert whole.starts, "a lexer that never starts a line on a token boundary"
    for stop in range(1, count + 1):
        for line, stack in lex_lines(lexer, code, first=0, stop=stop).starts.items():
            assert line <= stop
            again = lex_lines(lexer, code, first=line, stop=count, start=line, stack=stack)
            assert (again.lines, again.at_top) == (whole.lines[line:], whole.at_top[line:]), (
                stop,
                line,
            )


def test_a_growing_block_lexed_a_run_at_a_time_matches_the_whole() -> None:
    """As stream.py prints a long block: each run lexed from the last recorded stack."""
    code = "\n".join(
        line
        for _ in range(30)
        for line in ['def f(a, b="x"):', '    """Doc', '    more"""', "    return a  # c", ""]
    )
    lexer = _lexer("python")
    lines = code.split("\n")
    whole = lex_lines(lexer, code, first=0, stop=len(lines))
    rnd = random.Random(3)
    starts = {0: TOP}
    printed = 0
    while printed < len(lines):
        stop = min(len(lines), printed + rnd.randint(1, 12))
        start = max(line for line in starts if line <= printed)
        run = lex_lines(lexer, code, first=printed, stop=stop, start=start, stack=starts[start])
        assert run.lines == whole.lines[printed:stop]
        starts.update((line, stack) for line, stack in run.starts.items() if line <= stop)
        printed = stop
