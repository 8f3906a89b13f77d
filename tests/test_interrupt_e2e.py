"""Ctrl+C while llmchat is still starting (before the REPL's first prompt, before a
one-shot's request): exit 130, one newline, no traceback.

To press Ctrl+C at a known moment of start-up, the config file is a named pipe: llmchat
blocks reading it until the test writes, and the test knows llmchat got there because
its own (writing) end of the pipe can only open once llmchat's (reading) end is open.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pexpect
from conftest import TEST_KEY, Sandbox
from fakeserver import FakeOpenAI

EXIT_INTERRUPTED = 130


def _writer_end(fifo: Path, wait: float = 15) -> int:
    """Our end of the FIFO, opened as soon as llmchat has opened its end to read it.

    O_NONBLOCK makes the open fail with ENXIO while nobody reads; `wait` only bounds a
    llmchat that never gets there (the test then fails on the OSError)."""
    give_up = time.monotonic() + wait
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > give_up:
                raise
            time.sleep(0.01)


def _interrupt_during_startup(
    llmchat_bin: Path, sandbox: Sandbox, server: FakeOpenAI, *args: str
) -> pexpect.spawn:
    """Start llmchat in a pty, wait until it reads its config, press Ctrl+C, wait for exit."""
    os.mkfifo(sandbox.config_dir / "config.toml")
    env = {
        **sandbox.env,
        "OPENAI_API_KEY": TEST_KEY,
        "OPENAI_BASE_URL": server.base_url,
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    child = pexpect.spawn(
        str(llmchat_bin),
        list(args),
        env=env,
        cwd=str(sandbox.cwd),
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=15,
    )
    writer = _writer_end(sandbox.config_dir / "config.toml")
    try:
        child.sendintr()  # the terminal's Ctrl+C: SIGINT to the foreground process group
        child.expect(pexpect.EOF)
    finally:
        os.close(writer)
        child.close()
    return child


def test_ctrl_c_before_the_first_prompt_exits_130(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    child = _interrupt_during_startup(llmchat_bin, sandbox, fake_server)
    output = child.before or ""
    assert child.exitstatus == EXIT_INTERRUPTED, output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert "›" not in output  # it never got as far as the prompt
    assert fake_server.chat_requests() == []


def test_ctrl_c_before_a_one_shot_request_exits_130(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    child = _interrupt_during_startup(llmchat_bin, sandbox, fake_server, "never sent")
    output = child.before or ""
    assert child.exitstatus == EXIT_INTERRUPTED, output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert fake_server.requests == []
    assert not (sandbox.data_dir / "chats").exists() or not any(
        (sandbox.data_dir / "chats").iterdir()
    )
