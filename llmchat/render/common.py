"""What both renderers share and none of it needs rich: text hygiene, the status line's
wording, durations, and the small thread that animates the waiting spinner.

Kept free of rich so the plain (pipe) path never pays for importing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from llmchat.events import TurnStats

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_SPINNER_FRAMES = "|/-\\"


def spinner_frames(encoding: str | None) -> str:
    """Braille dots where the output can encode them, else a plain |/-\\ (latin-1, C locale)."""
    try:
        SPINNER_FRAMES.encode(encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return ASCII_SPINNER_FRAMES
    return SPINNER_FRAMES


TICK_SECONDS = 0.08

# C0 controls (but tab and newline), DEL and C1 controls become their visible
# "control picture" (ESC shows as ␛): model text must not drive the terminal.
# Carriage returns are dropped so "\r\n" line ends stay single newlines.
_CONTROL_PICTURES: dict[int, int | None] = {
    code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)
}
_CONTROL_PICTURES[0x0D] = None
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES.update({code: 0xFFFD for code in range(0x80, 0xA0)})


def neutralise(text: str) -> str:
    """Model text made safe for a terminal: no escape sequences, no carriage returns."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL_PICTURES)


def format_seconds(seconds: float) -> str:
    """A duration the way people say it: 0.8 s, 12 s, 2 min 5 s ("<0.1 s", never "0.0 s")."""
    if seconds < 0.05:
        return "<0.1 s"
    # Each form up to where it would round into the next one's range: 9.97 s is "10 s"
    # (not "10.0 s", a form a spinner would show once), 59.7 s is "1 min 0 s".
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def status_text(
    stats: TurnStats,
    *,
    first_token_after: float | None,
    generating_for: float,
    finish_reason: str | None,
) -> str:
    """The closing line: tokens, speed, time to first token, cost, and why it stopped early."""
    parts: list[str] = []
    usage = stats.usage
    if usage is not None and usage.completion_tokens:
        approx = "~" if usage.estimated else ""
        parts.append(f"{approx}{usage.completion_tokens:,} tokens")
        if usage.reasoning_tokens:
            parts[-1] += f" ({approx}{usage.reasoning_tokens:,} reasoning)"
        if generating_for > 0.05:
            parts.append(f"{approx}{usage.completion_tokens / generating_for:,.1f} tok/s")
    if first_token_after is not None:
        parts.append(f"first token {format_seconds(first_token_after)}")
    if stats.cost:
        parts.append(stats.cost)
    if finish_reason not in (None, "stop", "tool_calls"):
        parts.append(f"stopped: {finish_reason}")
    if stats.interrupted:
        parts.append(INTERRUPTED)
    return STATUS_SEPARATOR.join(parts)


STATUS_SEPARATOR = " · "

#: What a reply stopped by Ctrl+C says, last on its status line (one-shot and REPL alike),
#: under a compared answer, in the scoreboard and in the notes: one word, one place.
INTERRUPTED = "interrupted"


def fit_status(status: str, width: int) -> str:
    """`status` broken into lines at its separators so that no figure is cut in two
    ("first token 0.5" on one line and "s" on the next, in a 40-column window)."""
    from llmchat.render.wrapping import cells

    lines: list[str] = []
    for part in status.split(STATUS_SEPARATOR):
        if lines and cells(lines[-1]) + cells(STATUS_SEPARATOR) + cells(part) <= width:
            lines[-1] += STATUS_SEPARATOR + part
        else:
            lines.append(part)
    return "\n".join(lines)


class Ticker:
    """Calls `tick` on a daemon thread until stopped: TICK_SECONDS after the last call,
    or as many seconds as that call returned (never fewer than TICK_SECONDS).

    The renderer's lock is the caller's business: `tick` takes it, so the spinner and
    a pending redraw never interleave with what the main thread writes.
    """

    def __init__(self, tick: Callable[[], float | None]) -> None:
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="llmchat-render", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait, so nothing is drawn after the caller's final output."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        delay = TICK_SECONDS
        while not self._stop.wait(delay):
            delay = max(TICK_SECONDS, self._tick() or 0.0)
