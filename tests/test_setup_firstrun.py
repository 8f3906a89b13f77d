"""A bare `llmchat` on a terminal with nothing usable: the installed command in a pty finds a
local server by itself, or runs the setup and then opens the chat with what it saved."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import Chat

from llmchat.setup.detect import PROBES_VAR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def bare(llmchat_bin: Path, sandbox: Sandbox) -> Iterator[list[pexpect.spawn]]:
    children: list[pexpect.spawn] = []
    yield children
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def _spawn(children: list[pexpect.spawn], llmchat_bin: Path, sandbox: Sandbox, **env: str) -> Chat:
    """The bare command in a 40x120 pty, read off its screen (the setup's questions too)."""
    child = pexpect.spawn(
        str(llmchat_bin),
        [],
        env={**sandbox.env, "PROMPT_TOOLKIT_NO_CPR": "1", PROBES_VAR: "", **env},
        cwd=str(sandbox.cwd),
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 120),
    )
    children.append(child)
    return Chat(child)


def test_a_local_server_is_used_and_named_in_the_banner(
    bare: list[pexpect.spawn], llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    fake_server.models = ["llama3.2"]
    probes = f"ollama=127.0.0.1:{fake_server.port}"
    chat = _spawn(bare, llmchat_bin, sandbox, **{PROBES_VAR: probes})
    chat.expect(f"llmchat · Ollama at 127.0.0.1:{fake_server.port} · llama3.2")
    chat.expect("›")
    chat.child.send("hello\r")
    chat.expect("echo: hello")
    assert fake_server.last.model == "llama3.2"
    chat.expect("›")
    chat.child.send("/exit\r")
    chat.child.expect(pexpect.EOF)
    assert list(sandbox.config_dir.iterdir()) == []  # found, not saved: nothing to undo


def test_the_setup_runs_and_the_chat_opens_with_the_saved_key(
    bare: list[pexpect.spawn], llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    fake_server.require_key = TEST_KEY
    chat = _spawn(bare, llmchat_bin, sandbox, OPENAI_BASE_URL=fake_server.base_url)
    # The setup's questions in the bytes: "(hidden): " ends in the space the cursor waits
    # after, which a screen row does not keep.
    chat.child.expect_exact("Provider [")
    chat.child.send("openai\r")
    chat.child.expect_exact("(hidden): ")
    chat.child.send(TEST_KEY + "\r")
    chat.child.expect_exact("Model [")
    chat.child.send("fake-model\r")
    chat.expect("llmchat · OpenAI · fake-model")
    chat.expect("›")
    chat.child.send("hi there\r")
    chat.expect("echo: hi there")
    assert fake_server.last.api_key == TEST_KEY
    chat.expect("›")
    chat.child.send("/exit\r")
    chat.child.expect(pexpect.EOF)
    config = tomllib.loads((sandbox.config_dir / "config.toml").read_text())
    assert config == {"provider": "openai", "model": "fake-model"}


def test_with_a_key_there_is_no_setup(
    bare: list[pexpect.spawn], llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    env = {"OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": TEST_KEY}
    chat = _spawn(bare, llmchat_bin, sandbox, **env)
    chat.expect("llmchat · OpenAI · gpt-4o-mini")
    chat.expect("›")
    chat.child.send("/exit\r")
    chat.child.expect(pexpect.EOF)
    assert "setup" not in (chat.child.before or "")
    assert list(sandbox.config_dir.iterdir()) == []
