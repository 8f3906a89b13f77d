"""The REPL as a person uses it: the installed `llmchat` in a real pseudo-terminal (pexpect),
typing, pressing Tab and Ctrl+C, against the loopback fake server.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import time
from pathlib import Path

import pexpect
from conftest import TEST_KEY, TEST_KEY_2, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import PROMPT, Chat, StartChat


def _env(server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url, **extra}


def test_two_turns_carry_the_conversation(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("first question", "echo: first question")
    chat.ask("second question", "echo: second question")
    assert fake_server.last.messages == [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "echo: first question"},
        {"role": "user", "content": "second question"},
    ]
    chat.send("/exit")
    chat.child.expect(pexpect.EOF)
    chat.child.close()
    assert chat.child.exitstatus == 0


def test_model_switch_moves_to_the_other_provider_and_key(
    start_chat: StartChat, fake_server: FakeOpenAI, second_server: FakeOpenAI
) -> None:
    chat = start_chat(
        env=_env(fake_server, DEEPSEEK_API_KEY=TEST_KEY_2, DEEPSEEK_BASE_URL=second_server.base_url)
    )
    chat.ask("hello", "echo: hello")
    chat.send("/model deepseek-reasoner")
    chat.expect("DeepSeek")
    chat.wait_prompt()
    chat.ask("and now?", "echo: and now?")
    assert len(fake_server.chat_requests()) == 1
    sent = second_server.last
    # The retired name is renamed on DeepSeek's preset, with thinking on.
    assert sent.model == "deepseek-v4-flash"
    assert sent.body["thinking"] == {"type": "enabled"}
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY_2}"
    # The conversation travels with the user; the OpenAI key does not.
    assert sent.messages[-1] == {"role": "user", "content": "and now?"}
    assert TEST_KEY not in str(sent.headers)


def test_clear_forgets_the_history(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat("-s", "be brief", env=_env(fake_server))
    chat.ask("one", "echo: one")
    chat.ask("/clear", "cleared")
    chat.ask("two", "echo: two")
    assert fake_server.last.messages == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "two"},
    ]


def test_usage_shows_what_the_server_reported(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    fake_server.reply(
        text="counted",
        usage={
            "prompt_tokens": 1234,
            "completion_tokens": 567,
            "total_tokens": 1801,
            "prompt_tokens_details": {"cached_tokens": 1000},
        },
    )
    chat = start_chat("-m", "gpt-4o", env=_env(fake_server))
    chat.ask("count me", "counted")
    chat.send("/usage")
    chat.expect("1,234")
    chat.expect("567")
    chat.wait_prompt()


def _counting_slowly(start_chat: StartChat, fake_server: FakeOpenAI) -> Chat:
    """A REPL in the middle of a slow reply ("tick tick …", 200 of them at 20 chunks/s)."""
    fake_server.reply(text="tick " * 200, chunk_size=5, chunk_delay=0.05)
    chat = start_chat(env=_env(fake_server))
    chat.send("count slowly")
    chat.expect("tick tick")
    return chat


def test_ctrl_c_mid_reply_keeps_what_arrived(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = _counting_slowly(start_chat, fake_server)
    chat.child.sendintr()
    chat.expect("interrupted")
    chat.wait_prompt()
    chat.ask("next", "echo: next")
    messages = fake_server.last.messages
    assert messages[0] == {"role": "user", "content": "count slowly"}
    assert messages[1]["role"] == "assistant"
    assert messages[1]["content"].startswith("tick tick")
    assert len(messages[1]["content"]) < len("tick " * 200)
    assert messages[2] == {"role": "user", "content": "next"}


def test_the_tail_of_a_ctrl_c_storm_leaves_no_empty_prompts(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = _counting_slowly(start_chat, fake_server)
    since = chat.since()
    for _ in range(8):  # most land after the reply stopped, at the prompt
        chat.child.sendcontrol("c")
        time.sleep(0.05)
    chat.expect("interrupted")
    time.sleep(0.3)
    chat.ask("next", "echo: next")
    prompts = [row.rstrip() for row in since.rows() if row.startswith(PROMPT)]
    assert prompts[: prompts.index(f"{PROMPT} next")] == []  # no empty prompt before it
    # A Ctrl+C after a pause still clears the line.
    time.sleep(0.6)
    chat.child.send("half typed")
    chat.child.sendcontrol("c")
    chat.wait_prompt()
    chat.ask("after", "echo: after")


def test_ctrl_c_at_the_prompt_never_quits(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.child.send("half typed")
    chat.child.sendintr()
    chat.wait_prompt()
    chat.child.sendintr()
    chat.wait_prompt()
    chat.ask("still here", "echo: still here")
    assert fake_server.last.messages == [{"role": "user", "content": "still here"}]
    chat.child.sendcontrol("d")
    chat.child.expect(pexpect.EOF)
    chat.child.close()
    assert chat.child.exitstatus == 0


def test_failed_turn_then_retry(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    fake_server.reply(status=500, repeat=3, headers={"Retry-After": "0"})
    chat = start_chat(env=_env(fake_server))
    chat.send("fragile question")
    chat.expect("server error")
    chat.wait_prompt()
    chat.ask("/retry", "echo: fragile question")
    # No dangling half-turn: the retried request carries the question once.
    assert fake_server.last.messages == [{"role": "user", "content": "fragile question"}]


def test_tab_completes_commands(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.child.send("/mo")
    chat.child.send("\t")
    chat.expect("del")  # "/mo" + Tab has become "/model"
    chat.child.send(" \r")
    chat.expect("* = current)")
    chat.wait_prompt()


def test_unknown_command_suggests(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("/modle", "did you mean /model?")
    assert fake_server.chat_requests() == []


def test_multiline_input_with_escape_enter(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.child.send("line one")
    chat.child.send("\x1b\r")
    chat.child.send("line two\r")
    chat.expect("echo: line one")
    chat.wait_prompt()
    assert fake_server.last.messages[-1]["content"] == "line one\nline two"


def test_bracketed_paste_arrives_whole(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.child.send("\x1b[200~first pasted line\nsecond pasted line\x1b[201~")
    chat.child.send("\r")
    chat.expect("echo: first pasted line")
    chat.wait_prompt()
    assert fake_server.last.messages[-1]["content"] == "first pasted line\nsecond pasted line"


def test_history_file_is_private(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("remember me", "echo: remember me")
    history = Path(sandbox.data_dir) / "history"
    assert history.exists()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "remember me" in history.read_text()


def test_chinese_input_round_trips(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("你好，世界", "echo: 你好，世界")
    assert fake_server.last.messages[-1]["content"] == "你好，世界"


def test_continue_resumes_the_last_chat(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    chat = start_chat(env=_env(fake_server))
    for word in ("alpha", "beta", "gamma"):
        chat.ask(word, f"echo: {word}")
    chat.send("/exit")
    chat.child.expect(pexpect.EOF)

    again = start_chat("--continue", env=_env(fake_server))
    again.ask("delta", "echo: delta")
    contents = [m["content"] for m in fake_server.last.messages]
    assert contents == [
        "alpha",
        "echo: alpha",
        "beta",
        "echo: beta",
        "gamma",
        "echo: gamma",
        "delta",
    ]
    chats_dir = Path(sandbox.data_dir) / "chats"
    assert stat.S_IMODE(chats_dir.stat().st_mode) == 0o700
    for path in chats_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert TEST_KEY not in path.read_text()


def test_sigkill_mid_reply_loses_only_the_rest_of_the_reply_in_flight(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("kept one", "echo: kept one")
    chat.ask("kept two", "echo: kept two")
    fake_server.reply(text="slow " * 100, chunk_size=5, chunk_delay=0.05)
    chat.send("in flight")
    chat.expect("slow slow")
    os.kill(chat.child.pid, signal.SIGKILL)
    chat.child.expect(pexpect.EOF)
    time.sleep(0.1)

    again = start_chat("-c", env=_env(fake_server))
    again.ask("after the crash", "echo: after the crash")
    contents = [m["content"] for m in fake_server.last.messages]
    # What was drawn of the reply in flight was saved first (its first piece at once,
    # then once a second): it is kept, as an interrupted reply, and sent again.
    *before, question, kept, after = contents
    assert before == ["kept one", "echo: kept one", "kept two", "echo: kept two"]
    assert (question, after) == ("in flight", "after the crash")
    assert kept.startswith("slow") and ("slow " * 100).startswith(kept)


def test_edit_composes_in_the_editor(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    editor = 'sh -c \'printf "composed in the editor" > "$1"\' editor'
    chat = start_chat(env=_env(fake_server, EDITOR=editor, VISUAL=""))
    chat.send("/edit")
    chat.expect("composed in the editor")  # back at the prompt, ready to send
    chat.send("")
    chat.expect("echo: composed in the editor")
    chat.wait_prompt()


def test_copy_sends_osc52(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="copy me 复制")
    chat = start_chat(env=_env(fake_server))
    chat.ask("hi", "copy me")
    chat.send("/copy")
    payload = base64.b64encode("copy me 复制".encode()).decode()
    chat.expect_sequence(f"\x1b]52;c;{payload}\x07")
    chat.wait_prompt()


def test_set_system_undo_and_bad_arguments(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    chat = start_chat(env=_env(fake_server))
    chat.ask("/set temperature 0.25", "temperature = 0.25")
    chat.ask("/set temperature hot", "temperature must be a number")
    chat.ask("/set", "0.25")
    chat.ask("/system You answer in French", "system prompt set")
    chat.ask("one", "echo: one")
    chat.ask("two", "echo: two")
    chat.ask("/undo", "dropped: two")
    chat.ask("three", "echo: three")
    body = fake_server.last.body
    assert body is not None and body["temperature"] == 0.25
    assert [m["content"] for m in fake_server.last.messages] == [
        "You answer in French",
        "one",
        "echo: one",
        "three",
    ]


def test_provider_switch_and_listing(
    start_chat: StartChat, fake_server: FakeOpenAI, second_server: FakeOpenAI
) -> None:
    chat = start_chat(
        env=_env(fake_server, DEEPSEEK_API_KEY=TEST_KEY_2, DEEPSEEK_BASE_URL=second_server.base_url)
    )
    chat.send("/providers")
    chat.expect("DEEPSEEK_API_KEY=sk-…" + TEST_KEY_2[-4:])
    chat.wait_prompt()
    chat.ask("/provider qwen", "no API key for Qwen")
    chat.ask("/provider deepsek", "did you mean 'deepseek'?")
    chat.ask("/provider deepseek", "deepseek-v4-flash")  # the preset's default model
    chat.ask("hello", "echo: hello")
    assert second_server.last.model == "deepseek-v4-flash"
    assert fake_server.chat_requests() == []


def test_model_alone_lists_what_the_server_serves(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    fake_server.models = ["served-one", "served-two"]
    chat = start_chat(env=_env(fake_server))
    chat.send("/model")
    chat.expect("from its /models")
    chat.expect("served-two")
    chat.wait_prompt()
    chat.child.send("/model served-t")
    chat.child.send("\t")
    chat.expect("wo")  # the completion is drawn before Enter is pressed
    chat.child.send("\r")
    chat.expect("model: served-two")
    chat.wait_prompt()


def _saved_messages(data_dir: Path) -> list[tuple[str, str]]:
    """(role, content) of every message record in the chat files, as another process sees them."""
    found: list[tuple[str, str]] = []
    for path in sorted((data_dir / "chats").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("type") == "message":
                found.append((record["role"], record["content"]))
    return found


def test_each_message_is_saved_before_the_next_request(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    """When a request reaches the server, every message before it is already in the file.

    The server reads the chat file the moment each request arrives (before answering), so
    a record still sitting in a buffer of llmchat's would be missing from its log. That
    they survive a crash (the fsync) is test_sigkill_mid_reply_loses_only_the_reply_in_flight.
    """
    on_disk_when_asked: list[list[tuple[str, str]]] = []
    fake_server.on_chat = lambda _request: on_disk_when_asked.append(
        _saved_messages(sandbox.data_dir)
    )
    chat = start_chat(env=_env(fake_server))
    chat.ask("first question", "echo: first question")
    chat.ask("second question", "echo: second question")

    assert on_disk_when_asked[0] == [("user", "first question")]
    assert on_disk_when_asked[1] == [
        ("user", "first question"),
        ("assistant", "echo: first question"),
        ("user", "second question"),
    ]
