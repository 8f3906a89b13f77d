"""Issue 12, "nothing lost": Ctrl+C storms, SIGKILL, two REPLs on one chat, a failing disk.

The installed `llmchat` in a pty against the loopback fake server; what is on disk is
read back with the store's own reader, as `llmchat -c` would read it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import Chat, Since, StartChat

from llmchat.store import ChatStore, LoadedChat
from llmchat.store.records import MessageRecord

#: Storm rounds in CI; `LLMCHAT_STORM_ROUNDS=20` runs the issue's full twenty by hand.
STORM_ROUNDS = int(os.environ.get("LLMCHAT_STORM_ROUNDS", "3"))
SLOW_REPLY = " ".join(f"word{n}" for n in range(300))


def _env(server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url, **extra}


def _chats(sandbox: Sandbox) -> list[LoadedChat]:
    store = ChatStore(sandbox.data_dir)
    return [store.load(chat_id) for chat_id in store.ids()]


def _messages(chat: LoadedChat) -> list[MessageRecord]:
    return [r for r in chat.records if isinstance(r, MessageRecord) and r.role != "system"]


def _record(chat: Chat) -> Since:
    """Everything the REPL writes from now on (pexpect's `before` holds only a window)."""
    return chat.since()


def _storm(chat: Chat, rng: random.Random, count: int = 20) -> None:
    for _ in range(count):
        chat.child.sendcontrol("c")
        time.sleep(rng.uniform(0.005, 0.05))


def test_ctrl_c_storm_during_replies_keeps_the_repl_and_the_order(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    rng = random.Random(12)
    chat = start_chat(env=_env(fake_server))
    log = _record(chat)
    for n in range(STORM_ROUNDS):
        fake_server.reply(text=SLOW_REPLY, chunk_size=6, chunk_delay=0.04)
        chat.send(f"question {n}")
        chat.expect("word1")
        _storm(chat, rng)
        chat.expect(" · interrupted")  # the status line's last word, figures before it
        time.sleep(0.3)  # the storm's last keys reach the prompt
        assert chat.child.isalive()
    chat.ask("still here?", "echo: still here?")
    chat.send("/exit")
    chat.child.expect(pexpect.EOF)
    assert "^C" not in log.written()  # item 11: no echoed glyphs between prompts
    (saved,) = _chats(sandbox)
    messages = _messages(saved)
    expected_questions = [f"question {n}" for n in range(STORM_ROUNDS)] + ["still here?"]
    assert [m.role for m in messages] == ["user", "assistant"] * len(expected_questions)
    assert [m.content for m in messages if m.role == "user"] == expected_questions
    for answer in messages[1:-2:2]:
        assert answer.interrupted and answer.content.startswith("word0")
    assert messages[-1].content == "echo: still here?"


def test_sigkill_before_the_first_reply_arrives_keeps_the_question(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    # Killed once words have shown, the chat keeps them: tests/test_killed_chat.py.
    fake_server.reply(text=SLOW_REPLY, chunk_size=6, delay=60)
    chat = start_chat(env=_env(fake_server))
    chat.send("please keep this question")
    deadline = time.monotonic() + 15
    while not fake_server.chat_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_server.chat_requests(), "the question never reached the server"
    chat.child.kill(signal.SIGKILL)
    chat.child.wait()
    (saved,) = _chats(sandbox)
    assert [(m.role, m.content) for m in _messages(saved)] == [
        ("user", "please keep this question")
    ]
    listing = run_llmchat("chats")
    assert "please keep this question" not in listing.stdout
    assert "unanswered" in (listing.stdout + listing.stderr)
    everything = run_llmchat("chats", "--all")
    assert "please keep this question" in everything.stdout


def test_sigkill_mid_reply_keeps_what_arrived_as_an_interrupted_reply(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text=SLOW_REPLY, chunk_size=6, chunk_delay=0.05)
    chat = start_chat(env=_env(fake_server))
    chat.send("tell me a long story")
    chat.expect("word60")  # three seconds in: pieces saved about once a second
    chat.child.kill(signal.SIGKILL)
    chat.child.wait()
    (saved,) = _chats(sandbox)
    question, answer = _messages(saved)
    assert question.content == "tell me a long story"
    assert answer.role == "assistant" and answer.interrupted
    assert answer.content.startswith("word0 word1 word2") and "word20" in answer.content
    assert SLOW_REPLY.startswith(answer.content)  # what arrived, in order, nothing made up
    assert any("cut off" in warning for warning in saved.warnings)
    listing = run_llmchat("chats")  # answered (in part): listed by default
    assert "tell me a long story" in listing.stdout
    found = run_llmchat("chats", "search", "word20")
    assert found.returncode == 0 and saved.id in found.stdout
    resumed = run_llmchat("-c", "go on", env=_env(fake_server))
    assert resumed.returncode == 0, resumed.stderr
    assert fake_server.last.messages == [
        {"role": "user", "content": "tell me a long story"},
        {"role": "assistant", "content": answer.content},
        {"role": "user", "content": "go on"},
    ]
    (after,) = _chats(sandbox)
    assert [(m.role, m.interrupted) for m in _messages(after)] == [
        ("user", False),
        ("assistant", True),
        ("user", False),
        ("assistant", False),
    ]


def test_a_chat_with_only_its_meta_line_is_never_listed(
    sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    chats = sandbox.data_dir / "chats"
    chats.mkdir(parents=True)
    (chats / "20260101-000000-abcdef.jsonl").write_text(
        '{"type":"meta","id":"20260101-000000-abcdef","created":"2026-01-01T00:00:00+00:00"}\n'
    )
    listing = run_llmchat("chats", "--all")
    assert "20260101-000000-abcdef" not in listing.stdout


def test_a_cut_reply_is_kept_marked_and_retry_replaces_it(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    fake_server.reply(text="partial words that never end", chunk_size=4, cut_after=3)
    chat = start_chat(env=_env(fake_server))
    chat.send("cut me")
    chat.expect("/retry")
    chat.wait_prompt()
    chat.ask("/retry", "echo: cut me")
    sent = fake_server.last.messages
    assert sent == [{"role": "user", "content": "cut me"}]
    (saved,) = _chats(sandbox)
    first_answer = _messages(saved)[1]
    assert first_answer.interrupted and first_answer.content.startswith("partial")
    assert [(q.content, a.content if a else None) for q, a in saved.exchanges()] == [
        ("cut me", "echo: cut me")
    ]


def test_the_same_chat_in_two_repls_branches_the_second(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    first = run_llmchat("the start", env=_env(fake_server))
    assert first.returncode == 0
    (original,) = _chats(sandbox)
    one = start_chat("-c", env=_env(fake_server))
    two = start_chat("-c", env=_env(fake_server))
    assert "is open in another llmchat" in (two.child.before or "")
    one.ask("from one", "echo: from one")
    two.ask("from two", "echo: from two")
    # The branch carries the conversation it came from.
    assert fake_server.last.messages[:2] == [
        {"role": "user", "content": "the start"},
        {"role": "assistant", "content": "echo: the start"},
    ]
    by_id = {c.id: c for c in _chats(sandbox)}
    assert len(by_id) == 2
    kept = [m.content for m in _messages(by_id.pop(original.id))]
    assert kept == ["the start", "echo: the start", "from one", "echo: from one"]
    (branch,) = by_id.values()
    assert [m.content for m in _messages(branch)] == [
        "the start",
        "echo: the start",
        "from two",
        "echo: from two",
    ]


def _can_mount_tmpfs() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(sandbox: Sandbox) -> object:
    """The data dir on a 512 KiB tmpfs (root), else a directory made read-only."""
    target = sandbox.data_dir
    if _can_mount_tmpfs():
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(target)],
            check=False,
            capture_output=True,
        )
        if done.returncode == 0:
            yield "tmpfs"
            subprocess.run(["umount", "-l", str(target)], check=False)
            return
    yield "read-only"


def _fill(directory: Path) -> None:
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_full_disk_warns_between_turns_and_the_repl_goes_on(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, small_disk: str
) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("before", "echo: before")
    log = _record(chat)
    if small_disk == "tmpfs":
        _fill(sandbox.data_dir)
    else:
        for path in [sandbox.data_dir, *sandbox.data_dir.rglob("*")]:
            path.chmod(0o500 if path.is_dir() else 0o400)
        if os.geteuid() == 0:
            pytest.skip("root ignores modes and no tmpfs could be mounted")
    # Bigger than the page the chat file already has: the append needs new space.
    fake_server.reply(text="echo: after the disk filled " + "more " * 3000)
    chat.send("after the disk filled")
    chat.expect("no longer being saved")
    chat.wait_prompt()
    assert "Unhandled exception" not in log.written()
    rows = log.rows()
    reply_at = max(i for i, row in enumerate(rows) if "echo: after the disk filled" in row)
    warning_at = next(i for i, row in enumerate(rows) if "no longer being saved" in row)
    assert reply_at < warning_at
    assert not any("echo: after" in row for row in rows[warning_at:])
    chat.ask("and again", "echo: and again")
    assert chat.child.isalive()


def test_the_data_dir_deleted_under_a_running_repl(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("first", "echo: first")
    log = _record(chat)
    shutil.rmtree(sandbox.data_dir)
    chat.send("second")
    chat.expect("echo: second")
    chat.wait_prompt()
    chat.ask("third", "echo: third")
    assert "Unhandled exception" not in log.written()
    assert chat.child.isalive()
