"""CPU to stream one long fenced code block through the live renderer.

A 2,102-line Python block is fed 16 characters at a time, with a frame drawn every 15
pieces (back to back, no pacing), to a 24-row terminal: what printing a long block's
settled runs costs, lexing included.

    python bench/long_code.py   (run it in a pty, e.g. `script -qc "…" /dev/null`)

Run it with the Python of the venv llmchat is installed in; the figure goes to stderr.
"""

from __future__ import annotations

import sys
import time

from llmchat.environment import Environment
from llmchat.events import TextDelta, TurnStats, Usage
from llmchat.render.live import LiveRenderer
from llmchat.render.renderer import terminal_console


def main() -> int:
    code = "```python\n" + "".join(
        f'def f_{i}(a, b="x{i}"):\n    """Doc {i}"""\n    return a + {i}  # c\n' for i in range(700)
    )
    code += "```\n"
    pieces = [code[i : i + 16] for i in range(0, len(code), 16)]
    renderer = LiveRenderer(terminal_console(Environment.from_process()), frame_seconds=1e9)
    renderer.start()
    began = time.process_time()
    for index, piece in enumerate(pieces):
        renderer.feed(TextDelta(piece))
        if index % 15 == 0:
            with renderer._lock:  # a frame now, as `feed` draws one when due
                renderer._take_inbox()
                renderer._frame()
    renderer.finish(TurnStats(usage=Usage(completion_tokens=len(pieces))))
    lines = len(code.splitlines())
    print(f"\n{lines:,} lines: {time.process_time() - began:.2f} s CPU", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
