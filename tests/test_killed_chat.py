"""A chat whose llmchat was SIGKILLed mid-reply reads like one interrupted with Ctrl+C.

The installed `llmchat` (one-shot in a subprocess, the REPL in a pty) against the
loopback fake server, killed while a reply streams; then `llmchat chats`, `chats --all`,
`chats show` and `llmchat usage` are asked what they make of it. The reply's pieces
(`partial` lines, the first as it arrives, then about once a second) carry the usage and
cost a Ctrl+C would have saved at that moment, so the listing gives the same estimate,
never a confident 0; pieces saved before they carried any say "?". The last tests drive
the index in-process: a reply still streaming is not counted until its line comes.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat

from llmchat.engine.tokens import TokenCounter, estimate_tokens
from llmchat.events import Cost, Usage
from llmchat.store import ChatStore
from llmchat.store.index import ChatIndex
from llmchat.store.index_query import ChatQueries

SLOW_REPLY = " ".join(f"word{n}" for n in range(400))
PRICES = '[prices."fake-model"]\ninput = 2.0\noutput = 8.0\ncurrency = "USD"\n'
QUESTION = "tell me a long story"


def _env(server: FakeOpenAI) -> dict[str, str]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _priced(sandbox: Sandbox) -> None:
    """fake-model with a price, so a killed reply has a cost to show."""
    (sandbox.config_dir / "config.toml").write_text(PRICES, encoding="utf-8")


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _pieces(path: Path) -> list[dict[str, object]]:
    return [line for line in _lines(path) if line.get("type") == "partial"]


def _wait_for_pieces(
    sandbox: Sandbox, after_question: str, count: int, alive: subprocess.Popen[bytes] | None = None
) -> Path:
    """The chat file once `count` pieces follow `after_question` (a second of the reply
    saved, and more on the way): the moment to kill."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert alive is None or alive.poll() is None, "llmchat ended before it was killed"
        for path in (sandbox.data_dir / "chats").glob("*.jsonl"):
            lines = _lines(path)
            asked = [i for i, line in enumerate(lines) if line.get("content") == after_question]
            if asked and sum(line.get("type") == "partial" for line in lines[asked[-1] :]) >= count:
                return path
        time.sleep(0.05)
    raise AssertionError(f"no {count} saved pieces of the reply to {after_question!r}")


def _row(listing: str, chat_id: str) -> dict[str, str]:
    """One row of the chat table, by column name (cells are two or more spaces apart)."""
    header, *rows = listing.splitlines()
    names = header.split()
    for line in rows:
        if line.startswith(chat_id):
            cells = [cell for cell in line.split("  ") if cell.strip()]
            return dict(zip(names, (cell.strip() for cell in cells), strict=True))
    raise AssertionError(f"{chat_id} not listed:\n{listing}")


def _usage_row(report: str, model: str) -> list[str]:
    for line in report.splitlines():
        cells = line.split()
        if len(cells) > 2 and cells[1] == model:
            return cells
    raise AssertionError(f"{model} not in the usage report:\n{report}")


def _last_usage(path: Path) -> dict[str, int]:
    usage = _pieces(path)[-1]["usage"]
    assert isinstance(usage, dict) and usage["estimated"] is True
    return usage


