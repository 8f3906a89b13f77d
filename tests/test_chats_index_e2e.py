"""`llmchat chats`, `chats search` and `usage` through the installed command, over chats
written by the real ChatStore, with the index beside them deleted, corrupted or left
stale between calls: every answer must still be what the files say."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat

from llmchat.events import Usage
from llmchat.store import ChatStore
from llmchat.store.index import INDEX_FILE
from llmchat.store.records import Cost


def _write(
    data: Path,
    day: str,
    exchanges: list[tuple[str, str]],
    *,
    provider: str = "deepseek",
    model: str = "deepseek-chat",
    currency: str = "USD",
    estimated: bool = False,
) -> str:
    """One chat, written on `day` (its file's mtime says so)."""
    store = ChatStore(data, durable=False)
    with store.new_chat(provider, model) as writer:
        for question, answer in exchanges:
            writer.append_message("user", question, provider=provider, model=model)
            writer.append_message(
                "assistant",
                answer,
                provider=provider,
                model=model,
                usage=Usage(prompt_tokens=100, completion_tokens=20, estimated=estimated),
                cost=Cost(0.25, currency),
            )
        chat_id = writer.id
    stamp = datetime.fromisoformat(f"{day}T12:00:00").astimezone().timestamp()
    os.utime(data / "chats" / f"{chat_id}.jsonl", (stamp, stamp))
    return chat_id


@pytest.fixture
def chats(sandbox: Sandbox) -> dict[str, str]:
    data = Path(sandbox.data_dir)
    return {
        "k8s": _write(
            data,
            "2026-10-05",
            [("kubernetes kubernetes kubernetes", "scale the deployment")],
        ),
        "long": _write(
            data,
            "2026-11-02",
            [("a long question that mentions kubernetes once " + "and more words " * 20, "ok")],
            provider="openai",
            model="gpt-4o",
        ),
        "zh": _write(
            data,
            "2026-11-10",
            [("请解释一下量子计算的基本原理", "量子计算利用量子叠加和纠缠。")],
            provider="qwen",
            model="qwen-max",
            currency="CNY",
            estimated=True,
        ),
    }


def _listed(run_llmchat: RunLLMChat, *args: str) -> list[str]:
    result = run_llmchat("chats", *args)
    assert result.returncode == 0, result.stderr
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


def _found(run_llmchat: RunLLMChat, *args: str) -> list[str]:
    result = run_llmchat("chats", "search", *args)
    lines = result.stdout.splitlines()
    return [line.split()[0] for line in lines if not line.startswith(" ")]


def test_listing_newest_first_with_n_since_model_provider(
    run_llmchat: RunLLMChat, chats: dict[str, str]
) -> None:
    assert _listed(run_llmchat) == [chats["zh"], chats["long"], chats["k8s"]]
    assert _listed(run_llmchat, "-n", "1") == [chats["zh"]]
    assert _listed(run_llmchat, "--since", "2026-11-01") == [chats["zh"], chats["long"]]
    assert _listed(run_llmchat, "--model", "gpt-4o") == [chats["long"]]
    assert _listed(run_llmchat, "--provider", "qwen", "--all") == [chats["zh"]]
    bad = run_llmchat("chats", "--since", "last tuesday")
    assert bad.returncode == 2 and bad.stderr.startswith("llmchat: error:")


def test_search_ranks_denser_matches_first_and_finds_chinese_substrings(
    run_llmchat: RunLLMChat, chats: dict[str, str]
) -> None:
    assert _found(run_llmchat, "KUBERNETES") == [chats["k8s"], chats["long"]]
    assert _found(run_llmchat, "kubernetes", "-n", "1") == [chats["k8s"]]
    assert _found(run_llmchat, "量子计算") == [chats["zh"]]
    assert _found(run_llmchat, "叠加") == [chats["zh"]]  # two characters: below a trigram
    assert _found(run_llmchat, "纠缠", "--role", "user") == []
    result = run_llmchat("chats", "search", "scale the")
    assert result.returncode == 0 and "assistant: scale the deployment" in result.stdout
    miss = run_llmchat("chats", "search", "no such words anywhere")
    assert miss.returncode == 1 and miss.stdout == ""


def test_index_deleted_corrupt_or_stale_between_calls(
    run_llmchat: RunLLMChat, sandbox: Sandbox, chats: dict[str, str]
) -> None:
    data = Path(sandbox.data_dir)
    expected = [chats["zh"], chats["long"], chats["k8s"]]
    assert _listed(run_llmchat) == expected
    (data / INDEX_FILE).unlink()
    assert _listed(run_llmchat) == expected
    for suffix in ("-wal", "-shm"):
        Path(f"{data / INDEX_FILE}{suffix}").unlink(missing_ok=True)
    (data / INDEX_FILE).write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    assert _listed(run_llmchat) == expected
    assert _found(run_llmchat, "量子") == [chats["zh"]]
    # Stale: a line appended to the oldest chat by something that is not llmchat.
    path = data / "chats" / f"{chats['k8s']}.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "v": 1,
                    "type": "message",
                    "role": "user",
                    "content": "and helm charts?",
                    "ts": datetime.now(timezone.utc).isoformat(),
                }
            )
            + "\n"
        )
    assert _found(run_llmchat, "helm charts") == [chats["k8s"]]
    assert _listed(run_llmchat)[0] == chats["k8s"]


