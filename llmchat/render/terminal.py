"""The controlling terminal's input side while llmchat is printing a reply.

Between prompts (and all through one-shot mode) the terminal is in cooked mode: it
echoes what is typed, "^C" included, right where the cursor stands. An echo in the
middle of a live redraw moves the cursor behind the renderer's back, and its next
"cursor up N" lands one row off: a line printed twice. So while a reply is shown, echo
is off; NOFLSH keeps keys typed ahead (Enter included) for the next prompt, as bash does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from llmchat.environment import Environment


def _terminal_fd(env: Environment) -> tuple[int, bool] | None:
    """stdin if it is the terminal, else /dev/tty when a reply goes to one (`git diff |
    llmchat "review"`); the bool says whether we opened it (and must close it)."""
    if env.stdin_isatty:
        try:
            return env.stdin.fileno(), False
        except (AttributeError, OSError, ValueError):
            return None
    if env.stdout_isatty:
        try:
            return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY), True
        except OSError:
            return None
    return None


@contextlib.contextmanager
def quiet_typeahead(env: Environment) -> Iterator[None]:
    """Echo off (and typeahead kept) for the duration; restored however it ends."""
    try:
        import termios
    except ImportError:  # Windows: no termios, and no such echo either
        yield
        return
    found = _terminal_fd(env)
    if found is None:
        yield
        return
    fd, opened = found
    try:
        saved = termios.tcgetattr(fd)
    except (OSError, termios.error):
        if opened:
            os.close(fd)
        yield
        return
    quiet = list(saved)
    quiet[3] = (quiet[3] & ~termios.ECHO) | termios.NOFLSH
    try:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        yield
    finally:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        if opened:
            os.close(fd)
