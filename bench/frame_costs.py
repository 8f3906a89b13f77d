"""Where a live frame's CPU goes, part by part, for a reply fed at a real model's pace.

The 2,000-token reply of render_bench.make_reply is fed as TextDelta events at --rate
tokens/s to the live renderer, in this process, drawing to /dev/null as a 24x100
truecolor terminal. Each part of the frame is timed with the thread's CPU clock:
`advance` (what became final, rendered once), the live part (an open code block apart
from the rest), and `Screen.draw` (the diff against the screen and the bytes written).

    python bench/frame_costs.py [--rate 100]

Run it from the repository root with the Python of the venv llmchat is installed in.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="tokens per second")
    args = parser.parse_args(argv)

    from render_bench import make_reply, split_tokens
    from rich.console import Console

    from llmchat.events import TextDelta, TurnStats, Usage
    from llmchat.render.live import LiveRenderer
    from llmchat.render.screen import Screen
    from llmchat.render.stream import MarkdownStream

    spent: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter[str] = collections.Counter()

    def timed(owner: type, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def wrapper(*call_args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return original(*call_args, **kwargs)
            finally:
                spent[label] += time.thread_time() - began
                calls[label] += 1

        setattr(owner, name, wrapper)

    timed(MarkdownStream, "advance", "advance (what became final)")
    timed(MarkdownStream, "_live_fence", "live: an open code block")
    timed(MarkdownStream, "live", "live: all (code block included)")
    timed(Screen, "draw", "draw (diff and write)")
    timed(LiveRenderer, "_frame", "whole frame")

    tokens = split_tokens(make_reply(2000))
    events = [TextDelta(token) for token in tokens]  # built by the wire, not timed here
    with open("/dev/null", "w", encoding="utf-8") as sink:
        console = Console(
            file=sink, force_terminal=True, width=100, height=24, color_system="truecolor"
        )
        renderer = LiveRenderer(console)
        renderer.start()
        began = time.monotonic()
        for index, event in enumerate(events):
            due = began + index / args.rate
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            renderer.feed(event)
        renderer.finish(TurnStats(usage=Usage(completion_tokens=len(tokens))))
    print(f"{len(tokens):,} tokens at {args.rate:,.0f} tok/s, {calls['whole frame']} frames\n")
    print("| part | CPU s | calls | ms per call |")
    print("|---|---:|---:|---:|")
    for label, seconds in spent.items():
        print(f"| {label} | {seconds:.3f} | {calls[label]} | {seconds / calls[label] * 1000:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