def test_a_chat_is_indexed_as_it_is_written(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    assert run_llmchat("what is a zanzibarquux", env=env).returncode == 0
    # No listing ran: only the recorder's note_write can have put it in the index.
    conn = sqlite3.connect(Path(sandbox.data_dir) / INDEX_FILE)
    turns = conn.execute("SELECT turns FROM chats").fetchall()
    conn.close()
    assert turns == [(1,)]
    assert run_llmchat("-c", "and a second question", env=env).returncode == 0
    assert _found(run_llmchat, "second question") == _listed(run_llmchat)


def test_usage_keeps_currencies_apart_text_and_json(
    run_llmchat: RunLLMChat, chats: dict[str, str]
) -> None:
    text = run_llmchat("usage")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert any(line.split()[:2] == ["TOTAL", "USD"] and "$0.50" in line for line in lines)
    assert any(line.split()[:2] == ["TOTAL", "CNY"] and "~¥0.25" in line for line in lines)
    assert "~100" in text.stdout  # qwen's tokens were estimated
    report = json.loads(run_llmchat("usage", "--json").stdout)
    assert {(t["currency"], t["cost"], t["estimated"]) for t in report["totals"]} == {
        ("USD", 0.5, False),
        ("CNY", 0.25, True),
    }
    # Spend counts when the message was written (its ts), which is now for all three.
    now = datetime.now().astimezone()
    month = json.loads(run_llmchat("usage", "--month", f"{now:%Y-%m}", "--json").stdout)
    assert sorted(m["model"] for m in month["models"]) == ["deepseek-chat", "gpt-4o", "qwen-max"]
    later = f"{now.year + 1}-01-01"
    assert json.loads(run_llmchat("usage", "--since", later, "--json").stdout)["models"] == []
    empty = run_llmchat("usage", "--since", later)
    assert empty.returncode == 0 and "no usage recorded" in empty.stderr
    assert run_llmchat("usage", "--month", "November").returncode == 2


def test_repl_chats_lists_tokens_and_searches(
    start_chat: StartChat, fake_server: FakeOpenAI, chats: dict[str, str]
) -> None:
    chat = start_chat(env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url})
    chat.ask("/chats", "TOKENS")
    chat.ask("/chats 量子计算", chats["zh"])


def test_a_long_listing_goes_through_the_pager_on_a_terminal_only(
    llmchat_bin: Path, sandbox: Sandbox, run_llmchat: RunLLMChat, chats: dict[str, str]
) -> None:
    pager = {"PAGER": "sh -c 'echo PAGED-BY-THE-PAGER; cat'"}
    listing = pexpect.spawn(
        str(llmchat_bin),
        ["chats", "--all"],
        env={**sandbox.env, **pager},
        dimensions=(3, 100),  # four lines of listing: taller than the screen
        encoding="utf-8",
        timeout=30,
    )
    listing.expect_exact("PAGED-BY-THE-PAGER")
    listing.expect_exact(chats["k8s"])
    listing.expect(pexpect.EOF)
    piped = run_llmchat("chats", "--all", env=pager)
    assert "PAGED-BY-THE-PAGER" not in piped.stdout and chats["k8s"] in piped.stdout


