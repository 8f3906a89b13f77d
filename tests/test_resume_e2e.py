"""`llmchat -c` through the installed command, whatever state the chat index is in.

The JSONL files are the truth and the index only a cache: with the index deleted,
scribbled on, truncated, of another version, or stale (a line appended or a chat made
behind its back), `-c` must continue the chat written to last, with its whole history
sent, and append to that chat's file. A data dir that cannot be written is one line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI

from llmchat.store import ChatStore
from llmchat.store.index import INDEX_FILE


def _write(data: Path, question: str, answer: str, *, age_s: float) -> str:
    """One chat written by the real ChatStore, last written `age_s` seconds ago."""
    store = ChatStore(data, durable=False)
    with store.new_chat("openai", "gpt-4o-mini") as writer:
        writer.append_message("user", question, provider="openai", model="gpt-4o-mini")
        writer.append_message("assistant", answer, provider="openai", model="gpt-4o-mini")
        chat_id = writer.id
    stamp = datetime.now(timezone.utc).timestamp() - age_s
    os.utime(data / "chats" / f"{chat_id}.jsonl", (stamp, stamp))
    return chat_id


def _append_behind_its_back(path: Path, role: str, content: str) -> None:
    line = {"v": 1, "type": "message", "role": role, "content": content}
    line["ts"] = datetime.now(timezone.utc).isoformat()
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def _scribble(index: Path) -> None:
    with index.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"\xff" * 4000)


def _other_version(index: Path) -> None:
    conn = sqlite3.connect(index)
    conn.execute("PRAGMA user_version = 1")
    conn.close()


Damage = Callable[[Path, dict[str, Path]], None]

DAMAGE: dict[str, Damage] = {
    "deleted": lambda index, files: index.unlink(),
    "scribbled": lambda index, files: _scribble(index),
    "truncated": lambda index, files: os.truncate(index, 4096),
    "other version": lambda index, files: _other_version(index),
    "not a database": lambda index, files: index.write_bytes(b"not a database at all\n"),
}


@pytest.fixture
def two_chats(run_llmchat: RunLLMChat, sandbox: Sandbox) -> dict[str, Path]:
    """An older and a newer chat, indexed by a listing (so the index is in step)."""
    data = Path(sandbox.data_dir)
    older = _write(data, "the older question", "the older answer", age_s=600)
    newer = _write(data, "the newer question", "the newer answer", age_s=60)
    assert run_llmchat("chats").returncode == 0
    assert (data / INDEX_FILE).exists()
    return {"older": data / "chats" / f"{older}.jsonl", "newer": data / "chats" / f"{newer}.jsonl"}


def _continue(run_llmchat: RunLLMChat, server: FakeOpenAI) -> subprocess.CompletedProcess[str]:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}
    return run_llmchat("-c", "and then?", env=env)


def _sent(server: FakeOpenAI) -> list[str]:
    return [m["content"] for m in server.last.body["messages"]]


def _lines(path: Path) -> int:
    """The chat's records, a streaming reply's pieces aside (the first is saved as it
    arrives, so how many there are depends on the reply's pace)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return sum('"type":"partial"' not in line for line in lines)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_continue_takes_the_newest_chat_whatever_became_of_the_index(
    run_llmchat: RunLLMChat,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
    two_chats: dict[str, Path],
    damage: str,
) -> None:
    index = Path(sandbox.data_dir) / INDEX_FILE
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    DAMAGE[damage](index, two_chats)
    before = {name: _lines(path) for name, path in two_chats.items()}
    result = _continue(run_llmchat, fake_server)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "echo: and then?\n"
    assert _sent(fake_server) == ["the newer question", "the newer answer", "and then?"]
    assert _lines(two_chats["newer"]) == before["newer"] + 2
    assert _lines(two_chats["older"]) == before["older"]
    # And the listing, which does rebuild, agrees with the files.
    listed = run_llmchat("chats").stdout.splitlines()[1:]
    assert [line.split()[0] for line in listed] == [
        two_chats["newer"].stem,
        two_chats["older"].stem,
    ]


def test_continue_sees_a_line_appended_behind_the_index_back(
    run_llmchat: RunLLMChat, fake_server: FakeOpenAI, two_chats: dict[str, Path]
) -> None:
    """The older chat written to by another program: now it is the one written last."""
    _append_behind_its_back(two_chats["older"], "user", "a question from elsewhere")
    _append_behind_its_back(two_chats["older"], "assistant", "an answer from elsewhere")
    result = _continue(run_llmchat, fake_server)
    assert result.returncode == 0, result.stderr
    assert _sent(fake_server) == [
        "the older question",
        "the older answer",
        "a question from elsewhere",
        "an answer from elsewhere",
        "and then?",
    ]


def test_continue_sees_a_chat_made_behind_the_index_back(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI, two_chats: dict[str, Path]
) -> None:
    data = Path(sandbox.data_dir)
    copied = _write(data, "a chat copied in", "from another machine", age_s=1)
    result = _continue(run_llmchat, fake_server)
    assert result.returncode == 0, result.stderr
    assert _sent(fake_server) == ["a chat copied in", "from another machine", "and then?"]
    # Caught up on the way: the index has the new chat without a listing.
    conn = sqlite3.connect(data / INDEX_FILE)
    turns = dict(conn.execute("SELECT id, turns FROM chats").fetchall())
    conn.close()
    assert turns[copied] == 2


@contextmanager
def _read_only(data: Path) -> Iterator[None]:
    """`data` read-only: a read-only bind mount as root (root ignores modes), else modes."""
    if os.geteuid() != 0:
        paths = [data, *data.rglob("*")]
        for path in paths:
            path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            for path in paths:
                path.chmod(0o700 if path.is_dir() else 0o600)
        return
    if subprocess.run(["mount", "--bind", str(data), str(data)], capture_output=True).returncode:
        pytest.skip("root ignores modes and no bind mount could be made here")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(data)]
        if subprocess.run(remount, capture_output=True).returncode:
            pytest.skip("root ignores modes and the bind mount could not be made read-only")
        yield
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True)


@pytest.mark.parametrize("index", ["indexed", "no index"])
def test_continue_in_a_read_only_data_dir_is_one_line(
    run_llmchat: RunLLMChat,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
    two_chats: dict[str, Path],
    index: str,
) -> None:
    data = Path(sandbox.data_dir)
    if index == "no index":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data / INDEX_FILE}{suffix}").unlink(missing_ok=True)
    before = {name: path.read_bytes() for name, path in two_chats.items()}
    with _read_only(data):
        result = _continue(run_llmchat, fake_server)
        unsaved = run_llmchat(
            "-c",
            "--no-save",
            "still answered?",
            env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url},
        )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmchat: error: "), result.stderr
    assert "--no-save" in lines[0] and "Traceback" not in result.stderr
    assert sum(1 for request in fake_server.requests if request.is_chat) == 1  # --no-save's
    # --no-save, as the hint says: the saved chat is continued, nothing written.
    assert unsaved.returncode == 0, unsaved.stderr
    assert unsaved.stdout == "echo: still answered?\n"
    assert _sent(fake_server) == ["the newer question", "the newer answer", "still answered?"]
    assert {name: path.read_bytes() for name, path in two_chats.items()} == before
