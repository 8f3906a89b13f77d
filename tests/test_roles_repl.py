"""/role, /file and /check in the REPL, typed in a real pseudo-terminal; and the same
features from the command line: `llmchat roles …` and `--check`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat


def _env(server: FakeOpenAI) -> dict[str, str]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _role(sandbox: Sandbox, name: str, text: str) -> Path:
    path = sandbox.config_dir / "roles" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _saved_records(sandbox: Sandbox) -> list[dict[str, object]]:
    (chat_file,) = (sandbox.data_dir / "chats").glob("*.jsonl")
    lines = chat_file.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_role_lists_completes_asks_variables_and_is_recorded(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    _role(sandbox, "tutor", "---\ntemperature: 0.1\n---\nTeach {{topic}} in {{lang|English}}.")
    chat = start_chat(env=_env(fake_server))
    chat.ask("/role", "tutor")  # the list: built-ins and the user's file
    chat.child.send("/role tu")
    chat.child.send("\t")  # completes to "tutor"
    chat.expect("tor")
    chat.child.send("\r")
    chat.expect("topic:")  # asked for, since --var is not at hand in the REPL
    chat.send("sets")
    chat.expect("role: tutor")
    chat.wait_prompt()
    chat.ask("go", "echo: go")
    body = fake_server.last.body
    assert body is not None and body["temperature"] == 0.1
    assert fake_server.last.messages[0] == {
        "role": "system",
        "content": "Teach sets in English.",
    }
    metas = [r for r in _saved_records(sandbox) if r["type"] == "meta"]
    assert any(meta.get("role") == "tutor" for meta in metas)
    chat.ask("/role off", "role tutor dropped")
    chat.ask("again", "echo: again")
    assert fake_server.last.messages[0] == {"role": "user", "content": "go"}


def test_file_attaches_to_the_next_message_only(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    (sandbox.cwd / "notes_for_review.py").write_text("print('hi')\n", encoding="utf-8")
    chat = start_chat(env=_env(fake_server))
    chat.child.send("/file notes_for")
    chat.child.send("\t")  # path completion
    chat.expect("review.py")
    chat.child.send("\r")
    chat.expect("sent with your next message")
    chat.wait_prompt()
    chat.ask("what does it print?", "echo: what does it print?")
    sent = fake_server.last.messages[-1]["content"]
    assert sent.startswith("what does it print?\n\n")
    assert "notes_for_review.py" in sent and "```python\nprint('hi')\n```" in sent
    chat.ask("and now?", "echo: and now?")
    assert fake_server.last.messages[-1] == {"role": "user", "content": "and now?"}
    chat.ask("/file missing.txt", "missing.txt: no such file")


def test_check_is_a_turn_of_its_own_by_the_same_or_another_model(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = start_chat("-m", "model-a", env=_env(fake_server))
    chat.ask("/check", "no answer to check yet")
    fake_server.reply(text="The capital of Australia is Sydney.")
    chat.ask("capital of Australia?", "Sydney")
    fake_server.reply(text="Error: the capital is Canberra, not Sydney.")
    chat.ask("/check model-b", "Canberra, not Sydney")
    check = fake_server.last
    assert check.model == "model-b"
    system, user = check.messages
    assert "factual and logical errors" in system["content"]
    assert "capital of Australia?" in user["content"]
    assert "The capital of Australia is Sydney." in user["content"]
    chat.ask("thanks", "echo: thanks")
    assert fake_server.last.model == "model-a"  # /check did not switch the model
    assert fake_server.last.messages[-2] == {
        "role": "assistant",
        "content": "Error: the capital is Canberra, not Sydney.",
    }


def test_check_flag_keeps_stdout_the_answer(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="2 + 2 = 5")
    fake_server.reply(text="Wrong: 2 + 2 = 4.")
    result = run_llmchat("--check", "what is 2 + 2?", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 + 2 = 5\n"
    assert "Wrong: 2 + 2 = 4." in result.stderr
    assert "2 + 2 = 5" in fake_server.last.messages[1]["content"]


def test_roles_subcommand_lists_shows_creates_and_deletes(
    run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    listed = run_llmchat("roles")
    assert listed.returncode == 0
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == ["commit", "explain", "reviewer", "shell", "translator"]
    shown = run_llmchat("roles", "show", "shell")
    assert shown.stdout.startswith("---\ndescription: One shell command")
    # The "editor" appends a line, as a person would type one.
    editor = sandbox.cwd / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Answer tersely.\\n" >> "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    created = run_llmchat(
        "roles", "create", "terse", "--from", "shell", env={"EDITOR": str(editor)}
    )
    assert created.returncode == 0, created.stderr
    path = sandbox.config_dir / "roles" / "terse.md"
    assert path.read_text(encoding="utf-8").endswith("Answer tersely.\n")
    assert "terse" in run_llmchat("roles").stdout
    again = run_llmchat("roles", "create", "terse", "--no-edit")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_llmchat("roles", "delete", "terse").returncode == 0
    assert not path.exists()
    builtin = run_llmchat("roles", "delete", "reviewer")
    assert builtin.returncode == 2 and "built-in" in builtin.stderr