def test_a_data_dir_that_is_a_file_gets_one_line_never_a_traceback(
    run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    not_a_dir = sandbox.data_dir.parent / "not-a-dir"
    not_a_dir.write_text("")
    env = {"LLMCHAT_DATA_DIR": str(not_a_dir)}
    for args, code in ((["chats"], 0), (["chats", "search", "foo"], 1), (["usage"], 0)):
        result = run_llmchat(*args, env=env)
        assert "Traceback" not in result.stderr, args
        assert result.returncode == code, (args, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert errors[0].startswith("llmchat: ") and "not-a-dir" in errors[0], errors


def _costs(run_llmchat: RunLLMChat, *args: str) -> dict[str, str]:
    """{chat id: its COST cell} of a `llmchat chats` listing into a pipe."""
    result = run_llmchat(*args)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    start, end = header.index("COST"), header.index("MODEL")
    return {line.split()[0]: line[start:end].strip() for line in lines}


def test_chats_and_usage_say_free_local_and_price_unknown_as_the_chat_did(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    """A local model's chat is "free (local)", never "$0.00"; a model nobody has a price
    for is "price unknown": the listing speaks as the status line and /usage do. An index
    built by an older llmchat (version 4, no such mark) is rebuilt from the files."""
    data = Path(sandbox.data_dir)
    ran = run_llmchat(
        "-m", "ollama/llama3.2", "--usage", "hi", env={"OLLAMA_BASE_URL": fake_server.base_url}
    )
    assert ran.returncode == 0, ran.stderr
    assert "free (local)" in ran.stderr  # what the chat itself said
    store = ChatStore(data, durable=False)
    with store.new_chat("local", "smollm2-135m") as writer:  # saved before the mark existed
        writer.append_message("user", "old", provider="local", model="smollm2-135m")
        writer.append_message(
            "assistant", "a", provider="local", model="smollm2-135m", cost=Cost(0.0, "USD")
        )
        legacy = writer.id
    with store.new_chat("custom", "my-model") as writer:
        for n, cost in enumerate([None, Cost(0.25, "USD")]):
            writer.append_message("user", f"q{n}", provider="custom", model="my-model")
            writer.append_message(
                "assistant", "a", provider="custom", model="my-model", usage=Usage(9, 3), cost=cost
            )
        mixed = writer.id
    with store.new_chat("custom", "my-model") as writer:
        writer.append_message("user", "q", provider="custom", model="my-model")
        writer.append_message(
            "assistant", "a", provider="custom", model="my-model", usage=Usage(9, 3)
        )
        unknown = writer.id
    (local,) = set(_costs(run_llmchat, "chats")) - {legacy, mixed, unknown}
    conn = sqlite3.connect(data / INDEX_FILE)  # as llmchat before the mark left it
    conn.execute("ALTER TABLE spend DROP COLUMN local")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    costs = _costs(run_llmchat, "chats")
    assert costs == {
        local: "free (local)",
        legacy: "free (local)",
        mixed: "$0.25 + ?",
        unknown: "price unknown",
    }
    usage = run_llmchat("usage")
    assert usage.returncode == 0, usage.stderr
    rows = [line.split("  ") for line in usage.stdout.splitlines()]
    cells = {(row[0].strip(), row[-1].strip()) for row in rows if len(row) > 1}
    assert ("ollama", "free (local)") in cells and ("local", "free (local)") in cells
    assert ("custom", "price unknown") in cells and ("custom", "$0.25") in cells
    assert "$0.00" not in usage.stdout
    report = json.loads(run_llmchat("usage", "--json").stdout)
    assert report["totals"] == [{"currency": "USD", "cost": 0.25, "estimated": False}]
    assert {m["provider"] for m in report["models"] if m["local"]} == {"ollama", "local"}