@pytest.mark.parametrize("indexed", [False, True], ids=["no-index-yet", "index-exists"])
def test_a_one_shot_killed_mid_reply_is_listed_with_its_tokens_and_cost(
    indexed: bool,
    fake_server: FakeOpenAI,
    sandbox: Sandbox,
    run_llmchat: RunLLMChat,
    llmchat_bin: Path,
) -> None:
    _priced(sandbox)
    env = _env(fake_server)
    if indexed:
        fake_server.reply(text="an earlier answer")
        assert run_llmchat("-m", "fake-model", "an earlier question", env=env).returncode == 0
        assert "an earlier question" in run_llmchat("chats").stdout  # the index is built
    fake_server.reply(text=SLOW_REPLY, chunk_size=6, chunk_delay=0.05)
    proc = subprocess.Popen(
        [str(llmchat_bin), "-m", "fake-model", QUESTION],
        env={**sandbox.env, **env},
        cwd=sandbox.cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        path = _wait_for_pieces(sandbox, QUESTION, 2, alive=proc)
        if indexed:  # listed from another terminal mid-reply: answered, not counted yet
            during = run_llmchat("chats")
            assert "unanswered" not in during.stderr
            assert _row(during.stdout, path.stem)["TOKENS"] == "…"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    chat_id = path.stem
    assert [line.get("role") for line in _lines(path) if line["type"] == "message"][-1] == "user"

    # What a Ctrl+C would have saved for this much of the reply: the prompt counted the
    # same way (no tiktoken file in the sandbox: the estimate), the pieces' text counted
    # piece by piece (a word cut between two pieces may count twice).
    usage = _last_usage(path)
    saved_text = "".join(str(piece.get("text", "")) for piece in _pieces(path))
    prompt = TokenCounter().count_messages([{"role": "user", "content": QUESTION}])
    assert usage["prompt_tokens"] == prompt
    assert abs(usage["completion_tokens"] - estimate_tokens(saved_text)) <= len(_pieces(path))
    total = usage["prompt_tokens"] + usage["completion_tokens"]

    listing = run_llmchat("chats")
    assert listing.returncode == 0, listing.stderr
    assert "unanswered" not in listing.stderr
    row = _row(listing.stdout, chat_id)
    assert row["TOKENS"] == f"~{total:,}"
    assert row["COST"].startswith("~$") and row["TITLE"] == QUESTION
    assert _row(run_llmchat("chats", "--all").stdout, chat_id) == row

    shown = run_llmchat("chats", "show", chat_id)
    assert shown.returncode == 0, shown.stderr
    assert f"- Tokens: ~{total:,}" in shown.stdout
    assert saved_text.strip() in shown.stdout and "*(interrupted)*" in shown.stdout
    assert "*(no reply)*" not in shown.stdout
    assert "cut off mid-stream" in shown.stderr  # the reader says what it kept

    spend = _usage_row(run_llmchat("usage").stdout, "fake-model")
    assert spend[2] == ("2" if indexed else "1")  # requests: the killed one counts
    assert spend[-1].startswith("~$")


def test_a_repl_killed_mid_reply_in_its_second_turn_counts_both(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    _priced(sandbox)
    fake_server.reply(text="the first answer", usage={"prompt_tokens": 10, "completion_tokens": 4})
    fake_server.reply(text=SLOW_REPLY, chunk_size=6, chunk_delay=0.05)
    chat = start_chat("-m", "fake-model", env=_env(fake_server))
    chat.ask("first question", "the first answer")
    chat.send("second question")
    path = _wait_for_pieces(sandbox, "second question", 2)
    chat.child.kill(signal.SIGKILL)
    chat.child.wait()
    usage = _last_usage(path)
    total = 10 + 4 + usage["prompt_tokens"] + usage["completion_tokens"]

    listing = run_llmchat("chats")
    row = _row(listing.stdout, path.stem)
    assert (row["TURNS"], row["TOKENS"]) == ("2", f"~{total:,}")
    assert row["COST"].startswith("~$")

    shown = run_llmchat("chats", "show", path.stem).stdout
    assert f"- Tokens: ~{total:,}" in shown
    first, second = shown.split("## You")[1:]
    assert "the first answer" in first and "*(interrupted)*" not in first
    assert "word0 word1" in second and "*(interrupted)*" in second

    spend = _usage_row(run_llmchat("usage").stdout, "fake-model")
    assert spend[2] == "2"


def test_killed_as_the_first_words_show_keeps_them(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    """The first piece is saved before it is drawn: whatever was on screen is on disk, and
    the chat is listed as answered (it was shown only under --all, as unanswered)."""
    fake_server.reply(text=SLOW_REPLY, chunk_size=6, chunk_delay=0.2)
    chat = start_chat(env=_env(fake_server))
    chat.send("one quick question")
    chat.expect("word0")
    chat.child.kill(signal.SIGKILL)
    chat.child.wait()
    listing = run_llmchat("chats")
    assert "one quick question" in listing.stdout and "unanswered" not in listing.stderr
    (path,) = (sandbox.data_dir / "chats").glob("*.jsonl")
    row = _row(listing.stdout, path.stem)
    assert row["TOKENS"].startswith("~") and row["TOKENS"] != "~0"
    shown = run_llmchat("chats", "show", path.stem).stdout
    assert "word0" in shown and "*(interrupted)*" in shown


def test_pieces_saved_before_they_carried_counts_say_so(
    sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    """A chat killed by an older llmchat: its cut reply's tokens are unknown, "?", and
    the turns that were counted still are."""
    store = ChatStore(sandbox.data_dir)
    with store.new_chat("openai", "fake-model") as writer:
        writer.append_message("user", "counted", provider="openai", model="fake-model")
        writer.append_message(
            "assistant",
            "an answer",
            provider="openai",
            model="fake-model",
            usage=Usage(10, 5),
            cost=Cost(0.25, "USD"),
        )
        writer.append_message("user", "killed", provider="openai", model="fake-model")
        writer.append_partial("half an", "")  # no usage, as written before 2026-11-30
    with store.new_chat("openai", "fake-model") as only_killed:
        only_killed.append_message("user", "only killed", provider="openai", model="fake-model")
        only_killed.append_partial("a few words", "")

    listing = run_llmchat("chats")
    assert "unanswered" not in listing.stderr
    row = _row(listing.stdout, writer.id)
    assert (row["TOKENS"], row["COST"]) == ("15 + ?", "$0.25 + ?")
    row = _row(listing.stdout, only_killed.id)
    assert (row["TOKENS"], row["COST"]) == ("?", "?")
    shown = run_llmchat("chats", "show", writer.id).stdout
    assert "- Tokens: 15 + ? (a reply cut off mid-stream was not counted)" in shown
    assert "half an" in shown and "*(interrupted)*" in shown


# --- the index while a reply streams (in-process: a real writer, its lock, the index) ----


def _listed(data_dir: Path) -> tuple[bool, int, int, bool, tuple[tuple[str, float], ...]]:
    """(streaming, answers, tokens, estimated, cost) of the one chat; a chat whose reply
    is arriving is listed as answered."""
    index = ChatIndex(data_dir)
    try:
        queries = ChatQueries(index)
        (row,) = queries.latest(None, unanswered=False)
        assert queries.count_unanswered() == 0
    finally:
        index.close()
    return row.streaming, row.answers, row.tokens, row.estimated, row.cost


def test_a_reply_still_streaming_is_counted_once_its_line_comes(tmp_path: Path) -> None:
    """Listed mid-stream (another terminal), the reply's pieces wait: folding them then
    and its own line later would count the reply, and its cost, twice."""
    store = ChatStore(tmp_path)
    writer = store.new_chat("openai", "fake-model")
    writer.lock_exclusively()
    writer.append_message("user", "q", provider="openai", model="fake-model")
    so_far = Usage(5, 3, estimated=True)
    writer.append_partial("half an", "", usage=so_far, cost=Cost(0.001, "USD"))
    assert _listed(tmp_path) == (True, 0, 0, False, ())  # its line is still to come
    writer.append_message(
        "assistant",
        "half an answer",
        provider="openai",
        model="fake-model",
        usage=Usage(5, 4),
        cost=Cost(0.002, "USD"),
    )
    assert _listed(tmp_path) == (False, 1, 9, False, (("USD", 0.002),))
    writer.close()


def test_pieces_left_when_their_writer_dies_become_its_reply(tmp_path: Path) -> None:
    """Indexed while the writer lived, then the writer gone with no byte more (the
    SIGKILL came right after): the next listing reads the pieces again, as the reply."""
    store = ChatStore(tmp_path)
    writer = store.new_chat("openai", "fake-model")
    writer.lock_exclusively()
    writer.append_message("user", "q", provider="openai", model="fake-model")
    writer.append_partial("half", "", usage=Usage(5, 1, estimated=True))
    writer.append_partial(" an", "", usage=Usage(5, 3, estimated=True), cost=Cost(0.001, "USD"))
    assert _listed(tmp_path)[:3] == (True, 0, 0)
    writer.close()  # the lock goes with the process, however it ends
    assert _listed(tmp_path) == (False, 1, 8, True, (("USD", 0.001),))
