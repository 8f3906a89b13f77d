"""Driving the installed `llmchat` REPL in a real pseudo-terminal, as a person types."""

from __future__ import annotations

import io
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import Sandbox

PROMPT = "›"


class Chat:
    """A running `llmchat` REPL in a pty."""

    def __init__(self, child: pexpect.spawn, prompt: str = PROMPT) -> None:
        self.child = child
        self.prompt = prompt
        self._log = io.StringIO()
        child.logfile_read = self._log

    def wait_prompt(self, timeout: float = 15) -> None:
        self.child.expect_exact(self.prompt, timeout=timeout)

    def transcript(self) -> str:
        """Everything the REPL has written so far, escape sequences and all."""
        return self._log.getvalue()

    def send(self, line: str) -> None:
        self.child.send(line + "\r")

    def expect(self, text: str, timeout: float = 15) -> None:
        self.child.expect_exact(text, timeout=timeout)

    def ask(self, line: str, expect: str) -> None:
        self.send(line)
        self.expect(expect)
        self.wait_prompt()


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
