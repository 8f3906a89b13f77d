"""What the REPL writes between prompts: dim notes, errors in red, a long paste summed up,
and the OSC 52 copy. Lines are wrapped to the terminal and made printable here, so no
caller writes raw text past the prompt.
"""

from __future__ import annotations

import base64

from llmchat.environment import Environment
from llmchat.render.wrapping import wrap_text

#: Inputs longer than this are summed up in the transcript (a paste of a whole file).
LONG_INPUT_LINES = 8


def is_long(text: str) -> bool:
    return text.count("\n") >= LONG_INPUT_LINES


def input_summary(text: str, width: int, shown: int = 2) -> list[str]:
    """A long input as the transcript keeps it: its first lines, then how many in all."""
    lines = text.split("\n")
    room = max(10, width - 3)
    head = [line if len(line) <= room else line[: room - 1] + "…" for line in lines[:shown]]
    count = len(lines) - text.endswith("\n")  # a last newline ends a line, starts none
    return [*head, f"… {count} lines"]


def say(env: Environment, text: str, *, dim: bool = False, error: bool = False) -> None:
    """One remark, wrapped to the terminal; dim or red where colour is on."""
    if not text:
        return
    text = "\n".join(wrap_text(env.printable(text), env.width()))
    if env.color and (dim or error):
        code = "31" if error else "2"
        text = f"\x1b[{code}m{text}\x1b[0m"
    env.stdout.write(text + "\n")
    env.stdout.flush()


def show_summary(env: Environment, line: str) -> None:
    """A long input's first lines under the prompt sign, then how many lines it had."""
    head, *rest = input_summary(line, env.width())
    prompt = env.printable("›")
    env.stdout.write(f"\x1b[1m{prompt}\x1b[0m {head}\n" if env.color else f"{prompt} {head}\n")
    say(env, "\n".join("  " + part for part in rest), dim=True)


def copy_to_clipboard(env: Environment, text: str) -> None:
    """OSC 52: the terminal puts `text` on the clipboard (over SSH too)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    env.stdout.write(f"\x1b]52;c;{payload}\x07")
    env.stdout.flush()
