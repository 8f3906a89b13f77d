"""Driving the installed `llmchat` REPL in a real pseudo-terminal, as a person types.

What the REPL shows is read off a terminal model of the pty (terminal_screen.py), not out
of the byte stream: a reply's rows are updated in place as they stream.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from conftest import Sandbox
from terminal_screen import Screen, ScreenLog, ScreenText

PROMPT = "›"


class Chat:
    """A running `llmchat` REPL in a pty, and the screen it draws on."""

    def __init__(self, child: pexpect.spawn, prompt: str = PROMPT) -> None:
        self.child = child
        self.prompt = prompt
        rows, columns = child.getwinsize()
        self.screen = Screen(rows, columns)
        self._log = ScreenLog(self.screen)
        child.logfile_read = self._log

    def wait_prompt(self, timeout: float = 15) -> None:
        self.expect(self.prompt, timeout=timeout)

    def transcript(self) -> str:
        """Everything the REPL has written so far, escape sequences and all."""
        return self._log.getvalue()

    def since(self) -> Since:
        """A bookmark: what the REPL writes and shows from now on."""
        return Since(self, len(self.transcript()), self.screen.mark.row)

    def send(self, line: str) -> None:
        self.child.send(line + "\r")

    def expect(self, text: str, timeout: float = 15) -> None:
        """Wait until `text` shows on one row of the screen, after the last thing expected."""
        self.child.expect_loop(ScreenText(self.screen, text), timeout=timeout)

    def expect_sequence(self, sequence: str, timeout: float = 15) -> None:
        """Wait for a control sequence in the byte stream (OSC 52 and the like: what the
        terminal is told to do, which the screen does not show)."""
        self.child.expect_exact(sequence, timeout=timeout)

    def ask(self, line: str, expect: str) -> None:
        self.send(line)
        self.expect(expect)
        self.wait_prompt()


@dataclass(frozen=True)
class Since:
    """What a chat wrote and showed after a point: the bytes, and the screen's rows."""

    chat: Chat
    offset: int
    row: int

    def written(self) -> str:
        """The bytes written since, escape sequences and all."""
        return self.chat.transcript()[self.offset :]

    def rows(self) -> list[str]:
        """The rows shown since (the row the point was on, and every row after it)."""
        return self.chat.screen.rows(self.row)


StartChat = Callable[..., Chat]


@pytest.fixture
def start_chat(llmchat_bin: Path, sandbox: Sandbox) -> Iterator[StartChat]:
    children: list[pexpect.spawn] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        rows: int = 24,
        cols: int = 80,
        prompt: str = PROMPT,
    ) -> Chat:
        full_env = {
            **sandbox.env,
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            **(env or {}),
        }
        child = pexpect.spawn(
            str(llmchat_bin),
            list(args),
            env=full_env,
            cwd=str(sandbox.cwd),
            dimensions=(rows, cols),
            encoding="utf-8",
            codec_errors="replace",
            timeout=15,
        )
        children.append(child)
        chat = Chat(child, prompt)
        chat.wait_prompt()
        return chat

    yield start
    for child in children:
        if child.isalive():
            child.kill(signal.SIGKILL)
        child.close()
